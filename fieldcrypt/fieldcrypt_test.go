package fieldcrypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string) *Keys {
	t.Helper()
	k, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := mustParse(t, Generate())
	for _, v := range []string{"ABCD12345678", "Émilie", "x@y", "514-555-0101"} {
		s := k.Seal(v)
		if !strings.HasPrefix(s, "k1:") || strings.Contains(s, v) {
			t.Fatalf("Seal(%q) = %q: want k1: and no clear text", v, s)
		}
		if s == k.Seal(v) {
			t.Fatalf("two seals of %q are equal: the nonce is not random", v)
		}
		got, err := k.Open(s)
		if err != nil || got != v {
			t.Fatalf("Open(Seal(%q)) = %q, %v", v, got, err)
		}
	}
	if k.Seal("") != "" {
		t.Fatal("the empty value is sealed")
	}
	if got, err := k.Open("Tremblay"); err != nil || got != "Tremblay" {
		t.Fatalf("a value in clear opens as %q, %v", got, err)
	}
}

func TestNewestSealsAnyOpens(t *testing.T) {
	oldText := Generate()
	old := mustParse(t, oldText)
	sealed := old.Seal("ABCD12345678")
	both := mustParse(t, oldText+old.NextKey())
	if both.CurrentID() != "k2" {
		t.Fatalf("CurrentID = %s, want k2", both.CurrentID())
	}
	if got, err := both.Open(sealed); err != nil || got != "ABCD12345678" {
		t.Fatalf("the older key does not open: %q, %v", got, err)
	}
	if both.Current(sealed) || !both.Current(both.Seal("x")) || both.Current("clear") {
		t.Fatal("Current does not tell the newest key's values from others")
	}
	if SealedWith(both.Seal("x")) != "k2" || SealedWith("clear") != "" {
		t.Fatal("SealedWith misreads the key ID")
	}
}

func TestWrongOrMissingKey(t *testing.T) {
	aText := Generate()
	a, b := mustParse(t, aText), mustParse(t, Generate())
	sealed := a.Seal("ABCD12345678")
	if _, err := b.Open(sealed); err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Fatalf("another key opens, or says nothing clear: %v", err)
	}
	c := mustParse(t, "index="+newKey()+" k7="+newKey())
	if _, err := c.Open(sealed); err == nil || !strings.Contains(err.Error(), "not loaded") || !strings.Contains(err.Error(), "put k1 back") {
		t.Fatalf("a missing key: %v", err)
	}
	// A server not restarted after a key was added meets what another,
	// restarted, sealed with it: the error says to restart it.
	if _, err := a.Open(mustParse(t, aText+a.NextKey()).Seal("x")); err == nil || !strings.Contains(err.Error(), "k2") || !strings.Contains(err.Error(), "restart this one") {
		t.Fatalf("a key newer than those loaded: %v", err)
	}
	var none *Keys
	if _, err := none.Open(sealed); err == nil {
		t.Fatal("nil keys open a sealed value")
	}
	if err := b.Verify(a.Checks()); err == nil {
		t.Fatal("Verify accepts another key set")
	}
	dataOnly := a.Checks()
	delete(dataOnly, IndexKeyName)
	if err := c.Verify(dataOnly); err == nil || !strings.Contains(err.Error(), "k1") {
		t.Fatalf("Verify does not name the missing key: %v", err)
	}
	if err := none.Verify(a.Checks()); err == nil || !strings.Contains(err.Error(), "--keys") {
		t.Fatalf("Verify without keys: %v", err)
	}
	if err := a.Verify(a.Checks()); err != nil {
		t.Fatal(err)
	}
}

func TestIndex(t *testing.T) {
	k := mustParse(t, Generate())
	if k.Index(KindHealthNumber, "abcd 1234 5678") != k.Index(KindHealthNumber, "ABCD12345678") {
		t.Fatal("the index does not normalise a health number")
	}
	if k.Index(KindEmail, "A@x.ca") != k.Index(KindEmail, " a@x.ca") {
		t.Fatal("the index does not normalise an email")
	}
	if k.Index(KindEmail, "x") == k.Index(KindPhone, "x") {
		t.Fatal("two kinds share an index")
	}
	if strings.Contains(k.Index(KindHealthNumber, "ABCD12345678"), "ABCD") || k.Index(KindEmail, "") != "" {
		t.Fatal("the index shows its value, or indexes the empty value")
	}
	other := mustParse(t, Generate())
	if other.Index(KindEmail, "a@x.ca") == k.Index(KindEmail, "a@x.ca") {
		t.Fatal("the index does not depend on the key")
	}
}

// TestDestinations: a message's destination is indexed as its channel's
// kind, as the account's contact is; a column kept only for its index
// keeps nothing under keys, and the value without them.
func TestDestinations(t *testing.T) {
	k := mustParse(t, Generate())
	if k.Index(DestinationKind("email"), "a@x.ca") != k.Index(KindEmail, "a@x.ca") ||
		k.Index(DestinationKind("sms"), "+15145550101") != k.Index(KindPhone, "+15145550101") {
		t.Fatal("a destination is not indexed as its channel's kind")
	}
	if k.Keep("a@x.ca") != "" {
		t.Fatal("a column kept for its index holds the value under keys")
	}
	var none *Keys
	if none.Keep("a@x.ca") != "a@x.ca" {
		t.Fatal("a column kept for its index loses the value without keys")
	}
}

func TestParseRefuses(t *testing.T) {
	for _, text := range []string{
		"",
		"k1=" + newKey(),
		"index=" + newKey(),
		"index=" + newKey() + " k0=" + newKey(),
		"index=" + newKey() + " key1=" + newKey(),
		"index=" + newKey() + " k1=c2hvcnQ=",
		"index=" + newKey() + " k1=" + newKey() + " k1=" + newKey(),
		"index=" + newKey() + " k1",
	} {
		if _, err := Parse(text); err == nil {
			t.Errorf("Parse(%.30q) accepted", text)
		}
	}
	env := "index=" + newKey() + ",k1=" + newKey() + ",k2=" + newKey()
	if k, err := Parse(env); err != nil || k.CurrentID() != "k2" {
		t.Fatalf("a comma-separated set: %v", err)
	}
}

func TestFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	if created, err := CreateFile(path); err != nil || !created {
		t.Fatalf("CreateFile: %v, %v", created, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode %v, %v: want 0600", info.Mode().Perm(), err)
	}
	first, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sealed := first.Seal("x")
	if created, err := CreateFile(path); err != nil || created {
		t.Fatalf("CreateFile over a key file: %v, %v", created, err)
	}
	if id, err := AddKey(path); err != nil || id != "k2" {
		t.Fatalf("AddKey: %q, %v", id, err)
	}
	second, err := ReadFile(path)
	if err != nil || second.CurrentID() != "k2" {
		t.Fatalf("after AddKey: %v", err)
	}
	if got, err := second.Open(sealed); err != nil || got != "x" {
		t.Fatalf("the first key is lost: %v", err)
	}
	os.Chmod(path, 0o644)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file others read: %v", err)
	}
}

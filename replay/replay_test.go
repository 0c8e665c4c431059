package replay_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"rdv"
	"rdv/replay"
)

type answer struct {
	Token string
	Name  string
}

func mustNew(t *testing.T, scope, key, body string) *replay.Key {
	t.Helper()
	k, err := replay.New(&rdv.IdemKey{Scope: scope, Key: key, BodyHash: body})
	if err != nil {
		t.Fatalf("derive %s %q: %v", scope, key, err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k := mustNew(t, "POST /api/v1/appointments", "c1", "hash")
	want := answer{Token: "secret-token", Name: "Tremblay"}
	sealed, err := k.Seal(want)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	for _, s := range []string{want.Token, want.Name, "c1", "hash"} {
		if bytes.Contains(sealed, []byte(s)) {
			t.Errorf("sealed answer holds %q", s)
		}
	}
	// The same key derived again, as a retry does, opens it.
	var got answer
	if err := mustNew(t, "POST /api/v1/appointments", "c1", "hash").Open(sealed, &got); err != nil || got != want {
		t.Fatalf("open: %+v, %v; want %+v", got, err, want)
	}
	again, _ := k.Seal(want)
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one answer are equal: the nonce is not random")
	}
}

// TestOtherKeysOpenNothing: an answer opens under its own key and scope
// only, and not once altered.
func TestOtherKeysOpenNothing(t *testing.T) {
	t.Parallel()
	k := mustNew(t, "POST /api/v1/appointments", "c1", "hash")
	sealed, err := k.Seal(answer{Token: "secret-token"})
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	others := map[string]*replay.Key{
		"another key":   mustNew(t, "POST /api/v1/appointments", "c2", "hash"),
		"another scope": mustNew(t, "POST /api/v1/holds", "c1", "hash"),
		"a longer key":  mustNew(t, "POST /api/v1/appointments", "c1\x00", "hash"),
	}
	for name, o := range others {
		var got answer
		if err := o.Open(sealed, &got); err == nil || got.Token != "" {
			t.Errorf("%s opened the answer: %+v, %v", name, got, err)
		}
		if bytes.Equal(o.ID(), k.ID()) {
			t.Errorf("%s names the same row", name)
		}
	}
	for i := range sealed {
		altered := bytes.Clone(sealed)
		altered[i] ^= 1
		var got answer
		if err := k.Open(altered, &got); err == nil {
			t.Fatalf("answer altered at byte %d opened: %+v", i, got)
		}
	}
	var got answer
	if err := k.Open(sealed[:10], &got); err == nil {
		t.Fatal("a truncated answer opened")
	}
}

// TestBodyCheck: the check tells one body from another under one key, and
// is not the body's hash nor the same check under another key, so a table
// does not confirm a guessed body without the key.
func TestBodyCheck(t *testing.T) {
	t.Parallel()
	body := hex.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k := mustNew(t, "s", "k", body)
	if !k.SameBody(mustNew(t, "s", "k", body).BodyCheck()) {
		t.Fatal("the same body under the same key does not check")
	}
	if k.SameBody(mustNew(t, "s", "k", "other").BodyCheck()) {
		t.Fatal("another body checks")
	}
	if bytes.Equal(k.BodyCheck(), mustNew(t, "s", "k2", body).BodyCheck()) {
		t.Fatal("two keys give one body the same check")
	}
	if bytes.Contains([]byte(hex.EncodeToString(k.BodyCheck())), []byte(body)) || bytes.Contains(k.BodyCheck(), []byte(body)) {
		t.Fatal("the check holds the body's hash")
	}
	if len(k.ID()) != 32 || len(k.BodyCheck()) != 32 {
		t.Fatalf("row name of %d bytes, check of %d; want 32 and 32", len(k.ID()), len(k.BodyCheck()))
	}
}

func TestNoKey(t *testing.T) {
	t.Parallel()
	if _, err := replay.New(nil); err == nil {
		t.Fatal("a nil key derived")
	}
}

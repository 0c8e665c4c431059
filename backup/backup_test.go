package backup_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"rdv/backup"
)

// mustKey creates a key file in a new directory and reads it back.
func mustKey(t *testing.T) (backup.Identities, backup.Recipients) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.key")
	if created, err := backup.CreateKeyFile(path, time.Now()); err != nil || !created {
		t.Fatalf("create key file: %v, created %v", err, created)
	}
	ids, err := backup.ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ids.Recipients()
	if err != nil {
		t.Fatal(err)
	}
	return ids, r
}

func mustSeal(t *testing.T, plain []byte, r backup.Recipients) []byte {
	t.Helper()
	var sealed bytes.Buffer
	if err := backup.Seal(&sealed, bytes.NewReader(plain), r); err != nil {
		t.Fatal(err)
	}
	return sealed.Bytes()
}

// plaintext is larger than several of age's 64 KiB chunks, half of it
// random so that compression leaves several chunks too.
func plaintext() []byte {
	p := bytes.Repeat([]byte("SQLite format 3\x00 rendez-vous "), 10000)
	noise := make([]byte, 300_000)
	rand.Read(noise)
	return append(p, noise...)
}

func TestSealOpen(t *testing.T) {
	ids, r := mustKey(t)
	plain := plaintext()
	sealed := mustSeal(t, plain, r)
	if bytes.Contains(sealed, plain[:64]) {
		t.Fatal("the sealed file shows its plaintext")
	}
	var got bytes.Buffer
	if err := backup.Open(&got, bytes.NewReader(sealed), ids); err != nil {
		t.Fatalf("open: %v", err)
	}
	if !bytes.Equal(got.Bytes(), plain) {
		t.Fatalf("opened %d bytes, not the %d sealed", got.Len(), len(plain))
	}
}

func TestOpenRefusesWrongKey(t *testing.T) {
	ids, r := mustKey(t)
	other, _ := mustKey(t)
	sealed := mustSeal(t, plaintext(), r)
	err := backup.Open(&bytes.Buffer{}, bytes.NewReader(sealed), other)
	if !errors.Is(err, backup.ErrWrongKey) {
		t.Fatalf("open with another identity: %v, want ErrWrongKey", err)
	}
	// The file key's stanza altered reads as another key's: age cannot
	// tell them apart, and the error says both.
	stanza := bytes.Clone(sealed)
	stanza[bytes.Index(sealed, []byte("\n---"))-5] ^= 0x01
	err = backup.Open(&bytes.Buffer{}, bytes.NewReader(stanza), ids)
	if !errors.Is(err, backup.ErrWrongKey) && !errors.Is(err, backup.ErrDamaged) {
		t.Fatalf("open with the stanza altered: %v, want refused", err)
	}
}

// TestOpenRefusesDamage cuts and alters a sealed file in the header, in
// the middle and at the end: each fails with ErrDamaged, none opens.
func TestOpenRefusesDamage(t *testing.T) {
	ids, r := mustKey(t)
	sealed := mustSeal(t, plaintext(), r)
	const chunk = 64*1024 + 16 // age's encrypted chunk
	mac := bytes.Index(sealed, []byte("\n---")) + 10
	body := mac + 40
	flip := func(at int) []byte {
		b := bytes.Clone(sealed)
		b[at] ^= 0x01
		return b
	}
	tests := []struct {
		name string
		file []byte
	}{
		{"empty", nil},
		{"not a backup", []byte("SQLite format 3\x00")},
		{"cut in the header", sealed[:body/2]},
		{"cut in the first chunk", sealed[:body+100]},
		{"cut at a chunk boundary", sealed[:body+chunk]},
		{"last byte missing", sealed[:len(sealed)-1]},
		{"a byte added", append(bytes.Clone(sealed), 0)},
		{"a byte altered in the header's MAC", flip(mac)},
		{"a byte altered in the middle", flip(len(sealed) / 2)},
		{"the last byte altered", flip(len(sealed) - 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := backup.Open(&bytes.Buffer{}, bytes.NewReader(tt.file), ids)
			if !errors.Is(err, backup.ErrDamaged) {
				t.Fatalf("open: %v, want ErrDamaged", err)
			}
		})
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "backup.key")
	if created, err := backup.CreateKeyFile(path, time.Now()); err != nil || !created {
		t.Fatalf("create: %v, created %v", err, created)
	}
	first, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(string(first), "# public key: age1pq1") {
		t.Errorf("the key file does not say its public key:\n%.200s", first)
	}
	if created, err := backup.CreateKeyFile(path, time.Now()); err != nil || created {
		t.Fatalf("second create: %v, created %v, want the first kept", err, created)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Fatal("the second create replaced the key")
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.ReadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key others may read: %v, want refused", err)
	}
}

func TestParseRecipients(t *testing.T) {
	a, _ := age.GenerateX25519Identity()
	b, _ := age.GenerateHybridIdentity()
	r, err := backup.ParseRecipients(a.Recipient().String() + ", " + a.Recipient().String() + "\n")
	if err != nil || r.Len() != 2 {
		t.Fatalf("two recipients: %d, %v", r.Len(), err)
	}
	if _, err := backup.ParseRecipients(b.Recipient().String()); err != nil {
		t.Fatalf("a post-quantum recipient: %v", err)
	}
	for _, bad := range []string{"", " , ", "AGE-SECRET-KEY-1QQQ", "age1nope"} {
		if _, err := backup.ParseRecipients(bad); err == nil {
			t.Errorf("ParseRecipients(%q) accepted", bad)
		}
	}
}

// TestWriteFileWholeOrNothing: a failed write leaves the old file as it
// was and no temporary file behind.
func TestWriteFileWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.age")
	if err := backup.WriteFile(path, func(f *os.File) error { _, err := f.WriteString("first"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := backup.WriteFile(path, func(f *os.File) error { f.WriteString("half"); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("write: %v, want boom", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "first" {
		t.Fatalf("after a failed write the file holds %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in the directory, want only the backup", len(entries))
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", st.Mode().Perm())
	}
}

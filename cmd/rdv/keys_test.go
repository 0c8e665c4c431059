package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeKeys writes a new key set in a directory of its own, away from any
// database, readable by its owner only, and returns its file.
func writeKeys(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rdv.keys")
	if err := os.WriteFile(path, []byte(mustRunRDV(t, "keys", "generate")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKeysRotateCommand: a database written in clear is sealed at its
// first open with keys; a key added and rdv keys rotate reseal every row
// with it; another key set, or a key file beside the data, is refused at
// start with a message that says why.
func TestKeysRotateCommand(t *testing.T) {
	db := smallNetworkDB(t, nil)
	keys := writeKeys(t)
	said := mustRunRDV(t, "keys", "rotate", "--db", db, "--keys", keys)
	if !strings.Contains(said, "0 left") {
		t.Fatalf("first rotation said %q, want nothing left", said)
	}
	if said := mustRunRDV(t, "keys", "add", "--keys", keys); !strings.Contains(said, "k2 added") {
		t.Fatalf("keys add said %q", said)
	}
	said = mustRunRDV(t, "keys", "rotate", "--db", db, "--keys", keys, "--batch", "3")
	if !strings.Contains(said, "with k2") || !strings.Contains(said, "0 left") || strings.HasPrefix(said, "0 rows") {
		t.Fatalf("rotation to k2 said %q, want rows resealed with k2 and none left", said)
	}

	if _, err := runRDV(t, "keys", "rotate", "--db", db, "--keys", writeKeys(t)); err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("another key set: %v; want a refusal that names the keys", err)
	}
	beside := filepath.Join(filepath.Dir(db), "prod.keys")
	if err := os.WriteFile(beside, []byte(mustRunRDV(t, "keys", "generate")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runRDV(t, "keys", "rotate", "--db", db, "--keys", beside); err == nil || !strings.Contains(err.Error(), "database's directory") {
		t.Fatalf("a key file beside the data: %v; want it refused", err)
	}
	if _, err := runRDV(t, "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	startMain(t, "--db", db, "--keys", keys)
}

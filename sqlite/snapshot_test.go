package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"rdv/sqlite"
	"rdv/storetest"
)

// TestFilesOwnerOnly: a new database, its write-ahead log and its shared
// memory file are readable by their owner only, whatever the umask.
func TestFilesOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "rdv.db")
	s := mustOpenAt(t, path, sqlite.Options{})
	storetest.MustLoad(t, s, storetest.SmallNetwork(storetest.Start))
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(name), err)
		}
		if perm := st.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(name), perm)
		}
	}
}

// TestSnapshot: the copy holds what was committed, passes the checks,
// and its file is its owner's only when the caller made it so.
func TestSnapshot(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rdv.db")
	s := mustOpenAt(t, path, sqlite.Options{})
	n := storetest.SmallNetwork(storetest.Start)
	storetest.MustLoad(t, s, n)

	dest := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(dest, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Snapshot(t.Context(), path, dest); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if err := sqlite.Check(t.Context(), dest); err != nil {
		t.Fatalf("check the copy: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+dest+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var slots int
	if err := db.QueryRow(`SELECT count(*) FROM slots`).Scan(&slots); err != nil || slots != n.SlotCount {
		t.Fatalf("the copy has %d slots (%v), want %d", slots, err, n.SlotCount)
	}
	if err := sqlite.Snapshot(t.Context(), path, dest); err == nil {
		t.Fatal("a snapshot over a database that is not empty succeeded")
	}
	if err := sqlite.Snapshot(t.Context(), filepath.Join(dir, "none.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Fatal("a snapshot of a database that does not exist succeeded")
	}
}

// TestCheckFindsDamage: a page overwritten in the middle of the file is
// reported.
func TestCheckFindsDamage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rdv.db")
	s := mustOpenAt(t, path, sqlite.Options{})
	storetest.MustLoad(t, s, storetest.SmallNetwork(storetest.Start))
	s.Close()
	copyPath := filepath.Join(dir, "copy.db")
	if err := sqlite.Snapshot(t.Context(), path, copyPath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	for i := 2 * page; i < 3*page; i++ { // the third page: a table's b-tree
		b[i] = 0x5a
	}
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]func(context.Context, string) error{"Check": sqlite.Check, "QuickCheck": sqlite.QuickCheck} {
		err = check(t.Context(), copyPath)
		if err == nil || !strings.Contains(err.Error(), "check") {
			t.Errorf("%s of a damaged file: %v, want problems", name, err)
		}
	}
}

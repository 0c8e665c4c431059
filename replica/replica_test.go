package replica_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"rdv/replica"
)

// openDB opens path with the store's pragmas (sqlite/sqlite.go): the log,
// full fsync, and a wait on locks rather than a failure.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func count(t *testing.T, path string) int {
	t.Helper()
	db := openDB(t, path)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM bookings`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// stop closes the database, then the replica, which makes its last copy.
func stop(t *testing.T, db *sql.DB, r *replica.Replicator) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// restoredRows restores the replica in vault as it was at the moment at
// into out, and counts its rows.
func restoredRows(t *testing.T, vault, out string, at time.Time) int {
	t.Helper()
	if err := replica.Restore(context.Background(), vault, out, at); err != nil {
		t.Fatal(err)
	}
	return count(t, out)
}

// TestRestoreToMoment: rows written while the replica copies come back as
// they were at a moment between two of them: those before, none after;
// the newest copy holds them all, and a moment before the first copy has
// none to give.
func TestRestoreToMoment(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "rdv.db")
	vault := filepath.Join(t.TempDir(), "replica")
	db := openDB(t, path)
	if _, err := db.Exec(`CREATE TABLE bookings (id INTEGER PRIMARY KEY, token TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	r, err := replica.Start(ctx, path, vault, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	write := func(n int) {
		for range n {
			if _, err := db.Exec(`INSERT INTO bookings (token) VALUES (hex(randomblob(16)))`); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(50)
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the copies are stamped to the millisecond
	moment := time.Now()
	time.Sleep(1100 * time.Millisecond)
	// The attack: every row deleted, then copied like any write.
	if _, err := db.Exec(`DELETE FROM bookings`); err != nil {
		t.Fatal(err)
	}
	write(7)
	stop(t, db, r)

	at := filepath.Join(dir, "at.db")
	if n := restoredRows(t, vault, at, moment); n != 50 {
		t.Errorf("restored at the moment before the attack: %d rows, want 50", n)
	}
	if st, err := os.Stat(at); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("restored file: %v, mode %v, want 0600", err, st.Mode().Perm())
	}
	newest := filepath.Join(dir, "newest.db")
	if err := replica.Restore(ctx, vault, newest, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, newest); n != 7 {
		t.Errorf("restored to the newest copy: %d rows, want 7", n)
	}
	err = replica.Restore(ctx, vault, filepath.Join(dir, "early.db"), before.Add(-time.Hour))
	if !errors.Is(err, replica.ErrNoCopy) {
		t.Errorf("restore before the first copy: %v, want ErrNoCopy", err)
	}
}

// TestCopiedBeforeAcknowledging: writers that wait for Copied after their
// insert, many at once, are all in a restore to the moment after the last
// of them returned, though an attack follows at once, before the next
// copy of the second's rhythm; the attack is not.
func TestCopiedBeforeAcknowledging(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "rdv.db")
	vault := filepath.Join(t.TempDir(), "replica")
	db := openDB(t, path)
	db.SetMaxOpenConns(8)
	if _, err := db.Exec(`CREATE TABLE bookings (id INTEGER PRIMARY KEY, token TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	r, err := replica.Start(ctx, path, vault, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for range each {
				if _, err := db.Exec(`INSERT INTO bookings (token) VALUES (hex(randomblob(16)))`); err != nil {
					errs <- err
					return
				}
				if err := r.Copied(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // the copies are stamped to the millisecond
	moment := time.Now()
	if _, err := db.Exec(`DELETE FROM bookings`); err != nil {
		t.Fatal(err)
	}
	stop(t, db, r)
	if n := restoredRows(t, vault, filepath.Join(dir, "at.db"), moment); n != writers*each {
		t.Errorf("restored to the moment after the last acknowledgement: %d rows, want %d", n, writers*each)
	}
}

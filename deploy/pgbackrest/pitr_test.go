package pgbackrest_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv/deploy/pgbackrest"
)

// startRig starts the rig in a temporary directory, or skips the test
// with the reason this machine cannot: never in CI, where .ci/run
// installs what it needs.
func startRig(t *testing.T) *pgbackrest.Rig {
	t.Helper()
	if err := pgbackrest.Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the pgBackRest test: %v", err)
		}
		t.Skipf("pgBackRest test skipped: %v", err)
	}
	// Not t.TempDir: its parents are the test's alone (0700), and the
	// database's and the repository's users must walk through.
	dir, err := os.MkdirTemp("", "rdv-pgbackrest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the rig's files are kept in %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	r, err := pgbackrest.Start(t.Context(), dir)
	if err != nil {
		t.Fatalf("start the rig: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func ids(t *testing.T, c *pgx.Conn) []int {
	t.Helper()
	rows, err := c.Query(t.Context(), `SELECT id FROM bookings ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestPointInTimeRestore runs the shipped configuration end to end: WAL
// archived to a repository of another OS user, a full backup, bookings,
// an incremental backup, a moment noted, then an "attack" (bookings
// deleted, others scrambled), and a restore to that moment into a new
// data directory, which starts and holds the bookings as they were. The
// database's OS user cannot delete the backups.
func TestPointInTimeRestore(t *testing.T) {
	r := startRig(t)
	ctx := t.Context()
	began := time.Now()
	c := connect(t, r.URL())
	mustExec(t, c, `CREATE TABLE bookings (id int PRIMARY KEY, patient text NOT NULL)`)
	if err := r.Backup(ctx, "full"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `INSERT INTO bookings SELECT i, 'patient ' || i FROM generate_series(1, 500) i`)
	if err := r.Backup(ctx, "incr"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `INSERT INTO bookings SELECT i, 'patient ' || i FROM generate_series(501, 600) i`)
	var target time.Time
	if err := c.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	want := ids(t, c)
	// Commits within the same second would sit on both sides of a target
	// that the restore reads to the microsecond; wait past it all the same.
	time.Sleep(1100 * time.Millisecond)
	mustExec(t, c, `DELETE FROM bookings WHERE id % 3 = 0`)
	mustExec(t, c, `UPDATE bookings SET patient = 'chiffré'`)
	mustExec(t, c, `INSERT INTO bookings VALUES (9999, 'rançon')`)
	// check switches to a new WAL segment and waits until it is in the
	// repository: the restore needs WAL past the target to stop there.
	if err := r.Repo(ctx, "check"); err != nil {
		t.Fatal(err)
	}

	// The database's OS user cannot touch the repository.
	if err := r.AsDatabaseUser(ctx, "rm", "-rf", r.RepoPath+"/backup"); err == nil {
		t.Fatal("the database's OS user removed the backups")
	}
	if entries, err := os.ReadDir(filepath.Join(r.RepoPath, "backup", pgbackrest.Stanza)); err != nil || len(entries) < 2 {
		t.Fatalf("the repository's backups after the attempt: %v, %v", entries, err)
	}

	url, err := r.RestoreTo(ctx, target, "restored")
	if err != nil {
		t.Fatal(err)
	}
	restored := connect(t, url)
	var inRecovery bool
	for {
		if err := restored.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery); err != nil {
			t.Fatal(err)
		}
		if !inRecovery {
			break
		}
		if time.Since(began) > time.Minute {
			t.Fatal("the restored cluster is still recovering after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := ids(t, restored)
	if !slices.Equal(got, want) {
		t.Fatalf("restored %d bookings (first %v), want the %d before the attack", len(got), got[:min(5, len(got))], len(want))
	}
	var scrambled int
	if err := restored.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE patient <> 'patient ' || id`).Scan(&scrambled); err != nil || scrambled != 0 {
		t.Fatalf("%d restored bookings scrambled (%v)", scrambled, err)
	}
	t.Logf("full and incremental backups, attack, restore to %s: %d bookings back, in %.1f s", target.Format(time.TimeOnly), len(got), time.Since(began).Seconds())
}

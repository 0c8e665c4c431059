package faults

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"rdv/postgres"
	"rdv/postgres/pgtest"
)

// killEvery is the time between two kills: several in the short run.
func killEvery() time.Duration {
	if *long {
		return 5 * time.Second
	}
	return time.Second
}

// TestKillEmbedded kills the embedded server (SQLite) with SIGKILL again
// and again while patients book, and starts it again at once: every
// booking acknowledged survives, no slot is booked twice, a write retried
// with its key after the crash has one effect, every request the spool
// acknowledged reaches the database once, and the file is sound.
func TestKillEmbedded(t *testing.T) {
	dir := t.TempDir()
	p := sqlitePlatform(t, dir)
	in := newInstance(t, dir, "rdv", p.serveArgs()...)
	in.Start()
	fault{
		name:     "SIGKILL, embedded server (SQLite)",
		platform: p,
		targets:  []string{in.URL()},
		strike: func(ctx context.Context, blow func()) {
			every(ctx, killEvery(), func() {
				blow()
				in.Restart()
			})
		},
		settle: func() {
			in.waitSpoolReplayed()
			in.Stop()
		},
	}.run(t)
	wantIntegrity(t, p.db)
}

// wantIntegrity fails t unless SQLite finds the database file sound.
func wantIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
}

// TestKillPostgresInstances kills instances that share one PostgreSQL
// database, one after another, while patients book through all of them
// (a client whose write got no answer sends it again, with its key, to
// the next instance): what one instance acknowledged before it died
// stays, and a retry on another has no second effect. make faults runs
// the same behind the edge, on the production-shaped cluster
// (TestKillClusterInstances).
func TestKillPostgresInstances(t *testing.T) {
	dir := t.TempDir()
	p := postgresPlatform(t, dir, pgtest.CreateMigratedDB(t, postgres.Migrate))
	ins, urls := postgresInstances(t, dir, p, 3)
	next := 0
	fault{
		name:     "SIGKILL, 3 instances on PostgreSQL",
		platform: p,
		targets:  urls,
		strike: func(ctx context.Context, blow func()) {
			every(ctx, killEvery(), func() {
				blow()
				ins[next%len(ins)].Restart()
				next++
			})
		},
		settle: func() { settleAll(ins) },
	}.run(t)
}

// settleAll waits for every instance's spool to be replayed, then stops
// them all.
func settleAll(ins []*instance) {
	for _, in := range ins {
		in.waitSpoolReplayed()
	}
	for _, in := range ins {
		in.Stop()
	}
}

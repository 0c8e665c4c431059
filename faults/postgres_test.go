package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv/postgres"
	"rdv/postgres/pgtest"
)

// TestCutPostgresConnections cuts every connection two instances hold to
// PostgreSQL (pg_terminate_backend, as an operator's script, a failing
// pooler or a network device would), again and again, while patients
// book: a write that was cut is refused or unanswered, its retry has one
// effect, and the instances reconnect by themselves.
func TestCutPostgresConnections(t *testing.T) {
	dir := t.TempDir()
	url := pgtest.CreateMigratedDB(t, postgres.Migrate)
	p := postgresPlatform(t, dir, url)
	ins, urls := postgresInstances(t, dir, p, 2)
	admin, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	cut := 0
	fault{
		name:     "PostgreSQL's connections cut, 2 instances",
		platform: p,
		targets:  urls,
		strike: func(ctx context.Context, blow func()) {
			every(ctx, killEvery()/2, func() {
				blow()
				var n int
				if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil && ctx.Err() == nil {
					t.Fatalf("cut the connections: %v", err)
				}
				cut += n
			})
		},
		settle: func() { settleAll(ins) },
	}.run(t)
	if cut == 0 {
		t.Fatal("no connection cut")
	}
	t.Logf("%d connections cut", cut)
}

// TestRestartPostgres crashes PostgreSQL (every process at once, no
// checkpoint: a power cut) and starts it again, again and again, while
// patients book through two instances: bookings are refused while it is
// down and acknowledged ones survive its crash recovery; requests keep
// being accepted (the spool) and reach it once it is back.
func TestRestartPostgres(t *testing.T) {
	ps := pgtest.StartPrivateServer(t)
	dir := t.TempDir()
	p := postgresPlatform(t, dir, ps.URL())
	ins, urls := postgresInstances(t, dir, p, 2)
	down := 200 * time.Millisecond
	if *long {
		down = 2 * time.Second
	}
	fault{
		name:     fmt.Sprintf("PostgreSQL crashed and restarted (down %s), 2 instances", down),
		platform: p,
		targets:  urls,
		strike: func(ctx context.Context, blow func()) {
			every(ctx, 2*killEvery(), func() {
				ps.Crash(t)
				blow()
				time.Sleep(down)
				ps.Start(t)
			})
		},
		settle: func() { settleAll(ins) },
	}.run(t)
}

// postgresInstances starts n instances on the platform.
func postgresInstances(t *testing.T, dir string, p *platform, n int) ([]*instance, []string) {
	t.Helper()
	var ins []*instance
	var urls []string
	for i := range n {
		in := newInstance(t, dir, fmt.Sprintf("rdv%d", i+1), append(p.serveArgs(), "--pg-max-conns", "8")...)
		in.Start()
		ins, urls = append(ins, in), append(urls, in.URL())
	}
	return ins, urls
}

package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/deploy/pgbackrest"
	"rdv/postgres"
	"rdv/storetest"
)

// drillPGFlags keep the drill's servers within the rig cluster's 20
// connections, with room for the attacker and pgBackRest.
var drillPGFlags = []string{"--pg-max-conns", "6", "--pg-min-conns", "1"}

// startDrillRig starts deploy/pgbackrest's rig (a cluster of its own,
// archiving to a repository of another OS user), or skips with the
// reason this machine cannot: never in CI, where .ci/run installs it.
func startDrillRig(t *testing.T) *pgbackrest.Rig {
	t.Helper()
	if err := pgbackrest.Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the PostgreSQL drill: %v", err)
		}
		t.Skipf("PostgreSQL drill skipped: %v", err)
	}
	// Not t.TempDir: its parents are the test's alone (0700), and the
	// database's and the repository's users must walk through.
	dir, err := os.MkdirTemp("", "rdv-drill-")
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

// TestRansomwareDrillPostgres: the demo or small network on a cluster
// whose WAL pgBackRest archives, a full backup, patients booking through
// the API with an incremental backup among them; then an attacker with
// the database's superuser credentials turns foreign keys off, deletes
// half the appointments and scrambles the tokens of the rest. From
// detection: the server stops, the last WAL segment is archived, the
// cluster is restored into a new data directory to the moment before the
// attack (the attacked one kept for the investigation), and the server
// starts on it. Every booking acknowledged before the attack must answer
// its token, and a new booking must succeed.
func TestRansomwareDrillPostgres(t *testing.T) {
	r := startDrillRig(t)
	ctx := t.Context()
	url := r.URL()
	mustRunRDV(t, "migrate", "--db", url)
	if *drillDemo {
		mustRunRDV(t, "demo", "--db", url)
	} else {
		s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		storetest.MustLoad(t, s, bookingNetwork(rdv.DateOf(time.Now()).AddDays(1)))
		s.Close()
	}
	began := time.Now()
	if err := r.Backup(ctx, "full"); err != nil {
		t.Fatal(err)
	}
	fullTook := time.Since(began)

	srv := startDrillServer(t, append([]string{"--db", url}, drillPGFlags...)...)
	patients := newDrillPatients(srv.URL())
	stop := make(chan struct{})
	done := make(chan struct{})
	var (
		acked      []ackedBooking
		bookingErr error
	)
	go func() {
		defer close(done)
		acked, bookingErr = patients.bookUntil(ctx, 4, stop)
	}()
	// The daily incremental backup, taken while patients book.
	time.Sleep(drillBookFor() / 2)
	incrErr := r.Backup(ctx, "incr")
	time.Sleep(drillBookFor() / 2)
	close(stop)
	<-done
	if bookingErr != nil || incrErr != nil {
		t.Fatalf("before the attack: bookings: %v; incremental backup: %v", bookingErr, incrErr)
	}
	if len(acked) == 0 {
		t.Fatal("no booking before the attack")
	}

	// The moment before the attack: in an incident, the first bad
	// statement's time read from the logs; here the attacker notes it.
	attackAt := time.Now()
	attackPostgres(t, url)
	gone, err := patients.missing(ctx, acked)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != len(acked) {
		t.Fatalf("the attack left %d of %d bookings reachable", len(acked)-len(gone), len(acked))
	}

	// Attack detected: the clock runs until a restored cluster serves.
	clock := startClock()
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop the attacked server: %v", err)
	}
	clock.lap("stop the server")
	// The WAL up to now reaches the repository (pgbackrest check switches
	// segments and waits for the archive): the restore needs WAL past
	// the target to stop there.
	if err := r.Repo(ctx, "check"); err != nil {
		t.Fatal(err)
	}
	clock.lap("archive the last WAL")
	restoredURL, err := r.RestoreTo(ctx, attackAt, "restored")
	if err != nil {
		t.Fatal(err)
	}
	if err := waitRecovered(ctx, restoredURL); err != nil {
		t.Fatal(err)
	}
	clock.lap("pgbackrest restore --type=time and replay")
	again := startDrillServer(t, append([]string{"--db", restoredURL}, drillPGFlags...)...)
	patients.base = again.URL()
	if _, err := patients.do(ctx, "GET", "/readyz", nil, nil, 200); err != nil {
		t.Fatal(err)
	}
	clock.lap("rdv serve ready")

	lost, err := patients.missing(ctx, acked)
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d bookings acknowledged before the attack are not back: %v", len(lost), len(acked), bookingIDs(lost))
	}
	if _, err := patients.bookOnce(ctx); err != nil {
		t.Fatalf("a new booking on the restored server: %v", err)
	}
	auditVerify(t, restoredURL)
	var size int64
	if c, err := pgx.Connect(ctx, restoredURL); err == nil {
		c.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&size)
		c.Close(ctx)
	}
	report := fmt.Sprintf("drill postgres: %d bookings acknowledged, all back (restored to the attack's moment); full backup %.1f s; database %.0f MB; detection to serving %s",
		len(acked), fullTook.Seconds(), float64(size)/1e6, clock)
	t.Log(report)
	fmt.Fprintln(os.Stdout, report)
	if clock.total() > drillTarget {
		t.Errorf("detection to serving took %s, over the %s target", clock.total().Round(time.Second), drillTarget)
	}
}

// attackPostgres is the attacker with the database's superuser
// credentials: foreign keys off (session_replication_role), half the
// appointments deleted, the tokens of the others scrambled, while the
// server runs.
func attackPostgres(t *testing.T, url string) {
	t.Helper()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	for _, stmt := range []string{
		`SET session_replication_role = replica`,
		`DELETE FROM appointments WHERE id % 2 = 0`,
		`UPDATE appointments SET cancel_token_hash = md5(random()::text)`,
	} {
		if _, err := c.Exec(t.Context(), stmt); err != nil {
			t.Fatalf("attack: %s: %v", stmt, err)
		}
	}
}

// waitRecovered waits until the restored cluster has replayed its WAL
// and been promoted.
func waitRecovered(ctx context.Context, url string) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	deadline := time.Now().Add(drillTarget)
	for {
		var inRecovery bool
		if err := c.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery); err != nil {
			return err
		}
		if !inRecovery {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the restored cluster is still recovering after %s", drillTarget)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

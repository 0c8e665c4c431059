package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestRansomwareDrillSQLite: patients book through the API while the
// server copies its database continuously to a replica (rdv serve
// --replica), kept where the database's owner cannot reach it; an
// attacker who can write the database file deletes half the appointments
// and scrambles the tokens of the rest; from detection, the server is
// stopped, the replica restored as it was at the moment the attack began
// into a new file beside the attacked one (kept for the investigation)
// and served. Every booking acknowledged before the attack must answer
// its token again, and a new booking must succeed: the server
// acknowledges a write only once the replica holds it (--replica-wait,
// the default), so even those of the attack's last second are back.
func TestRansomwareDrillSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "rdv.db")
	if *drillDemo {
		mustRunRDV(t, "demo", "--db", db)
	} else {
		s, err := sqlite.Open(ctx, db, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		storetest.MustLoad(t, s, bookingNetwork(rdv.DateOf(time.Now()).AddDays(1)))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	vault := filepath.Join(t.TempDir(), "replica")
	srv := startDrillServer(t, "--db", db, "--replica", vault)
	patients := newDrillPatients(srv.URL())

	stop := make(chan struct{})
	var (
		wg         sync.WaitGroup
		acked      []ackedBooking
		bookingErr error
	)
	wg.Go(func() { acked, bookingErr = patients.bookUntil(ctx, 4, stop) })
	time.Sleep(drillBookFor())
	close(stop)
	wg.Wait()
	if bookingErr != nil {
		t.Fatalf("before the attack: bookings: %v", bookingErr)
	}
	if len(acked) == 0 {
		t.Fatal("no booking before the attack")
	}

	// The moment an operator reads from the logs: the attacker's first
	// statement.
	attackAt := time.Now()
	attackSQLite(t, db)
	gone, err := patients.missing(ctx, acked)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != len(acked) {
		t.Fatalf("the attack left %d of %d bookings reachable", len(acked)-len(gone), len(acked))
	}

	// Attack detected: the clock runs until a restored database serves.
	clock := startClock()
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop the attacked server: %v", err)
	}
	clock.lap("stop the server")
	restored := filepath.Join(dir, "restored.db")
	mustRunRDV(t, "restore", "--replica", vault, "--at", attackAt.Format(time.RFC3339Nano), "--db", restored, "--quick")
	clock.lap("rdv restore --replica --at --quick")
	again := startDrillServer(t, "--db", restored)
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
		_, recent := before(lost, attackAt.Add(-2*time.Second))
		t.Fatalf("%d of %d bookings acknowledged before the attack are not back (%d of them in its last 2 s): %v",
			len(lost), len(acked), len(recent), bookingIDs(lost))
	}
	if _, err := patients.bookOnce(ctx); err != nil {
		t.Fatalf("a new booking on the restored server: %v", err)
	}
	auditVerify(t, restored)
	st, _ := os.Stat(db)
	report := fmt.Sprintf("drill sqlite: %d bookings acknowledged before the attack, all back; restored from the replica to the attack's moment; database %.0f MB; detection to serving %s",
		len(acked), float64(st.Size())/1e6, clock)
	t.Log(report)
	fmt.Fprintln(os.Stdout, report)
	if clock.total() > drillTarget {
		t.Errorf("detection to serving took %s, over the %s target", clock.total().Round(time.Second), drillTarget)
	}
}

// attackSQLite is the attacker with the database file in hand: foreign
// keys off (a connection's default), half the appointments deleted, the
// tokens of the others scrambled, while the server runs.
func attackSQLite(t *testing.T, db string) {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, stmt := range []string{
		`PRAGMA busy_timeout = 10000`,
		`PRAGMA foreign_keys = OFF`,
		`DELETE FROM appointments WHERE id % 2 = 0`,
		`UPDATE appointments SET cancel_token_hash = hex(randomblob(32))`,
	} {
		if _, err := c.Exec(stmt); err != nil {
			t.Fatalf("attack: %s: %v", stmt, err)
		}
	}
}

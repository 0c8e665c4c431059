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

// drillBackupEvery is how often the SQLite drill runs rdv backup while
// patients book: production's timer, shortened so that the drill sees
// several. The recovery point is the newest backup's start.
func drillBackupEvery() time.Duration {
	if *drillDemo {
		return 20 * time.Second
	}
	return time.Second
}

// sqliteBackup is one rdv backup the drill took, and when it began: the
// backup holds every booking acknowledged before then.
type sqliteBackup struct {
	path  string
	began time.Time
}

// TestRansomwareDrillSQLite: patients book through the API while rdv
// backup runs periodically, as production's timer runs it; an attacker
// who can write the database file deletes half the appointments and
// scrambles the tokens of the rest; from detection, the server is
// stopped, the newest backup restored into a new file beside the
// attacked one (kept for the investigation) and served. Every booking
// acknowledged before that backup began must answer its token again, and
// a new booking must succeed. Bookings acknowledged after it are lost:
// periodic snapshots recover to the newest one, not to the attack.
func TestRansomwareDrillSQLite(t *testing.T) {
	ctx := context.Background()
	identity, recipient := productionKey(t)
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
	srv := startDrillServer(t, "--db", db)
	patients := newDrillPatients(srv.URL())

	// Patients book; a timer takes backups, kept where the database's
	// owner cannot reach them (here: another directory).
	vault := t.TempDir()
	stop := make(chan struct{})
	var (
		wg         sync.WaitGroup
		backups    []sqliteBackup
		backupErr  error
		acked      []ackedBooking
		bookingErr error
	)
	wg.Go(func() { acked, bookingErr = patients.bookUntil(ctx, 4, stop) })
	// The first backup once bookings flow, so that it holds some; the
	// loop finishes the backup under way when patients stop.
	if err := patients.waitAcks(5); err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("%v (%v)", err, bookingErr)
	}
	wg.Go(func() {
		for i := 1; ; i++ {
			b := sqliteBackup{path: filepath.Join(vault, fmt.Sprintf("rdv-%03d.backup", i)), began: time.Now()}
			if _, err := runRDV(t, "backup", "--db", db, "--out", b.path, "--backup-recipient", recipient); err != nil {
				backupErr = err
				return
			}
			backups = append(backups, b)
			select {
			case <-stop:
				return
			case <-time.After(drillBackupEvery()):
			}
		}
	})
	time.Sleep(drillBookFor())
	close(stop)
	wg.Wait()
	if bookingErr != nil || backupErr != nil {
		t.Fatalf("before the attack: bookings: %v; backups: %v", bookingErr, backupErr)
	}
	if len(acked) == 0 || len(backups) == 0 {
		t.Fatalf("%d bookings and %d backups before the attack", len(acked), len(backups))
	}

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
	newest := backups[len(backups)-1]
	restored := filepath.Join(dir, "restored.db")
	mustRunRDV(t, "restore", "--in", newest.path, "--db", restored, "--backup-identity", identity, "--quick")
	clock.lap("rdv restore --quick")
	again := startDrillServer(t, "--db", restored)
	patients.base = again.URL()
	if _, err := patients.do(ctx, "GET", "/readyz", nil, nil, 200); err != nil {
		t.Fatal(err)
	}
	clock.lap("rdv serve ready")

	inBackup, after := before(acked, newest.began)
	if len(inBackup) == 0 {
		t.Fatalf("no booking was acknowledged before the newest backup began (%d after it)", len(after))
	}
	lost, err := patients.missing(ctx, inBackup)
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d bookings acknowledged before the newest backup began are not back: %v", len(lost), len(inBackup), bookingIDs(lost))
	}
	lostAfter, err := patients.missing(ctx, after)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := patients.bookOnce(ctx); err != nil {
		t.Fatalf("a new booking on the restored server: %v", err)
	}
	auditVerify(t, restored)
	st, _ := os.Stat(db)
	report := fmt.Sprintf("drill sqlite: %d bookings acknowledged, %d backups every %s; the newest began %.1f s before the attack: %d bookings back, %d acknowledged after it lost (the recovery point); database %.0f MB; detection to serving %s",
		len(acked), len(backups), drillBackupEvery(), attackAt.Sub(newest.began).Seconds(),
		len(inBackup)+len(after)-len(lostAfter), len(lostAfter), float64(st.Size())/1e6, clock)
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

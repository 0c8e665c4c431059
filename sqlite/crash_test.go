package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/sqlite"
	"rdv/storetest"
)

// crashEnv names the database a child test process books into; the
// parent sets it when it re-executes the test binary.
const crashEnv = "RDV_SQLITE_CRASH_DB"

var crashNow = time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC)

// TestCrashKeepsAcknowledgedBookings kills a process that streams
// bookings with SIGKILL and checks, after reopening the database, that
// every booking the process acknowledged is there (invariant 2) and that
// no slot has two active bookings (invariant 1).
func TestCrashKeepsAcknowledgedBookings(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("this is the child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	type ack struct{ appt, slot int64 }
	var acks []ack
	lines := bufio.NewScanner(out)
	const killAfter = 150
	for lines.Scan() && len(acks) < killAfter {
		f := strings.Fields(lines.Text())
		if len(f) != 3 || f[0] != "booked" {
			continue
		}
		appt, err1 := strconv.ParseInt(f[1], 10, 64)
		slot, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad acknowledgement %q", lines.Text())
		}
		acks = append(acks, ack{appt, slot})
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	// Acknowledgements already written before the kill count too.
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) == 3 && f[0] == "booked" {
			appt, _ := strconv.ParseInt(f[1], 10, 64)
			slot, _ := strconv.ParseInt(f[2], 10, 64)
			acks = append(acks, ack{appt, slot})
		}
	}
	_ = cmd.Wait()
	if len(acks) < killAfter {
		t.Fatalf("child acknowledged %d bookings before it stopped, want at least %d", len(acks), killAfter)
	}

	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer s.Close()
	for _, a := range acks {
		got, err := s.Appointment(t.Context(), a.appt)
		if err != nil {
			t.Fatalf("acknowledged appointment %d lost: %v", a.appt, err)
		}
		if got.Status != rdv.Booked || got.Slot.ID != a.slot || got.Slot.State != rdv.SlotBooked {
			t.Fatalf("acknowledged appointment %d is %s on slot %d (%s), want booked on slot %d", a.appt, got.Status, got.Slot.ID, got.Slot.State, a.slot)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var doubles int
	if err := db.QueryRow(`SELECT count(*) FROM (SELECT slot_id FROM appointments WHERE status <> 'cancelled' GROUP BY slot_id HAVING count(*) > 1)`).Scan(&doubles); err != nil {
		t.Fatal(err)
	}
	if doubles != 0 {
		t.Fatalf("%d slots have two active bookings after the crash", doubles)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after the crash: %q, %v", check, err)
	}
	t.Logf("%d acknowledged bookings survived SIGKILL", len(acks))
}

// TestCrashChild is the process that TestCrashKeepsAcknowledgedBookings
// kills: it books without end, two clients racing for each slot, and
// prints each booking once the store has acknowledged it.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child of TestCrashKeepsAcknowledgedBookings")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const nslots = 4000
	storetest.MustLoad(t, s, syntheticNetwork(crashNow.Add(24*time.Hour), nslots, 0))
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Go(func() {
			for {
				n := next.Add(1)
				slot := n/2 + 1
				if slot > nslots {
					return
				}
				h, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: fmt.Sprintf("h%d", n), SlotID: slot,
					ClientKey: fmt.Sprintf("c%d", c), TTL: 5 * time.Minute, Now: crashNow})
				if err != nil {
					continue
				}
				token := fmt.Sprintf("t%d", n)
				a, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: storetest.TestPatient(int(n % 30000)),
					BookedBy: rdv.BySelf, Channel: rdv.API, CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: crashNow})
				if err != nil {
					t.Errorf("confirm a live hold: %v", err)
					return
				}
				mu.Lock()
				fmt.Fprintf(w, "booked %d %d\n", a.ID, slot)
				w.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Out of slots before the parent killed us: wait for the kill.
	time.Sleep(time.Hour)
}

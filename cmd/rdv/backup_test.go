package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/backup"
	"rdv/sqlite"
	"rdv/storetest"
)

// runRDV runs the real Main with args and returns what it printed.
func runRDV(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out lockedBuffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &out
	err := m.Run(context.Background(), args)
	return out.String(), err
}

func mustRunRDV(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runRDV(t, args...)
	if err != nil {
		t.Fatalf("rdv %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// productionKey creates a backup identity in a directory of its own, away
// from any database, and returns its file and its public key.
func productionKey(t *testing.T) (identity, recipient string) {
	t.Helper()
	identity = filepath.Join(t.TempDir(), "backup.key")
	if _, err := backup.CreateKeyFile(identity, time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(identity)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	lines.Buffer(nil, 1<<16)
	for lines.Scan() {
		if r, ok := strings.CutPrefix(lines.Text(), "# public key: "); ok {
			return identity, r
		}
	}
	t.Fatal("the key file does not say its public key")
	return "", ""
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s: mode %04o, want %04o", filepath.Base(path), st.Mode().Perm(), want)
	}
}

// countRows counts the rows of a table of the SQLite database at path.
func countRows(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupRestoreDemo is the demo's contract: the demo makes its backup
// key beside its database and says where; rdv backup and rdv restore need
// no other flag, while the server runs; the restored database serves.
func TestBackupRestoreDemo(t *testing.T) {
	db := smallNetworkDB(t, nil)
	dir := filepath.Dir(db)
	m, _ := startMain(t, "--db", db, "--demo")
	key := filepath.Join(dir, demoBackupKeyName)
	if !strings.Contains(m.Stderr.(*lockedBuffer).String(), "demo backup key: "+key) {
		t.Errorf("serve --demo did not say where its backup key is:\n%s", m.Stderr.(*lockedBuffer).String())
	}
	wantMode(t, key, 0o600)
	// The demo seals patient data with keys of its own, made beside the
	// database on its first run; the rows written before are sealed then.
	dataKeys := filepath.Join(dir, demoDataKeysName)
	if !strings.Contains(m.Stderr.(*lockedBuffer).String(), dataKeys) {
		t.Errorf("serve --demo did not say where its data keys are:\n%s", m.Stderr.(*lockedBuffer).String())
	}
	wantMode(t, dataKeys, 0o600)
	known := storetest.SmallNetwork(rdv.DateOf(time.Now())).Patients[0]

	out := filepath.Join(t.TempDir(), "rdv.backup")
	said := mustRunRDV(t, "backup", "--db", db, "--out", out)
	if !strings.Contains(said, "encrypted to the demo's key") {
		t.Errorf("backup said %q", said)
	}
	wantMode(t, out, 0o600)

	restored := filepath.Join(dir, "restored.db")
	mustRunRDV(t, "restore", "--in", out, "--db", restored)
	wantMode(t, restored, 0o600)
	if b, err := os.ReadFile(restored); err != nil || bytes.Contains(b, []byte(known.HealthNumber)) || bytes.Contains(b, []byte(known.LastName)) {
		t.Fatalf("the restored database holds a patient's health number or name in clear (%v)", err)
	}
	if got, want := countRows(t, restored, "appointments"), countRows(t, db, "appointments"); got != want || got == 0 {
		t.Fatalf("restored %d appointments, want %d", got, want)
	}
	if _, err := runRDV(t, "restore", "--in", out, "--db", restored); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("a restore over a database without --replace: %v", err)
	}
	if said := mustRunRDV(t, "restore", "--in", out, "--db", restored, "--replace", "--quick"); !strings.Contains(said, "pages and foreign keys checked") {
		t.Errorf("restore --quick said %q", said)
	}

	// The restored database serves, with the same key beside it.
	startMain(t, "--db", restored)
	mustRunRDV(t, "backup", "--db", restored, "--out", out)
}

// bookingNetwork is the small network with 40 days of public slots: room
// for bookings that keep coming while a backup runs.
func bookingNetwork(start rdv.Date) rdv.NetworkLoad {
	n := storetest.SmallNetwork(start)
	var slots []rdv.Slot
	for _, plan := range n.Plans {
		for d := range 40 {
			day := plan.Expand(start.AddDays(d), start.AddDays(d+1), rdv.Toronto)
			for j := range day {
				day[j].ID = int64(len(slots) + 1)
				day[j].Audience = rdv.Public
				slots = append(slots, day[j])
			}
		}
	}
	n.SlotCount = len(slots)
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for _, s := range slots {
			if !yield(s, 0) {
				return
			}
		}
	}
	return n
}

// TestBackupWhileBooking takes a production backup (recipient given,
// identity kept elsewhere) while clients book, and restores it: every
// booking acknowledged before the backup began is in it, booked, and no
// slot has two.
func TestBackupWhileBooking(t *testing.T) {
	identity, recipient := productionKey(t)
	db := filepath.Join(t.TempDir(), "rdv.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	n := bookingNetwork(rdv.DateOf(now).AddDays(1))
	storetest.MustLoad(t, s, n)

	var (
		mu    sync.Mutex
		acked []int64 // appointment IDs, in the order acknowledged
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	const clients = 8
	for c := range clients {
		wg.Go(func() {
			for slot := int64(c + 1); slot <= int64(n.SlotCount); slot += clients {
				select {
				case <-stop:
					return
				default:
				}
				h, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: fmt.Sprintf("h%d", slot), SlotID: slot,
					ClientKey: fmt.Sprintf("c%d", c), TTL: 5 * time.Minute, Now: now})
				if err != nil {
					t.Errorf("hold slot %d: %v", slot, err)
					return
				}
				token := fmt.Sprintf("t%d", slot)
				a, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: storetest.TestPatient(int(slot)),
					BookedBy: rdv.BySelf, Channel: rdv.API, CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: now})
				if err != nil {
					t.Errorf("confirm slot %d: %v", slot, err)
					return
				}
				mu.Lock()
				acked = append(acked, a.ID)
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		k := len(acked)
		mu.Unlock()
		if k >= 300 {
			break
		}
		if t.Failed() {
			close(stop)
			wg.Wait()
			t.FailNow()
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := append([]int64(nil), acked...)
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "rdv.backup")
	mustRunRDV(t, "backup", "--db", db, "--out", out, "--backup-recipient", recipient)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	if during == 0 {
		t.Log("no booking was acknowledged while the backup ran")
	}

	restored := filepath.Join(t.TempDir(), "restored.db")
	mustRunRDV(t, "restore", "--in", out, "--db", restored, "--backup-identity", identity)
	r, err := sqlite.Open(ctx, restored, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, id := range before {
		a, err := r.Appointment(ctx, id)
		if err != nil {
			t.Fatalf("appointment %d, acknowledged before the backup began, is not in it: %v", id, err)
		}
		if a.Status != rdv.Booked || a.Slot.State != rdv.SlotBooked {
			t.Fatalf("appointment %d restored %s on a slot %s", id, a.Status, a.Slot.State)
		}
	}
	inBackup := countRows(t, restored, "appointments")
	doubles := countRows(t, restored, `(SELECT slot_id FROM appointments WHERE status <> 'cancelled' GROUP BY slot_id HAVING count(*) > 1)`)
	if doubles != 0 {
		t.Fatalf("%d slots have two bookings in the restored database", doubles)
	}
	t.Logf("%d bookings acknowledged before the backup, %d while it ran; %d in the backup", len(before), during, inBackup)
}

// TestRestoreRefuses: each way a restore or a backup can go wrong is
// refused with a message that says why, and leaves no database behind.
func TestRestoreRefuses(t *testing.T) {
	identity, recipient := productionKey(t)
	otherIdentity, _ := productionKey(t)
	db := smallNetworkDB(t, nil)
	sealed := filepath.Join(t.TempDir(), "rdv.backup")
	mustRunRDV(t, "backup", "--db", db, "--out", sealed, "--backup-recipient", recipient)
	whole, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, b []byte) string {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tampered := append([]byte(nil), whole...)
	tampered[len(tampered)/2] ^= 0x20
	truncated := variant("truncated", whole[:len(whole)*2/3])
	altered := variant("tampered", tampered)

	// An identity in the database's directory, and one others may read.
	newDir := t.TempDir()
	inDataDir := filepath.Join(newDir, "backup.key")
	copyFile(t, identity, inDataDir, 0o600)
	loose := filepath.Join(t.TempDir(), "loose.key")
	copyFile(t, identity, loose, 0o644)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"wrong identity", []string{"restore", "--in", sealed, "--backup-identity", otherIdentity}, "does not open the backup"},
		{"truncated", []string{"restore", "--in", truncated, "--backup-identity", identity}, "damaged"},
		{"tampered", []string{"restore", "--in", altered, "--backup-identity", identity}, "damaged"},
		{"identity beside the data", []string{"restore", "--in", sealed, "--backup-identity", inDataDir}, "lies in the database's directory"},
		{"identity others may read", []string{"restore", "--in", sealed, "--backup-identity", loose}, "chmod 600"},
		{"no identity, no demo key", []string{"restore", "--in", sealed}, "no backup identity"},
		{"over an existing database", []string{"restore", "--in", sealed, "--backup-identity", identity, "--db", db}, "--replace"},
		{"PostgreSQL", []string{"restore", "--in", sealed, "--db", "postgres://localhost/rdv"}, "pgBackRest"},
		{"backup without recipient", []string{"backup", "--db", db, "--out", filepath.Join(newDir, "x")}, "no backup recipient"},
		{"backup with a bad recipient", []string{"backup", "--db", db, "--out", filepath.Join(newDir, "x"), "--backup-recipient", "age1nope"}, "--backup-recipient"},
		{"backup of PostgreSQL", []string{"backup", "--db", "postgres://localhost/rdv", "--out", filepath.Join(newDir, "x")}, "pgBackRest"},
		{"backup without --out", []string{"backup", "--db", db, "--backup-recipient", recipient}, "--out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !slices.Contains(args, "--db") {
				args = append(args, "--db", filepath.Join(newDir, "restored.db"))
			}
			out, err := runRDV(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("rdv %s: %v, want an error saying %q\n%s", strings.Join(args, " "), err, tt.want, out)
			}
			entries, _ := os.ReadDir(newDir)
			for _, e := range entries {
				if e.Name() != "backup.key" {
					t.Errorf("%s left behind", e.Name())
				}
			}
		})
	}
	if countRows(t, db, "appointments") == 0 {
		t.Fatal("the database refused to be replaced lost its appointments")
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, mode); err != nil {
		t.Fatal(err)
	}
}

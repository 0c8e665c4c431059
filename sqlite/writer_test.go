package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// openLoaded opens a store on a fresh file with the small network loaded.
func openLoaded(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rdv.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	storetest.MustLoad(t, s, storetest.SmallNetwork(storetest.Start))
	return s, path
}

// inOneBatch runs the commands in a single batch transaction, on the
// writer goroutine, and returns each command's answer.
func inOneBatch(t *testing.T, s *Store, cmds []*command) []error {
	t.Helper()
	for _, c := range cmds {
		if c.ctx == nil {
			c.ctx = t.Context()
		}
		c.done = make(chan error, 1)
	}
	err := s.writer.submit(t.Context(), &command{exclusive: func(context.Context, *sql.Conn) error {
		s.writer.runBatch(cmds)
		return nil
	}})
	if err != nil {
		t.Fatalf("run batch: %v", err)
	}
	errs := make([]error, len(cmds))
	for i, c := range cmds {
		errs[i] = <-c.done
	}
	return errs
}

func holdCmd(r rdv.HoldRequest) *command {
	return &command{run: func(tx *wtx) error { _, _, err := placeHold(tx, r); return err }}
}

// TestBatchSavepointsIsolateWrites runs writes that succeed and writes that
// fail in one transaction: each failure rolls back only itself, later
// writes see earlier ones, and one commit keeps all the successes.
func TestBatchSavepointsIsolateWrites(t *testing.T) {
	s, _ := openLoaded(t)
	now := storetest.Start.At(8*60, rdv.Toronto)
	hold := func(id string, slot int64) rdv.HoldRequest {
		return rdv.HoldRequest{HoldID: id, SlotID: slot, ClientKey: "c-" + id, TTL: 5 * time.Minute, Now: now}
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	errHalfway := errors.New("fails after writing")
	cmds := []*command{
		holdCmd(hold("a", 1)),
		holdCmd(hold("b", 1)), // same slot, same batch: sees a's hold
		holdCmd(hold("c", 2)), // booked by the load
		{run: func(tx *wtx) error { // writes, then fails: its write must go
			if _, _, err := placeHold(tx, hold("d", 3)); err != nil {
				return err
			}
			return errHalfway
		}},
		holdCmd(hold("e", 3)), // free again after d's rollback
		{ctx: cancelled, run: func(tx *wtx) error { t.Error("ran a command whose context was done"); return nil }},
		{run: func(tx *wtx) error {
			_, _, err := confirmHold(tx, rdv.ConfirmRequest{HoldID: "a", Patient: storetest.TestPatient(1), BookedBy: rdv.BySelf,
				Channel: rdv.API, CancelTokenHash: auth.HashToken("x"), Now: now})
			return err
		}},
	}
	errs := inOneBatch(t, s, cmds)
	want := []string{"", rdv.ESLOTTAKEN, rdv.ESLOTTAKEN, rdv.EINTERNAL, "", "", ""}
	for i, err := range errs {
		if got := rdv.ErrorCode(err); got != want[i] && !(i == 5 && errors.Is(err, context.Canceled)) {
			t.Errorf("command %d: %v (code %q), want code %q", i, err, got, want[i])
		}
	}
	if !errors.Is(errs[3], errHalfway) || !errors.Is(errs[5], context.Canceled) {
		t.Errorf("command 3: %v, command 5: %v; want its own error and context.Canceled", errs[3], errs[5])
	}
	for id, state := range map[int64]rdv.SlotState{1: rdv.SlotBooked, 2: rdv.SlotBooked, 3: rdv.SlotHeld} {
		sl, err := s.Slot(t.Context(), id)
		if err != nil || sl.State != state {
			t.Errorf("slot %d: %+v, %v; want %s", id, sl, err, state)
		}
	}
	if sl, _ := s.Slot(t.Context(), 3); sl.HoldID != "e" {
		t.Errorf("slot 3 held by %q, want e (d was rolled back)", sl.HoldID)
	}
	for _, id := range []string{"b", "c", "d"} {
		if _, err := s.Hold(t.Context(), id); rdv.ErrorCode(err) != rdv.ENOTFOUND {
			t.Errorf("hold %s of a failed write: %v, want not found", id, err)
		}
	}
	if st := s.Stats(); st.LargestBatch < 6 {
		t.Errorf("largest batch %d, want the 6 live commands in one", st.LargestBatch)
	}
}

// TestBrokenTransactionFailsWholeBatch: when the batch transaction itself
// fails (here a command ends it), no write of the batch is kept and every
// command is told so.
func TestBrokenTransactionFailsWholeBatch(t *testing.T) {
	s, _ := openLoaded(t)
	now := storetest.Start.At(8*60, rdv.Toronto)
	cmds := []*command{
		holdCmd(rdv.HoldRequest{HoldID: "a", SlotID: 1, ClientKey: "a", TTL: time.Minute, Now: now}),
		{run: func(tx *wtx) error { _, err := tx.exec(`ROLLBACK`); return err }},
		holdCmd(rdv.HoldRequest{HoldID: "b", SlotID: 3, ClientKey: "b", TTL: time.Minute, Now: now}),
	}
	for i, err := range inOneBatch(t, s, cmds) {
		if err == nil {
			t.Errorf("command %d succeeded in a broken batch", i)
		}
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Hold(t.Context(), id); rdv.ErrorCode(err) != rdv.ENOTFOUND {
			t.Errorf("hold %s of a failed batch: %v, want not found", id, err)
		}
	}
	// The writer goes on.
	if _, _, err := s.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: "c", SlotID: 1, ClientKey: "c", TTL: time.Minute, Now: now}); err != nil {
		t.Fatalf("hold after a failed batch: %v", err)
	}
}

// TestDatabaseForbidsSecondActiveBooking bypasses the store's code: the
// partial unique index alone refuses a second active booking of a slot
// (invariant 1), and allows a cancelled one beside it.
func TestDatabaseForbidsSecondActiveBooking(t *testing.T) {
	s, path := openLoaded(t)
	s.Close()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	insert := `INSERT INTO appointments (slot_id, patient_id, status, booked_by, channel, created_at, updated_at) VALUES (2, 1, ?, 'self', 'web', 0, 0)`
	_, err = db.Exec(insert, "booked")
	if !isUnique(err) || rdv.ErrorCode(uniqueAs(err, rdv.ESLOTTAKEN, "slot 2")) != rdv.ESLOTTAKEN {
		t.Fatalf("second active booking of slot 2: %v, want a unique violation", err)
	}
	if _, err := db.Exec(insert, "cancelled"); err != nil {
		t.Fatalf("cancelled booking beside the active one: %v", err)
	}
}

func TestClose(t *testing.T) {
	s, _ := openLoaded(t)
	now := storetest.Start.At(8*60, rdv.Toronto)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close twice: %v", err)
	}
	_, _, err := s.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: "a", SlotID: 1, ClientKey: "a", TTL: time.Minute, Now: now})
	if rdv.ErrorCode(err) != rdv.EUNAVAILABLE {
		t.Fatalf("hold after close: %v, want %s", err, rdv.EUNAVAILABLE)
	}
}

func TestCancelledContextIsNotRun(t *testing.T) {
	s, _ := openLoaded(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: "a", SlotID: 1, ClientKey: "a", TTL: time.Minute, Now: storetest.Start.At(8*60, rdv.Toronto)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("hold with a cancelled context: %v", err)
	}
	if _, err := s.Hold(t.Context(), "a"); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("hold of a cancelled request stored: %v", err)
	}
}

// TestPragmas checks the settings every connection gets.
func TestPragmas(t *testing.T) {
	s, _ := openLoaded(t)
	want := map[string]string{"busy_timeout": "10000", "journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"}
	check := func(name string, q func(pragma string) (string, error), extra map[string]string) {
		t.Helper()
		for p, v := range extra {
			want[p] = v
		}
		for p, v := range want {
			got, err := q(p)
			if err != nil || got != v {
				t.Errorf("%s connection: PRAGMA %s = %q, %v; want %q", name, p, got, err, v)
			}
		}
	}
	check("read", func(p string) (string, error) {
		var v string
		return v, s.read.QueryRowContext(t.Context(), "PRAGMA "+p).Scan(&v)
	}, map[string]string{"query_only": "1"})
	err := s.writer.submit(t.Context(), &command{exclusive: func(ctx context.Context, conn *sql.Conn) error {
		check("write", func(p string) (string, error) {
			var v string
			return v, conn.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v)
		}, map[string]string{"query_only": "0"})
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReopen checks that migrations run again harmlessly and data stays.
func TestReopen(t *testing.T) {
	s, path := openLoaded(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(t.Context(), path); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	s2, err := Open(t.Context(), path, Options{ReadConns: 1, MaxBatch: 1})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if empty, err := s2.Empty(t.Context()); err != nil || empty {
		t.Fatalf("reopened store Empty() = %v, %v; want false", empty, err)
	}
}

// TestAfterCommit: a write that commits waits for AfterCommit's wait
// before its caller hears of it; a hold and a failed write do not wait;
// a write whose wait fails is committed, answered EUNAVAILABLE, and
// answered as it was made when retried with its idempotency key.
func TestAfterCommit(t *testing.T) {
	s, _ := openLoaded(t)
	now := storetest.Start.At(8*60, rdv.Toronto)
	var waits int
	var broken error
	s.AfterCommit(func(context.Context) error { waits++; return broken })
	confirm := func(hold, key string) (rdv.Appointment, error) {
		a, _, err := s.ConfirmHold(t.Context(), rdv.ConfirmRequest{HoldID: hold, Patient: storetest.TestPatient(1), BookedBy: rdv.BySelf,
			Channel: rdv.API, CancelTokenHash: auth.HashToken("x" + hold), Now: now, Idem: &rdv.IdemKey{Scope: "POST /api/v1/appointments", Key: key, BodyHash: auth.HashToken(hold)}})
		return a, err
	}
	for i, slot := range []int64{1, 3} {
		id := string(rune('a' + i))
		if _, _, err := s.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: id, SlotID: slot, ClientKey: "c", MaxLiveHolds: 3, TTL: time.Minute, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	if waits != 0 {
		t.Fatalf("holds waited %d times", waits)
	}
	if _, err := confirm("a", "k1"); err != nil || waits != 1 {
		t.Fatalf("a booking: %v, waited %d times, want once", err, waits)
	}
	if _, err := confirm("nope", "k2"); rdv.ErrorCode(err) != rdv.ENOTFOUND || waits != 1 {
		t.Errorf("a failed booking: %v, waited %d times, want none more", err, waits)
	}
	broken = errors.New("replica unreachable")
	if _, err := confirm("b", "k3"); rdv.ErrorCode(err) != rdv.EUNAVAILABLE {
		t.Fatalf("a booking whose wait failed: %v, want EUNAVAILABLE", err)
	}
	if sl, err := s.Slot(t.Context(), 3); err != nil || sl.State != rdv.SlotBooked {
		t.Errorf("slot 3 after the failed wait: %+v, %v; want booked, the write committed", sl, err)
	}
	broken = nil
	if a, err := confirm("b", "k3"); err != nil || a.Slot.ID != 3 {
		t.Errorf("the same booking retried with its key: %+v, %v; want the booking made", a, err)
	}
	s.AfterCommit(nil)
	before := waits
	if _, _, err := s.PlaceHold(t.Context(), rdv.HoldRequest{HoldID: "z", SlotID: 4, ClientKey: "z", TTL: time.Minute, Now: now}); err != nil || waits != before {
		t.Errorf("after AfterCommit(nil): %v, waited %d more", err, waits-before)
	}
}

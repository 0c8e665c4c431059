package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// slotLog records what a watcher applied: the last known bookability of
// each slot.
type slotLog struct {
	mu   sync.Mutex
	free map[int64]bool
	n    int
}

func newSlotLog() *slotLog { return &slotLog{free: map[int64]bool{}} }

func (l *slotLog) apply(ch rdv.SlotChanges) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range ch.Freed {
		l.free[s.ID] = true
		l.n++
	}
	for _, s := range ch.Taken {
		l.free[s.ID] = false
		l.n++
	}
}

// state returns whether the watcher saw slot id, and as free or not.
func (l *slotLog) state(id int64) (seen, free bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	free, seen = l.free[id]
	return seen, free
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		<-tick.C
	}
	return time.Since(start)
}

// startWatch runs s.WatchSlots into a new slotLog until the test ends.
func startWatch(t *testing.T, s *Store) *slotLog {
	t.Helper()
	l := newSlotLog()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.WatchSlots(ctx, l.apply) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("WatchSlots returned %v, want context.Canceled", err)
		}
	})
	return l
}

// loadedPair returns two stores on one fresh database holding the small
// network that starts tomorrow, so that its slots lie in the future.
func loadedPair(t *testing.T) (a, b *Store, n rdv.NetworkLoad) {
	t.Helper()
	dbURL := mustCreateDB(t)
	a = mustOpen(t, dbURL, Options{})
	b = mustOpen(t, dbURL, Options{})
	n = storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(1))
	storetest.MustLoad(t, a, n)
	return a, b, n
}

func freePublic(n rdv.NetworkLoad, count int) []int64 {
	var out []int64
	for s, p := range n.Slots {
		if len(out) < count && p == 0 && s.Audience == rdv.Public {
			out = append(out, s.ID)
		}
	}
	return out
}

// mustBook holds and confirms a slot through s.
func mustBook(t *testing.T, s *Store, slotID int64, i int) rdv.Appointment {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	h, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: fmt.Sprintf("h-%d-%d", slotID, i), SlotID: slotID, ClientKey: "c", TTL: time.Minute, Now: now})
	if err != nil {
		t.Fatalf("hold slot %d: %v", slotID, err)
	}
	a, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: storetest.TestPatient(i), BookedBy: rdv.BySelf, Channel: rdv.API,
		CancelTokenHash: auth.HashToken(fmt.Sprint(i)), Now: now})
	if err != nil {
		t.Fatalf("confirm slot %d: %v", slotID, err)
	}
	return a
}

func TestWatchSlotsAcrossStores(t *testing.T) {
	a, b, n := loadedPair(t)
	seen := startWatch(t, b)
	ids := freePublic(n, 2)

	// A hold and a booking through A reach B's watcher as taken.
	appt := mustBook(t, a, ids[0], 1)
	took := waitFor(t, 5*time.Second, "booking through A seen by B", func() bool {
		s, free := seen.state(ids[0])
		return s && !free
	})
	t.Logf("a booking through one store reached the other's watcher in %v", took)

	// A cancellation through A reaches it as freed.
	if _, _, err := a.Cancel(context.Background(), rdv.CancelRequest{AppointmentID: appt.ID, ByStaff: true, Now: time.Now()}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	waitFor(t, 5*time.Second, "cancellation through A seen by B", func() bool {
		s, free := seen.state(ids[0])
		return s && free
	})
	// A change B makes itself reaches its own watcher too.
	mustBook(t, b, ids[1], 2)
	waitFor(t, 5*time.Second, "booking through B seen by B", func() bool {
		s, free := seen.state(ids[1])
		return s && !free
	})
}

// terminate ends every backend of the database at dbURL but the caller's.
func terminate(t *testing.T, dbURL string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to terminate: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil {
		t.Fatalf("terminate backends: %v", err)
	}
	return n
}

func TestWatchSlotsRecoversFromTerminatedConnection(t *testing.T) {
	dbURL := mustCreateDB(t)
	a := mustOpen(t, dbURL, Options{})
	b := mustOpen(t, dbURL, Options{})
	n := storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(1))
	storetest.MustLoad(t, a, n)
	seen := startWatch(t, b)
	ids := freePublic(n, 6)
	mustBook(t, a, ids[0], 1)
	waitFor(t, 5*time.Second, "first booking seen", func() bool { s, _ := seen.state(ids[0]); return s })

	// Kill every connection, the watcher's included, then book while it
	// reconnects: what it missed must still arrive.
	if killed := terminate(t, dbURL); killed == 0 {
		t.Fatal("no backend terminated")
	}
	for i, id := range ids[1:] {
		bookRetrying(t, a, id, 10+i)
	}
	for _, id := range ids[1:] {
		waitFor(t, 10*time.Second, fmt.Sprintf("slot %d booked during the outage seen", id), func() bool {
			s, free := seen.state(id)
			return s && !free
		})
	}
}

// bookRetrying books a slot, retrying while the store reports that the
// database is unavailable (its connections were just terminated).
func bookRetrying(t *testing.T, s *Store, slotID int64, i int) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	holdID := fmt.Sprintf("hr-%d", slotID)
	for {
		now := time.Now()
		_, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: holdID, SlotID: slotID, ClientKey: "c", TTL: time.Minute, Now: now,
			Idem: &rdv.IdemKey{Scope: "hold", Key: holdID, BodyHash: "x"}})
		if err == nil {
			_, _, err = s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: holdID, Patient: storetest.TestPatient(i), BookedBy: rdv.BySelf, Channel: rdv.API,
				CancelTokenHash: auth.HashToken(fmt.Sprint(i)), Now: now, Idem: &rdv.IdemKey{Scope: "confirm", Key: holdID, BodyHash: "x"}})
		}
		if err == nil {
			return
		}
		if rdv.ErrorCode(err) != rdv.EUNAVAILABLE || time.Now().After(deadline) {
			t.Fatalf("book slot %d: %v", slotID, err)
		}
	}
}

// TestWatcherAdvance pins how the cursor moves over the change log: over
// entries applied, and over a missing entry only once every transaction
// that was running when it was first missed has ended.
func TestWatcherAdvance(t *testing.T) {
	type poll struct {
		seen       []int64 // entries read by this poll
		xmin, xmax int64   // of the poll's snapshot
	}
	cases := []struct {
		name  string
		polls []poll
		want  int64 // cursor after the polls
	}{
		{"contiguous", []poll{{[]int64{1, 2, 3}, 10, 12}}, 3},
		{"gap waits for running transactions", []poll{{[]int64{1, 3}, 10, 12}}, 1},
		{"gap still open while xmin has not passed", []poll{{[]int64{1, 3}, 10, 12}, {nil, 11, 13}}, 1},
		{"gap final once xmin passes its xmax", []poll{{[]int64{1, 3}, 10, 12}, {nil, 12, 14}}, 3},
		{"gap filled by a late commit", []poll{{[]int64{1, 3}, 10, 12}, {[]int64{2}, 11, 13}}, 3},
		{"nothing new", []poll{{nil, 10, 12}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := &watcher{seen: map[int64]bool{}, gaps: map[int64]int64{}}
			var maxSeq int64
			for _, p := range tc.polls {
				for _, seq := range p.seen {
					w.seen[seq] = true
					delete(w.gaps, seq)
					maxSeq = max(maxSeq, seq)
				}
				w.advance(maxSeq, p.xmin, p.xmax)
			}
			if w.cursor != tc.want {
				t.Fatalf("cursor %d, want %d", w.cursor, tc.want)
			}
		})
	}
}

// TestWatchSlotsResyncsAfterLongAbsence: a watcher that comes back after
// the log may have been pruned re-reads every future slot.
func TestWatchSlotsResyncsAfterLongAbsence(t *testing.T) {
	dbURL := mustCreateDB(t)
	a := mustOpen(t, dbURL, Options{})
	// Any absence counts as long: every reconnection resyncs.
	b := mustOpen(t, dbURL, Options{ChangeRetention: time.Nanosecond})
	n := storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(1))
	storetest.MustLoad(t, a, n)
	seen := startWatch(t, b)
	ids := freePublic(n, 2)
	mustBook(t, a, ids[0], 1)
	waitFor(t, 5*time.Second, "first booking seen", func() bool { s, _ := seen.state(ids[0]); return s })

	terminate(t, dbURL)
	bookRetrying(t, a, ids[1], 2)
	waitFor(t, 10*time.Second, "every slot resynced", func() bool {
		seen.mu.Lock()
		defer seen.mu.Unlock()
		return len(seen.free) == n.SlotCount
	})
	for id, wantFree := range map[int64]bool{ids[0]: false, ids[1]: false, 3: true} {
		if s, free := seen.state(id); !s || free != wantFree {
			t.Errorf("slot %d after resync: seen %v free %v, want free %v", id, s, free, wantFree)
		}
	}
}

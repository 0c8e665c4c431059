package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/postgres/pgtest"
	"rdv/storetest"
)

// TestServerCrashDuringBookings crashes the server (every process killed,
// no checkpoint) in the middle of a stream of bookings and starts it again,
// on a private server of its own: the store reports every failure as
// EUNAVAILABLE, books again by itself once the server is back, its
// watcher reconnects, and after crash recovery every booking it
// acknowledged is in the database, with no slot booked twice.
func TestServerCrashDuringBookings(t *testing.T) {
	ps := pgtest.StartPrivateServer(t)
	ctx := context.Background()
	if err := Migrate(ctx, ps.URL()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	st := mustOpen(t, ps.URL(), Options{MaxConns: 8, MinConns: 4})
	const slots = 20_000
	storetest.MustLoad(t, st, benchNetwork(slots))
	seen := startWatch(t, st)

	s := &bookingStream{st: st, failures: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.run(t, stop, slots) })
	}
	defer func() { // a failed test still ends its workers
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	waitFor(t, 15*time.Second, "bookings before the crash", func() bool { return s.ackCount() >= 50 })
	ps.Crash(t)
	crashedAt := s.ackCount()
	// Bookings keep coming while the server is down: they must fail
	// cleanly, and fast enough not to pile up.
	waitFor(t, 10*time.Second, "failures while the server is down", func() bool { return s.failed.Load() >= 20 })
	ps.Start(t)
	restarted := s.ackCount()
	waitFor(t, 15*time.Second, "bookings after the restart", func() bool { return s.ackCount() >= restarted+50 })
	close(stop)
	wg.Wait()

	acked := s.snapshot()
	t.Logf("%d bookings acknowledged (%d before the crash, %d after the restart), failures by code %v",
		len(acked), crashedAt, len(acked)-restarted, s.failures)

	// The watcher's own connection died too: it must follow the log again.
	last := acked[len(acked)-1]
	waitFor(t, 15*time.Second, "a booking made after the restart reaching the watcher", func() bool {
		seenIt, free := seen.state(last.slot)
		return seenIt && !free
	})

	for _, a := range acked {
		got, err := st.Appointment(ctx, a.appt)
		if err != nil || got.Slot.ID != a.slot || got.Status != rdv.Booked {
			t.Errorf("acknowledged appointment %d on slot %d reads back as %+v, %v", a.appt, a.slot, got, err)
		}
	}
	// Bookings whose answer was lost in the crash may have committed: there
	// may be more active appointments than acknowledged, never fewer, and
	// never two on a slot.
	active, doubled, mismatched := countActive(t, st)
	if active < len(acked) || doubled != 0 || mismatched != 0 {
		t.Fatalf("%d active appointments for %d acknowledged, %d slots booked twice, %d slots whose state disagrees with their appointments",
			active, len(acked), doubled, mismatched)
	}
}

// bookingStream books distinct slots, one after another, from several
// workers, and records what was acknowledged and how the rest failed.
type bookingStream struct {
	st   *Store
	next atomic.Int64 // the last slot taken by a worker

	failed atomic.Int64
	mu     sync.Mutex
	acked  []ackedBooking
	// failures counts the failed bookings by error code.
	failures map[string]int
}

type ackedBooking struct{ appt, slot int64 }

// run books slots until stop is closed or no slot is left.
func (s *bookingStream) run(t *testing.T, stop <-chan struct{}, slots int64) {
	ctx := context.Background()
	for {
		select {
		case <-stop:
			return
		default:
		}
		slot := s.next.Add(1)
		if slot > slots {
			t.Error("the stream ran out of slots")
			return
		}
		a, err := s.book(ctx, slot)
		s.mu.Lock()
		if err == nil {
			s.acked = append(s.acked, ackedBooking{a.ID, slot})
		} else {
			s.failures[rdv.ErrorCode(err)]++
		}
		s.mu.Unlock()
		if err != nil {
			s.failed.Add(1)
			if code := rdv.ErrorCode(err); code != rdv.EUNAVAILABLE {
				t.Errorf("booking slot %d: %v (code %q), want %q", slot, err, code, rdv.EUNAVAILABLE)
			}
			// A client backs off too; this keeps the stream from using
			// up its slots while the server is away.
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func (s *bookingStream) book(ctx context.Context, slot int64) (rdv.Appointment, error) {
	now := time.Now()
	holdID := fmt.Sprintf("r-%d", slot)
	if _, _, err := s.st.PlaceHold(ctx, rdv.HoldRequest{HoldID: holdID, SlotID: slot, ClientKey: holdID, TTL: time.Minute, Now: now}); err != nil {
		return rdv.Appointment{}, err
	}
	a, _, err := s.st.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: holdID, Patient: storetest.TestPatient(int(slot)), BookedBy: rdv.BySelf,
		Channel: rdv.API, CancelTokenHash: auth.HashToken(holdID), Now: now})
	return a, err
}

func (s *bookingStream) ackCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked)
}

func (s *bookingStream) snapshot() []ackedBooking {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ackedBooking(nil), s.acked...)
}

package match_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/booking"
	"rdv/spool"
	"rdv/storetest"
)

// running starts the matcher and a spool replaying into its feed, as
// rdv serve does; both stop with the test.
func (w *world) running() *spool.Spool {
	w.t.Helper()
	sp, err := spool.Open(filepath.Join(w.t.TempDir(), "requests.spool"), w.match.Feed(w.store), spool.Options{Now: func() time.Time { return w.now }})
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); sp.Run(ctx) }()
	go func() { defer wg.Done(); w.match.Run(ctx) }()
	w.t.Cleanup(func() { cancel(); wg.Wait(); sp.Close() })
	return sp
}

// within waits up to d for the request to reach status want, and reports
// how long it took.
func (w *world) within(d time.Duration, ref string, want rdv.RequestStatus) time.Duration {
	w.t.Helper()
	start := time.Now()
	for {
		rs, err := w.store.Requests(w.ctx, "", 1000)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, r := range rs {
			if r.Reference == ref && r.Status == want {
				return time.Since(start)
			}
		}
		if time.Since(start) > d {
			w.t.Fatalf("request %s not %s after %v", ref, want, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOneQueue: a request through the spool (the form's and the API's
// way, and every request filed while the database was down) and one
// written by an agent's screen straight to the feed enter the one queue
// in the order they were received, and are matched on arrival; a slot
// freed by a cancellation is proposed in well under a second.
func TestOneQueue(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.slotAt(1, 1, 9*60+30)
	h := w.hold(s)
	a, err := w.booking.Confirm(w.ctx, booking.ConfirmInput{HoldID: h.ID, Patient: storetest.TestPatient(77)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sp := w.running()

	// An agent's request, received first, written straight to the store's
	// feed; then the form's, through the spool. Both wait for S.
	agent := storetest.MatchRequest("D-AGENT", w.now)
	onlyS(&agent)
	agent.ReceivedAt = w.now.Add(-time.Minute)
	if _, err := w.match.Feed(w.store).AddRequest(w.ctx, agent); err != nil {
		t.Fatal(err)
	}
	form := storetest.MatchRequest("", w.now)
	onlyS(&form)
	spooled, err := sp.Accept(w.ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	// A third request, through the spool, that fits a free slot: matched
	// on arrival.
	free, err := sp.Accept(w.ctx, storetest.MatchRequest("", w.now))
	if err != nil {
		t.Fatal(err)
	}
	if took := w.within(2*time.Second, free.Reference, rdv.RequestProposed); took > time.Second {
		t.Fatalf("a request arriving with a free slot for it waited %v for its proposal", took)
	}
	w.within(2*time.Second, spooled.Reference, rdv.RequestOpen)

	if _, err := w.booking.Cancel(w.ctx, a.ID, a.CancelToken, nil); err != nil {
		t.Fatal(err)
	}
	if took := w.within(2*time.Second, agent.Reference, rdv.RequestProposed); took > time.Second {
		t.Fatalf("a cancelled slot waited %v for its proposal", took)
	}
	w.within(time.Second, spooled.Reference, rdv.RequestOpen)
}

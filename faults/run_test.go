package faults

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv/history"
)

// fault is one fault run: the clients book through targets while strike
// injects the fault; then settle brings the platform back, and the
// checker judges the clients' logs against the platform's database.
type fault struct {
	name     string
	platform *platform
	targets  []string // the base URLs the clients book through
	clients  int      // default 16
	// tune, when set, changes the workload before it runs.
	tune func(*workload)
	// strike injects the fault again and again until ctx is done,
	// calling blow at the moment of each blow: the time to recover runs
	// from there to the next booking acknowledged. It returns once ctx
	// is done, its last blow over (an instance it killed started again).
	// It runs on the test's goroutine, and may fail the test.
	strike func(ctx context.Context, blow func())
	// settle brings the platform back to rest once the clients stopped:
	// every instance up, its spooled requests replayed, then stopped, so
	// that the checker reads a database nobody writes.
	settle func()
}

// outcome is what a run found, for a fault's own checks.
type outcome struct {
	entries    []history.Entry
	report     history.Report
	blows      []time.Time
	recoveries []time.Duration
	acked      int
}

// run runs the fault, fails t for every anomaly and for a platform that
// did not recover, and adds the run's row to the suite's table.
func (f fault) run(t *testing.T) outcome {
	t.Helper()
	if f.clients == 0 {
		f.clients = 16
	}
	w := newWorkload(t.TempDir(), f.platform.net.slots, f.clients, f.targets...)
	if f.tune != nil {
		f.tune(w)
	}
	ctx, stop := context.WithCancel(context.Background())
	strikeCtx, stopStrikes := context.WithCancel(ctx)
	var (
		mu    sync.Mutex
		blows []time.Time
		werr  error
		wg    sync.WaitGroup
	)
	blow := func() {
		mu.Lock()
		defer mu.Unlock()
		blows = append(blows, time.Now())
	}
	began := time.Now()
	wg.Go(func() { werr = w.run(ctx) })
	defer func() { // a failed test still ends its clients
		stop()
		wg.Wait()
	}()
	// The strikes run on the test's goroutine, free to fail it; this one
	// ends them once the run has both its time and its bookings (a long
	// run gives up after half an hour).
	go func() {
		defer stopStrikes()
		for tick := time.NewTicker(50 * time.Millisecond); ; {
			select {
			case <-strikeCtx.Done():
				return
			case <-tick.C:
			}
			elapsed := time.Since(began)
			switch {
			case elapsed >= bookFor() && int(w.acked.Load()) >= targetBookings():
				return
			case w.feed.exhausted():
				t.Errorf("the network's %d slots ran out after %s and %d bookings", len(f.platform.net.slots), elapsed.Round(time.Second), w.acked.Load())
				return
			case elapsed > 30*time.Minute:
				t.Errorf("%d bookings acknowledged after %s, want %d", w.acked.Load(), elapsed.Round(time.Second), targetBookings())
				return
			}
		}
	}()
	if f.strike != nil {
		f.strike(strikeCtx, blow)
	}
	<-strikeCtx.Done()
	// The last blow is over: the clients book until the platform has
	// recovered from it, a minute at most.
	if n := len(blows); n > 0 {
		for end := time.Now().Add(time.Minute); !w.bookedSince(blows[n-1]) && time.Now().Before(end); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	stop()
	wg.Wait()
	took := time.Since(began)
	if werr != nil {
		t.Fatalf("clients' logs: %v", werr)
	}
	settling := time.Now()
	if f.settle != nil {
		f.settle()
	}
	settled := time.Since(settling)

	out := outcome{blows: blows, acked: int(w.acked.Load())}
	var err error
	if out.entries, err = w.entries(); err != nil {
		t.Fatal(err)
	}
	store, err := f.platform.open(context.Background())
	if err != nil {
		t.Fatalf("open the database for the checker: %v", err)
	}
	defer store.Close()
	if out.report, err = history.Check(context.Background(), out.entries, store, f.platform.net.span); err != nil {
		t.Fatal(err)
	}
	out.recoveries = recoveries(blows, out.entries)
	t.Logf("%s: %s in %s (settled in %s, checked in %s); %d blows, recovered in %s; answers %s", f.name, out.report,
		took.Round(time.Millisecond), settled.Round(time.Millisecond), time.Since(settling.Add(settled)).Round(time.Millisecond),
		len(blows), recovery(out.recoveries), answers(out.entries))
	for i, a := range out.report.Anomalies {
		if i == 20 {
			t.Errorf("… and %d more anomalies", len(out.report.Anomalies)-i)
			break
		}
		t.Errorf("anomaly: %s", a)
	}
	if out.acked == 0 {
		t.Error("no booking acknowledged")
	}
	if f.strike != nil && len(blows) == 0 {
		t.Error("the fault never struck")
	}
	if len(out.recoveries) < len(blows) {
		t.Errorf("no booking acknowledged after blow %d of %d: the platform did not recover", len(out.recoveries)+1, len(blows))
	}
	addRow(row{test: t.Name(), fault: f.name, attempts: len(out.entries), acked: out.report.Acked[history.OpBook],
		anomalies: len(out.report.Anomalies), recoveries: out.recoveries, took: took})
	return out
}

// answers counts the attempts by operation and answer, for the log.
func answers(entries []history.Entry) string {
	counts := map[string]int{}
	for _, e := range entries {
		what := fmt.Sprint(e.Outcome.Status)
		switch {
		case e.Outcome.Code != "":
			what += " " + e.Outcome.Code
		case e.Outcome.Status == 0:
			what = "no answer (" + shortError(e.Outcome.Error) + ")"
		}
		counts[string(e.Op)+" "+what]++
	}
	keys := slices.Sorted(maps.Keys(counts))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

// stoppedByRun reports whether an attempt was cut short by the run's end
// (its clients stopped), not by the platform.
func stoppedByRun(e history.Entry) bool {
	return e.Outcome.Status == 0 && strings.HasSuffix(e.Outcome.Error, context.Canceled.Error())
}

// shortError is an error's last words, which say what happened.
func shortError(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// recoveries returns, for each blow, the time from it to the first
// booking acknowledged that was sent after it; a blow not followed by
// one has none (the list stops there).
func recoveries(blows []time.Time, entries []history.Entry) []time.Duration {
	var out []time.Duration
	for _, b := range blows {
		first := time.Time{}
		for _, e := range entries {
			if e.Op == history.OpBook && e.Outcome.Acked() && !e.Sent.Before(b) && (first.IsZero() || e.Answered.Before(first)) {
				first = e.Answered
			}
		}
		if first.IsZero() {
			break
		}
		out = append(out, first.Sub(b))
	}
	return out
}

// every calls fn every d until ctx is done; fn's blow is over before it
// returns.
func every(ctx context.Context, d time.Duration, fn func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		fn()
	}
}

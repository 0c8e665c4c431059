package admission

import (
	"context"
	"testing"
	"time"
)

func fixedGate(limit, maxQueue int) *gate {
	return newGate(NewLimiter(limit, limit, limit, 0), maxQueue, 0, time.Now)
}

// queue starts a request of class c and returns where its outcome will
// arrive; it returns once the request waits.
func queue(t *testing.T, g *gate, c Class) <-chan Outcome {
	t.Helper()
	out, w := g.enter(c)
	if w == nil {
		t.Fatalf("%s request decided %s at once, want it queued", c, out)
	}
	ch := make(chan Outcome, 1)
	go func() { ch <- g.wait(context.Background(), w) }()
	return ch
}

// decide enters a request of class c and names what happened at once:
// admitted, shed or queued (a queued request is then withdrawn).
func decide(t *testing.T, g *gate, c Class) string {
	t.Helper()
	out, w := g.enter(c)
	if w != nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if o := g.wait(ctx, w); o != TimedOut {
			t.Fatalf("withdrawn %s waiter: %s, want timeout", c, o)
		}
		return "queued"
	}
	return out.String()
}

func mustAdmit(t *testing.T, g *gate, classes ...Class) {
	t.Helper()
	for _, c := range classes {
		if o, w := g.enter(c); o != Admitted || w != nil {
			t.Fatalf("%s: %s (queued %v), want admitted at once", c, o, w != nil)
		}
	}
}

func queuedOf(g *gate, c Class) int { return g.state().queued[c] }

func TestCriticalOvertakesQueuedSearches(t *testing.T) {
	g := fixedGate(2, 10)
	mustAdmit(t, g, Search, Critical)
	s1 := queue(t, g, Search)
	s2 := queue(t, g, Search)
	c := queue(t, g, Critical)

	g.release(Search, time.Millisecond, false)
	if o := <-c; o != Admitted {
		t.Fatalf("critical: %s, want admitted", o)
	}
	if n := queuedOf(g, Search); n != 2 {
		t.Fatalf("%d searches queued, want both still waiting", n)
	}
	// Searches may fill only 75 % of the limit: with two units in flight
	// and a limit of 2, one release lets one search in, first come first.
	g.release(Search, time.Millisecond, false)
	g.release(Search, time.Millisecond, false)
	if o := <-s1; o != Admitted {
		t.Fatalf("first search: %s, want admitted", o)
	}
	if n := queuedOf(g, Search); n != 1 {
		t.Fatalf("%d searches queued, want the second still waiting", n)
	}
	g.release(Search, time.Millisecond, false)
	if o := <-s2; o != Admitted {
		t.Fatalf("second search: %s, want admitted", o)
	}
}

// Lower classes are refused first: each class may fill the same share of
// the queue as of the limit, and a request that finds its share full is
// refused at once, with no wait and no timer. Nobody already waiting is
// displaced.
func TestLowerClassesAreShedFirst(t *testing.T) {
	g := fixedGate(4, 4) // queue room: browse 2, search 3, hold 3, critical 4
	mustAdmit(t, g, Critical, Critical, Critical, Critical)
	steps := []struct {
		class Class
		want  string
	}{
		{Browse, "queued"}, {Browse, "queued"},
		{Browse, "shed"},   // browse's share of the queue is full
		{Search, "queued"}, // searches still find room
		{Search, "shed"},   // now theirs is full too
		{Hold, "shed"},     // 0.9 × 4 rounds down to 3
		{Critical, "queued"},
		{Critical, "shed"}, // the whole queue is full
	}
	var waiting []<-chan Outcome
	for i, st := range steps {
		out, w := g.enter(st.class)
		got := out.String()
		if w != nil {
			got = "queued"
			ch := make(chan Outcome, 1)
			go func() { ch <- g.wait(context.Background(), w) }()
			waiting = append(waiting, ch)
		}
		if got != st.want {
			t.Fatalf("step %d, %s: %s, want %s", i, st.class, got, st.want)
		}
	}
	if s := g.state(); s.queued != [Exempt]int{Critical: 1, Search: 1, Browse: 2} {
		t.Fatalf("queued %v, want 1 critical, 1 search, 2 browse", s.queued)
	}
	// Places freed go to the highest class first: the critical waiter is
	// admitted first, and every waiter in the end.
	g.release(Critical, time.Millisecond, false)
	if s := g.state(); s.queued[Critical] != 0 || s.queued[Search] != 1 {
		t.Fatalf("queued %v after one release, want the critical waiter admitted first", s.queued)
	}
	for range 7 { // the four running and three of the four waiters
		g.release(Critical, time.Millisecond, false)
	}
	for i, ch := range waiting {
		if o := <-ch; o != Admitted {
			t.Fatalf("waiter %d: %s, want admitted", i, o)
		}
	}
}

func TestCapacityIsReservedForHigherClasses(t *testing.T) {
	tests := []struct {
		name     string
		running  []Class
		arriving Class
		want     string
	}{
		{"browse under half", []Class{Browse}, Browse, "admitted"},
		{"browse at half", []Class{Browse, Browse}, Browse, "shed"},
		{"search at half", []Class{Browse, Browse}, Search, "admitted"},
		{"search at three quarters", []Class{Search, Search, Search}, Search, "shed"},
		{"hold at three quarters", []Class{Search, Search, Search}, Hold, "shed"}, // 0.9 × 4 rounds down to 3
		{"critical at three quarters", []Class{Search, Search, Search}, Critical, "admitted"},
		{"critical at the limit", []Class{Critical, Critical, Critical, Critical}, Critical, "queued"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := fixedGate(4, 1) // a queue of one: only critical waits
			mustAdmit(t, g, tt.running...)
			if got := decide(t, g, tt.arriving); got != tt.want {
				t.Fatalf("%s arriving: %s, want %s", tt.arriving, got, tt.want)
			}
		})
	}
}

func TestQueuedRequestLeavesWhenItsClientGoesAway(t *testing.T) {
	g := fixedGate(1, 10)
	mustAdmit(t, g, Critical)
	_, w := g.enter(Search)
	if w == nil {
		t.Fatal("search not queued")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Outcome, 1)
	go func() { out <- g.wait(ctx, w) }()
	cancel()
	if o := <-out; o != TimedOut {
		t.Fatalf("%s, want timeout", o)
	}
	if n := queuedOf(g, Search); n != 0 {
		t.Fatalf("%d still queued, want 0", n)
	}
	g.release(Search, time.Millisecond, false)
	if s := g.state(); s.inflight != 0 {
		t.Fatalf("%d in flight, want 0: a departed waiter must not take capacity", s.inflight)
	}
}

// A place freed while the queue holds requests goes to the first of them,
// never to a newcomer of the same class.
func TestNewcomersDoNotOvertakeTheQueue(t *testing.T) {
	g := fixedGate(2, 4)
	mustAdmit(t, g, Critical, Critical)
	first := queue(t, g, Critical)
	second := queue(t, g, Critical)
	g.release(Critical, time.Millisecond, false)
	if o := <-first; o != Admitted {
		t.Fatalf("first waiter: %s, want admitted", o)
	}
	if n := queuedOf(g, Critical); n != 1 {
		t.Fatalf("%d waiting, want the second still queued", n)
	}
	g.release(Critical, time.Millisecond, false)
	if o := <-second; o != Admitted {
		t.Fatalf("second waiter: %s, want admitted", o)
	}
}

// The queue holds no more than the measured throughput serves within the
// wait budget, each class its share of it: a request beyond is refused at
// once rather than left to wait past the latency objective.
func TestQueueIsBoundedByExpectedWait(t *testing.T) {
	tests := []struct {
		name    string
		maxWait time.Duration
		want    [Exempt]int // waiters of one class queued before one is shed
	}{
		// A limit of 100: a queue of 100 requests, at most.
		{"no wait bound", 0, [Exempt]int{Critical: 100, Hold: 90, Search: 75, Browse: 50}},
		// About 1000 served per second: 20 ms of wait is 20 waiters.
		{"20 ms", 20 * time.Millisecond, [Exempt]int{Critical: 20, Hold: 18, Search: 15, Browse: 10}},
		// Far more than the limit's worth: the bound in requests holds.
		{"1 s", time.Second, [Exempt]int{Critical: 100, Hold: 90, Search: 75, Browse: 50}},
	}
	for _, tt := range tests {
		for _, c := range classes {
			t.Run(tt.name+"/"+c.String(), func(t *testing.T) {
				now := time.Unix(0, 0)
				lim := NewLimiter(100, 100, 100, 0)
				g := newGate(lim, 0, tt.maxWait, func() time.Time { return now })
				feedRate(t, lim, &now, 3, 100, 5*time.Millisecond, 100, false) // 1000 per second
				for range 100 {
					mustAdmit(t, g, Critical)
				}
				queued := 0
				for {
					out, w := g.enter(c)
					if w == nil {
						if out != Shed {
							t.Fatalf("after %d queued: %s, want shed", queued, out)
						}
						break
					}
					queued++
				}
				if queued != tt.want[c] {
					t.Fatalf("%d queued before a refusal, want %d", queued, tt.want[c])
				}
			})
		}
	}
}

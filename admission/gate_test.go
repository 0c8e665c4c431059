package admission

import (
	"context"
	"testing"
	"time"
)

func fixedGate(limit, maxQueue int) *gate {
	return newGate(NewLimiter(limit, limit, limit, 2), maxQueue, time.Now)
}

// queue starts a request of class c that may wait a minute and returns
// where its outcome will arrive; it returns once the request waits.
func queue(t *testing.T, g *gate, c Class) <-chan Outcome {
	t.Helper()
	g.mu.Lock()
	before := g.queues[c].Len()
	g.mu.Unlock()
	out := make(chan Outcome, 1)
	go func() { out <- g.acquire(context.Background(), c, time.Minute) }()
	for {
		g.mu.Lock()
		n := g.queues[c].Len()
		g.mu.Unlock()
		if n > before {
			return out
		}
		select {
		case o := <-out:
			t.Fatalf("%s request decided %s at once, want it queued", c, o)
		default:
			time.Sleep(time.Millisecond)
		}
	}
}

func mustAdmit(t *testing.T, g *gate, classes ...Class) {
	t.Helper()
	for _, c := range classes {
		if o := g.acquire(context.Background(), c, 0); o != Admitted {
			t.Fatalf("%s: %s, want admitted at once", c, o)
		}
	}
}

func queuedOf(g *gate, c Class) int {
	_, _, q, _, _ := g.state()
	return q[c]
}

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

func TestLowerClassesAreShedFirst(t *testing.T) {
	g := fixedGate(4, 1) // browse may fill 2, search 3, hold 3, critical 4
	mustAdmit(t, g, Critical, Critical, Critical)
	browse := queue(t, g, Browse)
	search := queue(t, g, Search) // the queue is full: the browse waiter makes room
	if o := <-browse; o != Shed {
		t.Fatalf("browse waiter: %s, want shed for the search", o)
	}
	if o := g.acquire(context.Background(), Browse, time.Minute); o != Shed {
		t.Fatalf("browse behind a full queue: %s, want shed at once", o)
	}
	hold := queue(t, g, Hold)
	if o := <-search; o != Shed {
		t.Fatalf("search waiter: %s, want shed for the hold", o)
	}
	if o := g.acquire(context.Background(), Hold, time.Minute); o != Shed {
		t.Fatalf("hold behind a queue full of holds: %s, want shed", o)
	}
	g.release(Search, time.Millisecond, false)
	if o := <-hold; o != Admitted {
		t.Fatalf("hold: %s, want admitted", o)
	}
}

func TestCapacityIsReservedForHigherClasses(t *testing.T) {
	tests := []struct {
		name     string
		running  []Class
		arriving Class
		want     Outcome
	}{
		{"browse under half", []Class{Browse}, Browse, Admitted},
		{"browse at half", []Class{Browse, Browse}, Browse, Shed},
		{"search at half", []Class{Browse, Browse}, Search, Admitted},
		{"search at three quarters", []Class{Search, Search, Search}, Search, Shed},
		{"hold at three quarters", []Class{Search, Search, Search}, Hold, Shed}, // 0.9 × 4 rounds down to 3
		{"critical at three quarters", []Class{Search, Search, Search}, Critical, Admitted},
		{"critical at the limit", []Class{Critical, Critical, Critical, Critical}, Critical, Shed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := fixedGate(4, 10)
			mustAdmit(t, g, tt.running...)
			if got := g.acquire(context.Background(), tt.arriving, 0); got != tt.want {
				t.Fatalf("%s arriving: %s, want %s", tt.arriving, got, tt.want)
			}
		})
	}
}

func TestQueuedRequestLeavesWhenItsClientGoesAway(t *testing.T) {
	g := fixedGate(1, 10)
	mustAdmit(t, g, Critical)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Outcome, 1)
	go func() { out <- g.acquire(ctx, Search, time.Minute) }()
	for queuedOf(g, Search) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if o := <-out; o != TimedOut {
		t.Fatalf("%s, want timeout", o)
	}
	if n := queuedOf(g, Search); n != 0 {
		t.Fatalf("%d still queued, want 0", n)
	}
	g.release(Search, time.Millisecond, false)
	if _, inflight, _, _, _ := g.state(); inflight != 0 {
		t.Fatalf("%d in flight, want 0: a departed waiter must not take capacity", inflight)
	}
}

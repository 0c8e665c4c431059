package admission

import (
	"container/list"
	"context"
	"math"
	"sync"
	"time"
)

// Outcome is what admission control decided for a request.
type Outcome int

// Outcomes, as counted in metrics.
const (
	Admitted    Outcome = iota // the work ran
	Shed                       // refused at once for lack of capacity
	RateLimited                // the client exceeded its own rate
	TimedOut                   // waited in the queue until its deadline passed or its client left
	outcomes
)

// String returns the outcome name used in metrics.
func (o Outcome) String() string {
	switch o {
	case Admitted:
		return "admitted"
	case Shed:
		return "shed"
	case RateLimited:
		return "rate_limited"
	case TimedOut:
		return "timeout"
	}
	return "unknown"
}

// share is the part of the limit, and of the queue, each class may fill.
// The rest is kept for the classes above it, so that people finishing a
// booking still find room when searches fill the server.
var share = [Exempt]float64{Critical: 1, Hold: 0.9, Search: 0.75, Browse: 0.5}

// waiter is a request waiting for capacity.
type waiter struct {
	class   Class
	ready   chan struct{} // closed when granted
	granted bool          // set under gate.mu before ready closes
	elem    *list.Element
}

// gate admits work under the adaptive limit, with a bounded queue in
// front of it: higher classes first, first come first served within a
// class.
//
// The queue is bounded in requests, and by the wait they can expect. A
// request that finds its class's part of the queue full is refused at
// once, which costs no timer and no wait; one that finds room waits for a
// place, with its context (its deadline, its client) as the only clock.
// The queue holds at most a limit's worth of waiters and at most what the
// measured throughput serves within maxWait: with a limit sized for the
// target, a wait then lasts about as long as the work itself, and when
// the work is slower than that (a flood, a busy core) the wait is still
// capped, so that admitted latency stays bounded. The server always has
// admitted work ready when a place frees: queueing a little beats
// refusing bursts the server could absorb.
type gate struct {
	mu       sync.Mutex
	lim      *Limiter
	inflight int
	queues   [Exempt]list.List
	queued   int
	maxQueue int           // 0: the current limit
	maxWait  time.Duration // 0: no bound by expected wait
	now      func() time.Time
}

func newGate(lim *Limiter, maxQueue int, maxWait time.Duration, now func() time.Time) *gate {
	return &gate{lim: lim, maxQueue: maxQueue, maxWait: maxWait, now: now}
}

// allowed returns how many units may be in flight when one of class c
// starts.
func (g *gate) allowed(c Class) int {
	return max(1, int(float64(g.lim.Limit())*share[c]))
}

// queueRoom returns how many waiters, all classes together, may be queued
// when one of class c joins. It rounds down: in a queue of one, only the
// highest class waits.
func (g *gate) queueRoom(c Class) int {
	q := float64(g.maxQueue)
	if q <= 0 {
		q = float64(g.lim.Limit())
	}
	if rate := g.lim.Rate(); g.maxWait > 0 && rate > 0 {
		// The last waiter is served after the queue ahead of it: at the
		// measured throughput, queued ÷ rate. Before the first window
		// closes there is no measure, and only the bound in requests.
		q = math.Min(q, math.Max(1, rate*g.maxWait.Seconds()))
	}
	return int(q * share[c])
}

// enter admits one unit of class c at once if capacity allows, refuses it
// at once if its part of the queue is full, and otherwise queues it and
// returns its waiter, to pass to wait. It never blocks.
func (g *gate) enter(c Class) (Outcome, *waiter) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inflight < g.allowed(c) && g.waitingAtOrAbove(c) == 0 {
		g.inflight++
		return Admitted, nil
	}
	if g.queued >= g.queueRoom(c) {
		// No waiter is displaced to make room: a displaced waiter must
		// be woken to be refused, and on a saturated core waking takes a
		// whole turn of the scheduler (tens of ms, measured). The shares
		// already keep room for the classes above.
		return Shed, nil
	}
	w := &waiter{class: c, ready: make(chan struct{})}
	w.elem = g.queues[c].PushBack(w)
	g.queued++
	return Admitted, w
}

// wait blocks until the waiter is granted a place (Admitted: the caller
// must call release) or ctx ends (TimedOut).
func (g *gate) wait(ctx context.Context, w *waiter) Outcome {
	select {
	case <-w.ready:
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.granted {
		return Admitted // granted as ctx ended: the place is ours
	}
	g.queues[w.class].Remove(w.elem)
	w.elem = nil
	g.queued--
	return TimedOut
}

// release ends one admitted unit of work that took rtt, and hands its
// place to the waiters.
func (g *gate) release(c Class, rtt time.Duration, dropped bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lim.Observe(g.now(), c, rtt, g.inflight+g.queued, dropped)
	g.inflight--
	g.grant()
}

// grant admits waiters, highest class first, while capacity allows.
func (g *gate) grant() {
	for _, c := range classes {
		q := &g.queues[c]
		for q.Len() > 0 && g.inflight < g.allowed(c) {
			w := q.Remove(q.Front()).(*waiter)
			w.elem = nil
			w.granted = true
			g.queued--
			g.inflight++
			close(w.ready)
		}
	}
}

// waitingAtOrAbove counts waiters of class c or higher: a newcomer must not
// overtake them.
func (g *gate) waitingAtOrAbove(c Class) int {
	n := 0
	for cl := Critical; cl <= c; cl++ {
		n += g.queues[cl].Len()
	}
	return n
}

// gateState is the live state of the gate.
type gateState struct {
	limit, inflight int
	queued          [Exempt]int
	slowdown        float64
	latency         time.Duration
	rate            float64
}

// state returns the limit, the work in flight and the waiters per class.
func (g *gate) state() gateState {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := gateState{limit: g.lim.Limit(), inflight: g.inflight, slowdown: g.lim.Slowdown(), latency: g.lim.Latency(), rate: g.lim.Rate()}
	for _, c := range classes {
		s.queued[c] = g.queues[c].Len()
	}
	return s
}

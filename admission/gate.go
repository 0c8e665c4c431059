package admission

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Outcome is what admission control decided for a request.
type Outcome int

// Outcomes, as counted in metrics.
const (
	Admitted    Outcome = iota // the work ran
	Shed                       // refused at once (or displaced from the queue) for lack of capacity
	RateLimited                // the client exceeded its own rate
	TimedOut                   // waited in the queue until its wait ran out
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

// share is the part of the limit each class may fill. The rest is kept
// for the classes above it, so that people finishing a booking still find
// room when searches fill the server.
var share = [Exempt]float64{Critical: 1, Hold: 0.9, Search: 0.75, Browse: 0.5}

// waiter is a request waiting for capacity.
type waiter struct {
	class   Class
	ready   chan struct{} // closed when granted or displaced
	granted bool          // set under gate.mu before ready closes
	elem    *list.Element
}

// gate admits work under the adaptive limit, queueing by priority: higher
// classes first, first come first served within a class.
type gate struct {
	mu       sync.Mutex
	lim      *Limiter
	inflight int
	queues   [Exempt]list.List
	queued   int
	maxQueue int // 0: the current limit
	now      func() time.Time
}

func newGate(lim *Limiter, maxQueue int, now func() time.Time) *gate {
	return &gate{lim: lim, maxQueue: maxQueue, now: now}
}

// allowed returns how many units may be in flight when one of class c
// starts.
func (g *gate) allowed(c Class) int {
	n := int(float64(g.lim.Limit()) * share[c])
	if n < 1 {
		n = 1
	}
	return n
}

// acquire waits for capacity for one unit of class c, at most timeout. It
// returns Admitted (and the caller must call release), Shed or TimedOut.
func (g *gate) acquire(ctx context.Context, c Class, timeout time.Duration) Outcome {
	g.mu.Lock()
	if g.inflight < g.allowed(c) && g.waitingAtOrAbove(c) == 0 {
		g.inflight++
		g.mu.Unlock()
		return Admitted
	}
	if timeout <= 0 || g.expectedWait(c) > timeout {
		// Waiting would end in a refusal anyway: refuse now, fast.
		g.mu.Unlock()
		return Shed
	}
	if g.queued >= g.queueCap() && !g.displaceBelow(c) {
		g.mu.Unlock()
		return Shed
	}
	w := &waiter{class: c, ready: make(chan struct{})}
	w.elem = g.queues[c].PushBack(w)
	g.queued++
	g.mu.Unlock()

	t := time.NewTimer(timeout)
	defer t.Stop()
	var out Outcome
	select {
	case <-w.ready:
	case <-t.C:
		out = TimedOut
	case <-ctx.Done():
		out = TimedOut
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case w.granted:
		return Admitted // granted as the wait ran out: the slot is ours
	case w.elem == nil:
		return Shed // displaced by a higher class
	}
	g.queues[c].Remove(w.elem)
	w.elem = nil
	g.queued--
	return out
}

// release ends one admitted unit of work that took rtt, and hands its
// capacity to the waiters.
func (g *gate) release(c Class, rtt time.Duration, dropped bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lim.Observe(g.now(), c, rtt, g.inflight, dropped)
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

// expectedWait estimates how long a newcomer of class c would wait: the
// waiters ahead of it drain at about limit per mean latency.
func (g *gate) expectedWait(c Class) time.Duration {
	ahead := g.waitingAtOrAbove(c) + 1
	lat := g.lim.Latency()
	return time.Duration(float64(lat) * float64(ahead) / float64(g.allowed(c)))
}

func (g *gate) queueCap() int {
	if g.maxQueue > 0 {
		return g.maxQueue
	}
	return g.lim.Limit()
}

// displaceBelow sheds the most recent waiter of the lowest class below c,
// making room for c. It reports whether it found one.
func (g *gate) displaceBelow(c Class) bool {
	for cl := Browse; cl > c; cl-- {
		q := &g.queues[cl]
		if q.Len() == 0 {
			continue
		}
		w := q.Remove(q.Back()).(*waiter)
		w.elem = nil
		g.queued--
		close(w.ready)
		return true
	}
	return false
}

// state returns the limit, the work in flight and the waiters per class.
func (g *gate) state() (limit, inflight int, queued [Exempt]int, slowdown float64, latency time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range classes {
		queued[c] = g.queues[c].Len()
	}
	return g.lim.Limit(), g.inflight, queued, g.lim.Slowdown(), g.lim.Latency()
}

package web

import (
	"sync"
	"time"
)

// throttle slows down repeated failures of one key (an email at an
// address, an address): after free failures, each further attempt waits a
// delay that doubles up to max. Keys are forgotten forget after their last
// attempt; the map is bounded so that a flood of keys cannot grow it
// without end.
//
// An attempt is reserved before the work it guards (a password check) and
// settled after it, all under one lock: attempts checked at one moment and
// recorded later could all pass the check together (25 at once used to
// get 16 password checks where 5 are allowed). Past the free attempts, one
// attempt at a time may be in flight, and only once its delay has run.
//
// The counts are this instance's: behind a load balancer each instance
// allows its own, which multiplies the allowance by the instances but
// never lets one instance be raced.
type throttle struct {
	free   int
	base   time.Duration
	max    time.Duration
	forget time.Duration
	limit  int

	mu   sync.Mutex
	keys map[string]*strikes
}

type strikes struct {
	fails   int       // attempts that failed
	pending int       // attempts reserved and not yet settled
	until   time.Time // no attempt before this
	last    time.Time
}

func newThrottle(free int, base, max time.Duration) *throttle {
	return &throttle{free: free, base: base, max: max, forget: 15 * time.Minute, limit: 50_000, keys: map[string]*strikes{}}
}

// reserve claims an attempt for key at now. It returns 0 when the attempt
// may go ahead, to be settled by fail or succeed; otherwise how long key
// should wait, and nothing is claimed.
func (t *throttle) reserve(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.keys[key]
	if st == nil || st.pending == 0 && now.Sub(st.last) > t.forget {
		if len(t.keys) >= t.limit {
			t.sweep(now)
		}
		st = &strikes{}
		t.keys[key] = st
	}
	if now.Before(st.until) {
		return st.until.Sub(now)
	}
	if st.pending > 0 && st.fails+st.pending >= t.free {
		// Out of free attempts: the one in flight settles first.
		return t.base
	}
	st.pending++
	st.last = now
	return 0
}

// fail settles a reserved attempt of key as a failure. From the free-th
// failure on, the next attempt waits base, then twice as long each time.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.keys[key]
	if st == nil { // swept while the attempt ran
		if len(t.keys) >= t.limit {
			t.sweep(now)
		}
		st = &strikes{}
		t.keys[key] = st
	}
	if st.pending > 0 {
		st.pending--
	}
	st.fails++
	st.last = now
	if over := st.fails - t.free; over >= 0 {
		d := t.base
		for i := 0; i < over && d < t.max; i++ {
			d *= 2
		}
		st.until = now.Add(min(d, t.max))
	}
}

// release settles a reserved attempt of key that is no failure: a
// success, or a check that could not run. The failures already counted
// stay (an address a clinic shares keeps those of whoever guessed from
// it).
func (t *throttle) release(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.keys[key]; st != nil && st.pending > 0 {
		st.pending--
	}
}

// forgive clears key after a success.
func (t *throttle) forgive(key string) {
	t.mu.Lock()
	delete(t.keys, key)
	t.mu.Unlock()
}

// sweep drops forgotten keys, and everything if that is not enough: under
// a flood of distinct keys, forgetting is safer than growing.
func (t *throttle) sweep(now time.Time) {
	for k, st := range t.keys {
		if now.Sub(st.last) > t.forget {
			delete(t.keys, k)
		}
	}
	if len(t.keys) >= t.limit {
		clear(t.keys)
	}
}

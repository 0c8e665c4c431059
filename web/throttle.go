package web

import (
	"sync"
	"time"
)

// throttle slows down repeated failures of one key (an email, an
// address): after free failures, each further one blocks the key for a
// delay that doubles up to max. Keys are forgotten forget after their last
// failure; the map is bounded so that a flood of keys cannot grow it
// without end.
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
	fails int
	until time.Time // blocked before this
	last  time.Time
}

func newThrottle(free int, base, max time.Duration) *throttle {
	return &throttle{free: free, base: base, max: max, forget: 15 * time.Minute, limit: 50_000, keys: map[string]*strikes{}}
}

// wait returns how long key must still wait before its next attempt.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.keys[key]
	if !ok || !now.Before(st.until) {
		return 0
	}
	return st.until.Sub(now)
}

// fail records a failure of key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.keys[key]
	if !ok || now.Sub(st.last) > t.forget {
		if len(t.keys) >= t.limit {
			t.sweep(now)
		}
		st = &strikes{}
		t.keys[key] = st
	}
	st.fails++
	st.last = now
	if over := st.fails - t.free; over > 0 {
		d := t.base
		for i := 1; i < over && d < t.max; i++ {
			d *= 2
		}
		st.until = now.Add(min(d, t.max))
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

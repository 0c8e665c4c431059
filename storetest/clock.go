package storetest

import (
	"sync"
	"time"
)

// Clock is a clock that a test sets while a server reads it: give its Now
// to booking.Config.Now at construction and move it with Set, never by
// replacing the engine's clock under the handlers. The zero Clock follows
// time.Now until it is first set.
type Clock struct {
	mu  sync.Mutex
	now time.Time // zero: the real time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the time the clock was set to, or the real time if it never
// was. It is safe to call from any goroutine.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// Set stops the clock at t; the zero t sets it back to the real time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

package web

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// settingCache keeps the last value of a platform-wide setting read from
// its store, so that a flood of requests reads the database once per TTL.
type settingCache[T any] struct {
	mu      sync.Mutex
	v       T
	read    time.Time // when v was read; zero before the first read
	reading bool      // one request refreshes while the others use v
}

// get returns the cached value, read again with read when it is older than
// ttl. While one request reads, the others get the value they have; a
// failed read is logged with failed, keeps the old value and is retried
// after ttl.
func (c *settingCache[T]) get(ctx context.Context, ttl time.Duration, read func(context.Context) (T, error), log *slog.Logger, failed string) T {
	c.mu.Lock()
	if c.reading || (!c.read.IsZero() && time.Since(c.read) < ttl) {
		v := c.v
		c.mu.Unlock()
		return v
	}
	c.reading = true
	c.mu.Unlock()

	// A page must not wait long on a setting: it is worth less than the
	// page itself.
	rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	v, err := read(rctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = false
	c.read = time.Now()
	if err != nil {
		log.WarnContext(ctx, failed, "err", err)
		return c.v
	}
	c.v = v
	return v
}

// set makes this instance use v at once, after it was written to the
// store.
func (c *settingCache[T]) set(v T) {
	c.mu.Lock()
	c.v, c.read = v, time.Now()
	c.mu.Unlock()
}

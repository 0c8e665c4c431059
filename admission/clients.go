package admission

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimits keeps one token bucket per client key (an address or an
// account), in bounded memory.
type clientLimits struct {
	rate  rate.Limit
	burst int
	max   int
	idle  time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimits(perSecond float64, burst, max int, idle time.Duration) *clientLimits {
	return &clientLimits{rate: rate.Limit(perSecond), burst: burst, max: max, idle: idle, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket. When none is left it returns
// false and how long until one is.
func (cl *clientLimits) allow(key string, now time.Time) (bool, time.Duration) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	b := cl.buckets[key]
	if b == nil {
		if len(cl.buckets) >= cl.max {
			cl.evictSome(now)
		}
		b = &bucket{lim: rate.NewLimiter(cl.rate, cl.burst)}
		cl.buckets[key] = b
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.lim.TokensAt(now)
	wait := time.Duration(math.Ceil(missing / float64(cl.rate) * float64(time.Second)))
	return false, wait
}

// evictSome frees room when the map is full: idle buckets first, then, if
// every bucket is active (an attack from many addresses), arbitrary ones. An
// evicted client starts again with a full bucket, which costs it at most one
// burst: memory stays bounded whatever the number of addresses.
func (cl *clientLimits) evictSome(now time.Time) {
	target := cl.max - cl.max/10 - 1
	for k, b := range cl.buckets {
		if len(cl.buckets) <= target {
			return
		}
		if now.Sub(b.seen) >= cl.idle {
			delete(cl.buckets, k)
		}
	}
	for k := range cl.buckets {
		if len(cl.buckets) <= target {
			return
		}
		delete(cl.buckets, k)
	}
}

// evictIdle drops the buckets not used for the idle time and returns how
// many remain.
func (cl *clientLimits) evictIdle(now time.Time) int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for k, b := range cl.buckets {
		if now.Sub(b.seen) >= cl.idle {
			delete(cl.buckets, k)
		}
	}
	return len(cl.buckets)
}

func (cl *clientLimits) len() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return len(cl.buckets)
}

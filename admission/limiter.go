package admission

import (
	"math"
	"time"
)

// Limiter adapts a concurrency limit to measured latency, in the spirit of
// TCP Vegas and Netflix's gradient limiter: while the work's latency stays
// near the lowest latency measured (the server is not queueing inside), the
// limit grows; when latency rises above Tolerance times that minimum, the
// limit shrinks in proportion. Work that overran its deadline counts as a
// congestion signal on its own.
//
// Latencies are aggregated over short windows so that one slow request
// does not move the limit. Time is passed in by the caller, so tests drive
// the limiter with a synthetic clock. A Limiter is not safe for concurrent
// use: its owner serialises calls.
type Limiter struct {
	min, max  float64
	tolerance float64
	limit     float64

	// baseline is the lowest window latency seen. It drifts slowly
	// towards later windows so that one lucky window, or a server that
	// has become slower for good (a bigger database), does not pin the
	// limit forever.
	baseline time.Duration
	last     time.Duration // the last window's mean latency

	win struct {
		start       time.Time
		sum         time.Duration
		n           int
		maxInflight int
		drops       int
	}
}

// Limiter tuning. A window closes after windowLen once it holds at least
// windowSamples samples; smoothing damps each step; baselineDrift is the
// share of the gap to the last window that the baseline moves up by.
const (
	windowLen     = 100 * time.Millisecond
	windowSamples = 10
	smoothing     = 0.25
	baselineDrift = 0.002
	minGradient   = 0.5
	dropBackoff   = 0.9
)

// NewLimiter returns a limiter starting at initial and kept within
// [min, max]. tolerance (≥ 1) is how much slower than the baseline the
// work may get before the limit shrinks.
func NewLimiter(initial, min, max int, tolerance float64) *Limiter {
	if min < 1 {
		min = 1
	}
	if max < min {
		max = min
	}
	if tolerance < 1 {
		tolerance = 1
	}
	l := &Limiter{min: float64(min), max: float64(max), tolerance: tolerance}
	l.limit = l.clamp(float64(initial))
	return l
}

// Limit returns the current concurrency limit.
func (l *Limiter) Limit() int { return int(l.limit) }

// Baseline returns the lowest latency the limiter measured (drifting).
func (l *Limiter) Baseline() time.Duration { return l.baseline }

// Latency returns the mean latency of the last closed window.
func (l *Limiter) Latency() time.Duration { return l.last }

// Observe records one finished unit of work: its latency, how many units
// were in flight when it ran (including itself), and whether it overran its
// deadline. It reports whether a window closed and the limit was updated.
func (l *Limiter) Observe(now time.Time, rtt time.Duration, inflight int, dropped bool) bool {
	w := &l.win
	if w.n == 0 && w.drops == 0 {
		w.start = now
	}
	if dropped {
		w.drops++
	} else {
		w.sum += rtt
		w.n++
	}
	if inflight > w.maxInflight {
		w.maxInflight = inflight
	}
	if now.Sub(w.start) < windowLen || w.n+w.drops < windowSamples {
		return false
	}
	l.update()
	*w = struct {
		start       time.Time
		sum         time.Duration
		n           int
		maxInflight int
		drops       int
	}{}
	return true
}

// update closes a window: it moves the baseline and the limit.
func (l *Limiter) update() {
	w := &l.win
	if w.n == 0 {
		// Only overruns: the work cannot finish in time at this
		// concurrency.
		l.limit = l.clamp(l.limit * dropBackoff)
		return
	}
	mean := w.sum / time.Duration(w.n)
	if mean <= 0 {
		mean = time.Microsecond
	}
	l.last = mean
	switch {
	case l.baseline == 0 || mean < l.baseline:
		l.baseline = mean
	default:
		l.baseline += time.Duration(float64(mean-l.baseline) * baselineDrift)
	}

	gradient := l.tolerance * float64(l.baseline) / float64(mean)
	gradient = math.Max(minGradient, math.Min(1, gradient))
	// Headroom lets the limit probe upwards: the square root grows fast
	// at small limits and gently at large ones.
	next := l.limit*gradient + math.Sqrt(l.limit)
	if w.drops > 0 {
		next = math.Min(next, l.limit*dropBackoff)
	}
	// A limit that the load never reached says nothing about whether a
	// higher one would be safe: do not grow it.
	if float64(w.maxInflight) < l.limit/2 && next > l.limit {
		next = l.limit
	}
	l.limit = l.clamp(l.limit*(1-smoothing) + next*smoothing)
}

func (l *Limiter) clamp(v float64) float64 {
	return math.Max(l.min, math.Min(l.max, v))
}

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
	floor     time.Duration // mean latency under which the limit never shrinks
	limit     float64

	// baseline is, per class, the lowest window latency seen: work
	// classes cost different amounts (a confirmation waits for a disk
	// flush, a search does not), so a change in the mix must not read as
	// congestion. It drifts slowly towards later windows so that one lucky
	// window, or a server that has become slower for good, does not pin
	// the limit forever.
	baseline [Exempt]time.Duration
	last     time.Duration // the last window's mean latency, all classes
	slowdown float64       // the last window's latency over the baselines

	// peakRate is the highest admitted throughput measured (completions
	// per second, decaying), and peakConc the concurrency that delivered
	// it, by Little's law (throughput × mean latency). The latency
	// gradient never takes the limit below peakConc: when the CPU itself
	// is the bottleneck (refusals and other processes compete for it),
	// latency rises whatever the limit is, and a limit under the
	// concurrency that achieves peak throughput only cuts goodput.
	peakRate float64
	peakConc float64

	win window
}

// window aggregates the samples of one measurement window.
type window struct {
	start       time.Time
	sum         [Exempt]time.Duration
	n           [Exempt]int
	total       int
	maxInflight int
	drops       int
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
	// minClassSamples is how many samples of a class a window needs to
	// lower that class's baseline: one lucky request is not a baseline.
	minClassSamples = 5
	// peakDecay is what the peak throughput keeps of itself per window,
	// so that a server that got slower for good is measured afresh
	// (about 14 s to half).
	peakDecay = 0.995
	// peakTies is how close to the peak a window's throughput must come
	// for a lower concurrency to become the one that delivers the peak.
	peakTies = 0.95
)

// NewLimiter returns a limiter starting at initial and kept within
// [min, max]. tolerance (≥ 1) is how much slower than the baseline the
// work may get before the limit shrinks.
func NewLimiter(initial, min, max int, tolerance float64) *Limiter {
	return NewLimiterWithFloor(initial, min, max, tolerance, 0)
}

// NewLimiterWithFloor is NewLimiter with a latency floor: while the mean
// latency of admitted work stays under floor, the limit does not shrink,
// however much slower than its best the work runs. Relative slowdowns of
// sub-millisecond work (a search at 0.3 ms becoming 2 ms because the CPU is
// busy refusing a flood) cost nobody anything, and shrinking the limit for
// them would only cut goodput.
func NewLimiterWithFloor(initial, min, max int, tolerance float64, floor time.Duration) *Limiter {
	if min < 1 {
		min = 1
	}
	if max < min {
		max = min
	}
	if tolerance < 1 {
		tolerance = 1
	}
	l := &Limiter{min: float64(min), max: float64(max), tolerance: tolerance, floor: floor}
	l.limit = l.clamp(float64(initial))
	return l
}

// Limit returns the current concurrency limit.
func (l *Limiter) Limit() int { return int(l.limit) }

// Baseline returns the lowest latency the limiter measured for class c
// (drifting).
func (l *Limiter) Baseline(c Class) time.Duration {
	if c < 0 || c >= Exempt {
		return 0
	}
	return l.baseline[c]
}

// Slowdown returns how much slower than its baseline the work of the last
// window ran (1: as fast as ever).
func (l *Limiter) Slowdown() float64 { return l.slowdown }

// Latency returns the mean latency of the last closed window.
func (l *Limiter) Latency() time.Duration { return l.last }

// PeakConcurrency returns the concurrency that delivered the highest
// throughput measured (throughput × latency, Little's law): the limit the
// latency gradient does not go below.
func (l *Limiter) PeakConcurrency() float64 { return l.peakConc }

// Observe records one finished unit of work of class c: its latency, how
// many units were in flight when it ended (including itself), and whether
// it overran its deadline. It reports whether a window closed and the
// limit was updated.
func (l *Limiter) Observe(now time.Time, c Class, rtt time.Duration, inflight int, dropped bool) bool {
	if c < 0 || c >= Exempt {
		c = Browse
	}
	w := &l.win
	if w.total == 0 && w.drops == 0 {
		w.start = now
	}
	if dropped {
		w.drops++
	} else {
		w.sum[c] += rtt
		w.n[c]++
		w.total++
	}
	if inflight > w.maxInflight {
		w.maxInflight = inflight
	}
	if now.Sub(w.start) < windowLen || w.total+w.drops < windowSamples {
		return false
	}
	l.update(now)
	l.win = window{}
	return true
}

// update closes a window: it moves the baselines and the limit.
func (l *Limiter) update(now time.Time) {
	w := &l.win
	// A limit that the load never came near says nothing about whether it
	// is right: latency then varies with the work, not with concurrency.
	idle := float64(w.maxInflight) < l.limit/2
	if w.total == 0 {
		// Only overruns: the work cannot finish in time at this
		// concurrency.
		l.limit = l.clamp(l.limit * dropBackoff)
		return
	}
	var sum time.Duration
	var ratio float64
	for c := range w.n {
		n := w.n[c]
		if n == 0 {
			continue
		}
		sum += w.sum[c]
		mean := w.sum[c] / time.Duration(n)
		if mean <= 0 {
			mean = time.Microsecond
		}
		b := &l.baseline[c]
		switch {
		case *b == 0 || mean < *b:
			if n >= minClassSamples || *b == 0 {
				*b = mean
			}
		default:
			*b += time.Duration(float64(mean-*b) * baselineDrift)
		}
		ratio += float64(n) * float64(mean) / float64(*b)
	}
	l.last = sum / time.Duration(w.total)
	l.slowdown = ratio / float64(w.total)
	l.observePeak(now.Sub(w.start), w.total)

	gradient := math.Max(minGradient, math.Min(1, l.tolerance/l.slowdown))
	if l.last < l.floor {
		gradient = 1
	}
	// Headroom lets the limit probe upwards: the square root grows fast
	// at small limits and gently at large ones.
	next := l.limit*gradient + math.Sqrt(l.limit)
	// Latency alone never takes the limit under the concurrency that
	// delivered the peak throughput (plus the same headroom): below it,
	// Little's law says throughput falls, whatever latency does.
	if knee := l.peakConc + math.Sqrt(l.peakConc); next < knee && gradient < 1 {
		next = math.Min(knee, l.limit)
	}
	if w.drops > 0 {
		next = math.Min(next, l.limit*dropBackoff)
	} else if idle {
		return
	}
	l.limit = l.clamp(l.limit*(1-smoothing) + next*smoothing)
}

// observePeak updates the peak throughput, and the concurrency that
// delivered it, with a window of n completions over d.
func (l *Limiter) observePeak(d time.Duration, n int) {
	if d <= 0 || n == 0 {
		return
	}
	rate := float64(n) / d.Seconds()
	conc := rate * l.last.Seconds()
	l.peakRate *= peakDecay
	switch {
	case rate >= l.peakRate:
		l.peakRate, l.peakConc = rate, conc
	case rate >= peakTies*l.peakRate && conc < l.peakConc:
		// As much done with fewer in flight: the knee is lower.
		l.peakConc = conc
	}
}

func (l *Limiter) clamp(v float64) float64 {
	return math.Max(l.min, math.Min(l.max, v))
}

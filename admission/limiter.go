package admission

import (
	"math"
	"time"
)

// Limiter adapts a concurrency limit to measured throughput and latency.
//
// Its job is to keep the latency of admitted work bounded without costing
// throughput. On a CPU-bound server (one core, thousands of connections)
// latency relative to its best says little: every request waits for the
// scheduler behind every connection, whatever the limit, and a limit cut
// for it only hands the CPU to refusals. So the limit is steered by two
// measures together:
//
//   - a latency target: while the mean latency of admitted work stays
//     under Target and the limit is actually used, the limit probes
//     upwards (additive, √limit per window); above Target it shrinks in
//     proportion (multiplicative, at most by half per window);
//   - a throughput floor: the limit does not shrink below the concurrency
//     that delivered the highest throughput measured within the target
//     (throughput × latency, Little's law). Below it, throughput falls,
//     whatever latency does. The floor only holds for a short spell of
//     windows over the target (floorPatience): when latency stays above
//     target for longer, the floor fades (floorFade per window), since
//     a floor measured before a flood keeps the limit where the work of
//     a saturated core takes hundreds of ms. Once latency is back within
//     target, the peak is measured afresh at the lower concurrency.
//
// Work that overran its deadline shrinks the limit on its own. Latencies
// are aggregated over short windows so that one slow request does not move
// the limit. Time is passed in by the caller, so tests drive the limiter
// with a synthetic clock. A Limiter is not safe for concurrent use: its
// owner serialises calls.
type Limiter struct {
	min, max float64
	target   time.Duration
	limit    float64

	// baseline is, per class, the lowest window latency seen (drifting
	// slowly up), for the operator's view of how much slower than its
	// best the work runs. It does not steer the limit.
	baseline [Exempt]time.Duration
	last     time.Duration // the last window's mean latency, all classes
	rate     float64       // the last window's completions per second
	slowdown float64       // the last window's latency over the baselines

	// peakRate is the highest throughput measured in a window whose mean
	// latency met the target (decaying, so that a server that got slower
	// for good is measured afresh), and peakConc the concurrency that
	// delivered it.
	peakRate float64
	peakConc float64
	// over counts the consecutive windows whose mean latency missed the
	// target while the limit was used.
	over int

	win window
}

// window aggregates the samples of one measurement window.
type window struct {
	start     time.Time
	sum       [Exempt]time.Duration
	n         [Exempt]int
	total     int
	maxDemand int // in flight plus queued, at most, during the window
	drops     int
}

// Limiter tuning. A window closes after windowLen once it holds at least
// windowSamples samples.
const (
	windowLen     = 100 * time.Millisecond
	windowSamples = 10
	// maxCut is the most the limit loses in one window to latency.
	maxCut        = 0.5
	baselineDrift = 0.002
	dropBackoff   = 0.9
	// minClassSamples is how many samples of a class a window needs to
	// lower that class's baseline: one lucky request is not a baseline.
	minClassSamples = 5
	// peakDecay is what the peak throughput keeps of itself per window
	// (about 14 s to half).
	peakDecay = 0.995
	// peakTies is how close to the peak a window's throughput must come
	// for a lower concurrency to become the one that delivers the peak.
	peakTies = 0.95
	// floorPatience is how many consecutive windows over the target the
	// throughput floor holds the limit (half a second): long enough to
	// ride out a burst or a pause of the collector, short enough that a
	// flood does not keep the limit high.
	floorPatience = 5
	// floorFade is what the floor keeps of itself per window after that.
	floorFade = 0.8
)

// NewLimiter returns a limiter starting at initial, kept within [min, max],
// that aims at a mean latency of admitted work under target (0: no latency
// target, the limit then only grows while used and shrinks on overruns).
func NewLimiter(initial, min, max int, target time.Duration) *Limiter {
	if min < 1 {
		min = 1
	}
	if max < min {
		max = min
	}
	l := &Limiter{min: float64(min), max: float64(max), target: target}
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

// Rate returns the completions per second of the last closed window.
func (l *Limiter) Rate() float64 { return l.rate }

// PeakConcurrency returns the concurrency that delivered the highest
// throughput measured within the latency target: the limit that latency
// does not take the limit below.
func (l *Limiter) PeakConcurrency() float64 { return l.peakConc }

// Observe records one finished unit of work of class c: its latency, the
// demand when it ended (units in flight, itself included, plus units
// waiting for capacity), and whether it overran its deadline. It reports
// whether a window closed and the limit was updated.
func (l *Limiter) Observe(now time.Time, c Class, rtt time.Duration, demand int, dropped bool) bool {
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
	w.maxDemand = max(w.maxDemand, demand)
	if now.Sub(w.start) < windowLen || w.total+w.drops < windowSamples {
		return false
	}
	l.update(now)
	l.win = window{}
	return true
}

// update closes a window: it moves the baselines, the peak and the limit.
func (l *Limiter) update(now time.Time) {
	w := &l.win
	if w.total == 0 {
		// Only overruns: the work cannot finish in time at this
		// concurrency.
		l.limit = l.clamp(l.limit * dropBackoff)
		return
	}
	l.measure()
	if d := now.Sub(w.start); d > 0 {
		l.rate = float64(w.total+w.drops) / d.Seconds()
	}
	within := l.target <= 0 || l.last <= l.target
	if within {
		l.observePeak()
	}
	// A limit that the load never reached says nothing about whether it
	// is right: latency then varies with the work, not with concurrency.
	used := float64(w.maxDemand) >= l.limit
	idle := float64(w.maxDemand) < l.limit/2
	next := l.limit
	if within {
		l.over = 0
	}
	switch {
	case !within && idle:
		// Slow work far below the limit is not congestion: concurrency
		// did not cause it, and a smaller limit would not cure it.
	case !within:
		cut := math.Max(maxCut, float64(l.target)/float64(l.last))
		next = l.limit * cut
		// Not under the concurrency of peak throughput for a short
		// spell: when the CPU itself is taken (by refusals, by other
		// processes) latency rises whatever the limit, and a smaller
		// limit only cuts goodput. When latency stays over the target,
		// the floor fades: admitted latency is the objective too.
		l.over++
		if l.over > floorPatience {
			l.peakConc *= floorFade
		}
		next = math.Max(next, math.Min(l.limit, l.peakConc))
	case used:
		// Within the target and every place taken: probe upwards.
		// The square root grows fast at small limits, gently at large.
		next = l.limit + math.Sqrt(l.limit)
	}
	if w.drops > 0 {
		next = math.Min(next, l.limit*dropBackoff)
	}
	l.limit = l.clamp(next)
}

// measure updates the mean latency, the per-class baselines and the
// slowdown from the window.
func (l *Limiter) measure() {
	w := &l.win
	var sum time.Duration
	var ratio float64
	for c := range w.n {
		n := w.n[c]
		if n == 0 {
			continue
		}
		sum += w.sum[c]
		mean := max(w.sum[c]/time.Duration(n), time.Microsecond)
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
}

// observePeak updates the peak throughput, and the concurrency that
// delivered it (Little's law), with the last window.
func (l *Limiter) observePeak() {
	conc := l.rate * l.last.Seconds()
	l.peakRate *= peakDecay
	switch {
	case l.rate >= l.peakRate:
		l.peakRate, l.peakConc = l.rate, conc
	case l.rate >= peakTies*l.peakRate && conc < l.peakConc:
		// As much done with fewer in flight: the knee is lower.
		l.peakConc = conc
	}
}

func (l *Limiter) clamp(v float64) float64 {
	return math.Max(l.min, math.Min(l.max, v))
}

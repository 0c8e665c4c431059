package admission

import (
	"testing"
	"time"
)

const target = 40 * time.Millisecond

// feed runs n windows of samples at latency rtt with demand in flight and
// queued, advancing the synthetic clock, and returns the limit after each
// window.
func feed(t *testing.T, l *Limiter, now *time.Time, windows int, rtt time.Duration, demand int, dropped bool) []int {
	t.Helper()
	return feedRate(t, l, now, windows, windowSamples, rtt, demand, dropped)
}

// feedRate is feed with perWindow samples in each window: the throughput
// is perWindow per windowLen.
func feedRate(t *testing.T, l *Limiter, now *time.Time, windows, perWindow int, rtt time.Duration, demand int, dropped bool) []int {
	t.Helper()
	var limits []int
	for w := 0; w < windows; w++ {
		for i := 0; i < perWindow; i++ {
			*now = now.Add(windowLen / time.Duration(perWindow))
			if l.Observe(*now, Search, rtt, demand, dropped) {
				limits = append(limits, l.Limit())
			}
		}
	}
	if len(limits) == 0 {
		t.Fatalf("no window closed")
	}
	return limits
}

func TestLimiterGrowsWhileUsedAndWithinTarget(t *testing.T) {
	t.Parallel()
	l := NewLimiter(10, 2, 200, target)
	now := time.Unix(0, 0)
	prev := l.Limit()
	for _, got := range feed(t, l, &now, 20, 10*time.Millisecond, 1000, false) {
		if got < prev {
			t.Fatalf("limit shrank from %d to %d within the target", prev, got)
		}
		prev = got
	}
	if prev <= 40 {
		t.Fatalf("limit %d after 20 windows within the target, want growth past 40", prev)
	}
	if l.Baseline(Search) != 10*time.Millisecond {
		t.Fatalf("baseline %v, want 10ms", l.Baseline(Search))
	}
}

func TestLimiterFollowsTheLatencyTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rtt      time.Duration
		dropped  bool
		wantDown bool
	}{
		// Four times slower than its best, but within the target: on a
		// saturated core that is the scheduler, not congestion.
		{"slower but within the target", 35 * time.Millisecond, false, false},
		{"over the target", 80 * time.Millisecond, false, true},
		{"far over", 500 * time.Millisecond, false, true},
		{"deadline overruns", 10 * time.Millisecond, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(100, 2, 1000, target)
			now := time.Unix(0, 0)
			feed(t, l, &now, 3, 9*time.Millisecond, 1000, false) // learn the baseline
			before := l.Limit()
			after := feed(t, l, &now, 10, tt.rtt, 1000, tt.dropped)
			got := after[len(after)-1]
			if tt.wantDown && got >= before {
				t.Fatalf("limit %d → %d, want it to shrink", before, got)
			}
			if !tt.wantDown && got < before {
				t.Fatalf("limit %d → %d, want no shrink", before, got)
			}
		})
	}
}

func TestLimiterCutsAtMostHalfAWindow(t *testing.T) {
	t.Parallel()
	l := NewLimiter(400, 2, 1000, target)
	now := time.Unix(0, 0)
	got := feed(t, l, &now, 2, 10*time.Second, 1000, false)
	if got[0] < 200 {
		t.Fatalf("limit 400 → %d in one window, want at least half kept", got[0])
	}
}

func TestLimiterRecoversAfterCongestion(t *testing.T) {
	t.Parallel()
	l := NewLimiter(100, 2, 1000, target)
	now := time.Unix(0, 0)
	feed(t, l, &now, 3, 10*time.Millisecond, 1000, false)
	low := feed(t, l, &now, 20, 200*time.Millisecond, 1000, false)
	bottom := low[len(low)-1]
	up := feed(t, l, &now, 30, 10*time.Millisecond, 1000, false)
	if up[len(up)-1] <= bottom {
		t.Fatalf("limit stayed at %d after congestion ended", bottom)
	}
}

func TestLimiterStaysWithinBounds(t *testing.T) {
	t.Parallel()
	l := NewLimiter(50, 5, 60, target)
	now := time.Unix(0, 0)
	for _, got := range feed(t, l, &now, 50, time.Millisecond, 1000, false) {
		if got > 60 {
			t.Fatalf("limit %d over max 60", got)
		}
	}
	for _, got := range feed(t, l, &now, 100, time.Second, 1000, true) {
		if got < 5 {
			t.Fatalf("limit %d under min 5", got)
		}
	}
	if l.Limit() != 5 {
		t.Fatalf("limit %d after sustained overruns, want the minimum 5", l.Limit())
	}
}

func TestLimiterHoldsWhenUnused(t *testing.T) {
	t.Parallel()
	l := NewLimiter(40, 2, 1000, target)
	now := time.Unix(0, 0)
	feed(t, l, &now, 30, 10*time.Millisecond, 3, false) // only 3 of 40 ever used
	if l.Limit() != 40 {
		t.Fatalf("limit %d, want 40: an unused limit must not grow", l.Limit())
	}
	feed(t, l, &now, 30, 80*time.Millisecond, 3, false)
	if l.Limit() != 40 {
		t.Fatalf("limit %d, want 40: slow work far below the limit is not congestion", l.Limit())
	}
}

// A mix that shifts towards a slower class (confirmations that wait for
// the disk) does not read as a slowdown: each class is compared with its
// own baseline.
func TestLimiterJudgesEachClassByItsOwnBaseline(t *testing.T) {
	t.Parallel()
	l := NewLimiter(50, 2, 1000, target)
	now := time.Unix(0, 0)
	observe := func(c Class, rtt time.Duration, n int) {
		for i := 0; i < n; i++ {
			now = now.Add(windowLen / windowSamples)
			l.Observe(now, c, rtt, 1000, false)
		}
	}
	for w := 0; w < 5; w++ { // searches fast, confirmations slow
		observe(Search, time.Millisecond, 8)
		observe(Critical, 20*time.Millisecond, 8)
	}
	before := l.Limit()
	for w := 0; w < 10; w++ { // now mostly confirmations, same speeds
		observe(Search, time.Millisecond, 1)
		observe(Critical, 20*time.Millisecond, 15)
	}
	if l.Limit() < before {
		t.Fatalf("limit %d → %d when only the mix changed", before, l.Limit())
	}
	if s := l.Slowdown(); s > 1.1 {
		t.Fatalf("slowdown %.2f, want about 1", s)
	}
}

func TestLimiterNeedsEnoughSamples(t *testing.T) {
	t.Parallel()
	l := NewLimiter(10, 2, 100, target)
	now := time.Unix(0, 0)
	for i := 0; i < windowSamples-1; i++ {
		now = now.Add(time.Second)
		if l.Observe(now, Search, time.Second, 10, false) {
			t.Fatalf("window closed after %d samples", i+1)
		}
	}
}

// When the CPU is the bottleneck (refusals and other processes take it),
// latency rises whatever the limit is. For a short spell, latency must not
// take the limit below the concurrency that delivered the peak throughput
// within the target (Little's law: throughput × latency), or goodput falls
// with it.
func TestLimiterKeepsTheConcurrencyOfPeakThroughput(t *testing.T) {
	t.Parallel()
	l := NewLimiter(30, 2, 1000, target)
	now := time.Unix(0, 0)
	// 1000/s at 20 ms: 20 in flight deliver the peak.
	feedRate(t, l, &now, 20, 100, 20*time.Millisecond, 1000, false)
	if c := l.PeakConcurrency(); c < 19 || c > 21 {
		t.Fatalf("peak concurrency %.1f, want 20", c)
	}
	before := l.Limit()
	// The CPU is taken: half the rate, ten times slower.
	feedRate(t, l, &now, floorPatience, 50, 200*time.Millisecond, 1000, false)
	got := l.Limit()
	if got >= before {
		t.Fatalf("limit %d → %d, want it to shrink towards the knee", before, got)
	}
	if got < 20 {
		t.Fatalf("limit %d, under the 20 in flight that delivered the peak throughput", got)
	}
}

// Latency that stays over the target is not a passing spike: the floor of
// peak throughput fades, and the limit follows latency down. When latency
// is back within target, the limit grows again from where it is.
func TestLimiterFloorFadesWhenLatencyStaysOverTarget(t *testing.T) {
	t.Parallel()
	l := NewLimiter(30, 2, 1000, target)
	now := time.Unix(0, 0)
	feedRate(t, l, &now, 20, 100, 20*time.Millisecond, 1000, false)
	peak := l.PeakConcurrency()
	limits := feedRate(t, l, &now, floorPatience+15, 50, 200*time.Millisecond, 1000, false)
	for i, got := range limits[floorPatience:] {
		if prev := limits[floorPatience+i-1]; got > prev {
			t.Fatalf("window %d: limit %d → %d over the target, want no growth", floorPatience+i, prev, got)
		}
	}
	low := l.Limit()
	if float64(low) >= peak/2 {
		t.Fatalf("limit %d after %d windows over the target, want under half the peak concurrency %.1f", low, floorPatience+15, peak)
	}
	up := feedRate(t, l, &now, 10, 100, 10*time.Millisecond, 1000, false)
	if up[len(up)-1] <= low {
		t.Fatalf("limit stayed at %d once latency was back within the target", low)
	}
}

// Windows over the target that are interrupted by one within it start the
// patience afresh: the floor fades only when latency stays high.
func TestLimiterFloorHoldsThroughShortSpells(t *testing.T) {
	t.Parallel()
	l := NewLimiter(30, 2, 1000, target)
	now := time.Unix(0, 0)
	feedRate(t, l, &now, 20, 100, 20*time.Millisecond, 1000, false)
	for range 4 {
		feedRate(t, l, &now, floorPatience-1, 50, 200*time.Millisecond, 1000, false)
		// The first window back may still hold slow samples.
		feedRate(t, l, &now, 3, 100, 20*time.Millisecond, 1000, false)
	}
	if c := l.PeakConcurrency(); c < 19 {
		t.Fatalf("peak concurrency %.1f after short spells over the target, want the 20 kept", c)
	}
}

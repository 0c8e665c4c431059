package admission

import (
	"testing"
	"time"
)

// feed runs n windows of samples at latency rtt with inflight in flight,
// advancing the synthetic clock, and returns the limit after each window.
func feed(t *testing.T, l *Limiter, now *time.Time, windows int, rtt time.Duration, inflight int, dropped bool) []int {
	t.Helper()
	var limits []int
	for w := 0; w < windows; w++ {
		for i := 0; i < windowSamples; i++ {
			*now = now.Add(windowLen / windowSamples)
			if l.Observe(*now, Search, rtt, inflight, dropped) {
				limits = append(limits, l.Limit())
			}
		}
	}
	if len(limits) == 0 {
		t.Fatalf("no window closed")
	}
	return limits
}

func TestLimiterGrowsWhileLatencyStaysLow(t *testing.T) {
	l := NewLimiter(10, 2, 200, 2)
	now := time.Unix(0, 0)
	prev := l.Limit()
	for _, got := range feed(t, l, &now, 20, 10*time.Millisecond, 1000, false) {
		if got < prev {
			t.Fatalf("limit shrank from %d to %d at steady latency", prev, got)
		}
		prev = got
	}
	if prev <= 20 {
		t.Fatalf("limit %d after 20 low-latency windows, want growth past 20", prev)
	}
	if l.Baseline(Search) != 10*time.Millisecond {
		t.Fatalf("baseline %v, want 10ms", l.Baseline(Search))
	}
}

func TestLimiterShrinksWhenLatencyRises(t *testing.T) {
	tests := []struct {
		name     string
		rtt      time.Duration
		dropped  bool
		wantDown bool
	}{
		{"within tolerance", 15 * time.Millisecond, false, false},
		{"at twice tolerance", 40 * time.Millisecond, false, true},
		{"far above", 500 * time.Millisecond, false, true},
		{"deadline overruns", 10 * time.Millisecond, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(100, 2, 1000, 2)
			now := time.Unix(0, 0)
			feed(t, l, &now, 3, 10*time.Millisecond, 1000, false) // learn the baseline
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

func TestLimiterRecoversAfterCongestion(t *testing.T) {
	l := NewLimiter(100, 2, 1000, 2)
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
	l := NewLimiter(50, 5, 60, 2)
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
	l := NewLimiter(40, 2, 1000, 2)
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
// the disk) is not congestion: each class is compared with its own
// baseline.
func TestLimiterJudgesEachClassByItsOwnBaseline(t *testing.T) {
	l := NewLimiter(50, 2, 1000, 2)
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
	l := NewLimiter(10, 2, 100, 2)
	now := time.Unix(0, 0)
	for i := 0; i < windowSamples-1; i++ {
		now = now.Add(time.Second)
		if l.Observe(now, Search, time.Second, 10, false) {
			t.Fatalf("window closed after %d samples", i+1)
		}
	}
}

func TestLimiterLatencyFloor(t *testing.T) {
	tests := []struct {
		name     string
		floor    time.Duration
		wantDown bool
	}{
		{"no floor", 0, true},
		{"slow work above the floor", time.Millisecond, true},
		{"slow work under the floor", 10 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiterWithFloor(100, 2, 1000, 2, tt.floor)
			now := time.Unix(0, 0)
			feed(t, l, &now, 3, 500*time.Microsecond, 1000, false)
			before := l.Limit()
			after := feed(t, l, &now, 10, 4*time.Millisecond, 1000, false) // 8× slower
			if got := after[len(after)-1]; (got < before) != tt.wantDown {
				t.Fatalf("limit %d → %d, want shrink %v", before, got, tt.wantDown)
			}
		})
	}
}

// When the CPU is the bottleneck (refusals and other processes take it),
// latency rises whatever the limit is. The gradient must not then take the
// limit below the concurrency that delivered the peak throughput (Little's
// law: throughput × latency), or goodput falls with it.
func TestLimiterKeepsTheConcurrencyOfPeakThroughput(t *testing.T) {
	l := NewLimiter(100, 2, 1000, 2)
	now := time.Unix(0, 0)
	window := func(n int, rtt time.Duration) {
		for i := 0; i < n; i++ {
			now = now.Add(windowLen / time.Duration(n))
			l.Observe(now, Search, rtt, 100, false)
		}
	}
	for w := 0; w < 20; w++ { // 1000/s at 20 ms: 20 in flight
		window(100, 20*time.Millisecond)
	}
	if c := l.PeakConcurrency(); c < 19 || c > 21 {
		t.Fatalf("peak concurrency %.1f, want 20", c)
	}
	before := l.Limit()
	for w := 0; w < 50; w++ { // the CPU is taken: half the rate, 10× slower
		window(50, 200*time.Millisecond)
	}
	got := l.Limit()
	if got >= before {
		t.Fatalf("limit %d → %d, want it to shrink towards the knee", before, got)
	}
	if got < 20 {
		t.Fatalf("limit %d, under the 20 in flight that delivered the peak throughput", got)
	}
}

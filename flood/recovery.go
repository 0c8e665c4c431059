package flood

import (
	"context"
	"slices"
	"time"
)

// Recovery is how the target came back once the flood stopped: a probe at
// its capacity, open loop like the flood, begun the moment the flood
// stopped sending, while the flood's last requests were still in flight.
type Recovery struct {
	ProbeRPS float64 `json:"probe_rps"`
	// Seconds is the time from the flood's stop to the start of the
	// first second in which the probe's answers reached 90 % of capacity
	// (0: at once); -1 when no second of the probe did.
	Seconds float64 `json:"seconds"`
	// GoodputRPS is the probe's goodput in each second after the flood
	// stopped, by when the answers came.
	GoodputRPS []float64 `json:"goodput_rps_by_second"`
	Point
}

// recoveryShare is the share of capacity that counts as full goodput
// again: the target for goodput under the flood.
const recoveryShare = 0.9

// recoveryStep is how finely the start of the first full second is
// searched.
const recoveryStep = 100 * time.Millisecond

// probeRecovery offers the mix at capacity for d from now, the moment
// the flood stopped sending, and measures how soon the answers come at the
// full rate again, counting from stop.
func probeRecovery(ctx context.Context, m *mix, capacity float64, stop time.Time, d time.Duration, ao attackOptions) Recovery {
	p := attack(ctx, m, capacity, d, ao)
	return Recovery{
		ProbeRPS:   capacity,
		Seconds:    recoveryTime(stop, p.goodAt, recoveryShare*capacity, d),
		GoodputRPS: perSecond(stop, p.goodAt, d),
		Point:      p.point(),
	}
}

// sleepUntil returns at t, or sooner when ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// recoveryTime returns, in seconds after stop, the start of the first
// one-second window (searched by recoveryStep within horizon) holding at
// least want answers; -1 when none does.
func recoveryTime(stop time.Time, answered []time.Time, want float64, horizon time.Duration) float64 {
	ts := slices.Clone(answered)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	lo, hi := 0, 0 // ts[lo:hi] are the answers in [from, from+1s)
	for from := stop; !from.Add(time.Second).After(stop.Add(horizon)); from = from.Add(recoveryStep) {
		for lo < len(ts) && ts[lo].Before(from) {
			lo++
		}
		hi = max(hi, lo)
		for hi < len(ts) && ts[hi].Before(from.Add(time.Second)) {
			hi++
		}
		if float64(hi-lo) >= want {
			return from.Sub(stop).Seconds()
		}
	}
	return -1
}

// perSecond counts the answers in each whole second after stop, within
// horizon.
func perSecond(stop time.Time, answered []time.Time, horizon time.Duration) []float64 {
	out := make([]float64, int(horizon/time.Second))
	for _, t := range answered {
		if i := int(t.Sub(stop) / time.Second); t.After(stop) && i < len(out) {
			out[i]++
		}
	}
	return out
}

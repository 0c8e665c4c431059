package waitroom

import (
	"sync"
	"time"
)

// Sustained returns an automatic switch for Config.Auto from a running
// total of requests that admission control refused: it turns on once the
// total has kept growing for after (no pause longer than two seconds),
// and off again once it has not grown for after. A short burst of
// refusals does not open the room; a flood that lasts does, and the room
// stays open until the flood has been over for a while.
func Sustained(shed func() uint64, after time.Duration) func(now time.Time) bool {
	const pause = 2 * time.Second
	var (
		mu          sync.Mutex
		sampled     time.Time
		last        uint64
		streakStart time.Time // first growth of the current streak; zero: none
		lastGrowth  time.Time
		on          bool
	)
	return func(now time.Time) bool {
		mu.Lock()
		defer mu.Unlock()
		if !sampled.IsZero() && now.Sub(sampled) < time.Second {
			return on
		}
		total := shed()
		grew := !sampled.IsZero() && total > last
		sampled, last = now, total
		if grew {
			if streakStart.IsZero() {
				streakStart = now
			}
			lastGrowth = now
		} else if !streakStart.IsZero() && now.Sub(lastGrowth) > pause && !on {
			streakStart = time.Time{}
		}
		switch {
		case !on && !streakStart.IsZero() && now.Sub(streakStart) >= after:
			on = true
		case on && now.Sub(lastGrowth) >= after:
			on, streakStart = false, time.Time{}
		}
		return on
	}
}

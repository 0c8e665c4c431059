package demo

import (
	"time"

	"rdv"
)

// countSlots returns len(p.Expand(from, to, loc)) without making the
// slots: counting the network's million slots by expanding them would
// double the cost of generation. It follows Expand's rules (a block starts
// at its wall-clock time, its slots follow in elapsed time, a slot is made
// only whole, an exception removes every slot it touches); a test holds it
// to Expand on the nights the clocks change.
func countSlots(p rdv.WorkingPlan, from, to rdv.Date, loc *time.Location) int {
	count := 0
	for d := from; d.Before(to); d = d.AddDays(1) {
		wd := d.Weekday()
		var exceptions []rdv.PlanException
		for _, e := range p.Exceptions {
			if e.Date == d {
				exceptions = append(exceptions, e)
			}
		}
		for _, b := range p.Blocks {
			if b.Weekday != wd {
				continue
			}
			start, end := d.At(b.StartMinute, loc), d.At(b.EndMinute, loc)
			step := time.Duration(b.SlotMinutes) * time.Minute
			if len(exceptions) == 0 {
				if n := end.Sub(start) / step; n > 0 {
					count += int(n)
				}
				continue
			}
			for t := start; !t.Add(step).After(end); t = t.Add(step) {
				if !covered(exceptions, d, t, step, loc) {
					count++
				}
			}
		}
	}
	return count
}

// covered reports whether one of the day's exceptions covers [t, t+step).
func covered(exceptions []rdv.PlanException, d rdv.Date, t time.Time, step time.Duration, loc *time.Location) bool {
	for _, e := range exceptions {
		if e.AllDay {
			return true
		}
		if t.Before(d.At(e.EndMinute, loc)) && d.At(e.StartMinute, loc).Before(t.Add(step)) {
			return true
		}
	}
	return false
}

package rdv

import (
	"slices"
	"time"
)

// The agents' queue: the platform matches requests by itself, and agents
// call the people it cannot serve soon enough. Which requests need a
// person, and in what order agents see them, is decided here, once.

// UrgentChildWait is how long an urgent request for a child may wait
// unmatched before an agent calls: past it, a sick child is not left to
// the chance of a cancellation.
const UrgentChildWait = time.Hour

// NeedsPerson reports whether an agent should take the request now: it is
// open (no slot is proposed to it) and either the matcher does not work
// it (filed without a date range) or it is an urgent request for a child
// still unmatched UrgentChildWait after it arrived.
func (r AppointmentRequest) NeedsPerson(now time.Time) bool {
	if r.Status != RequestOpen {
		return false
	}
	return r.To.IsZero() || r.Urgent && r.Child && now.Sub(r.ReceivedAt) >= UrgentChildWait
}

// SortForAgents orders requests as agents work them: those that need a
// person first, then by priority (Priority), then the oldest first.
func SortForAgents(rs []AppointmentRequest, now time.Time) {
	slices.SortStableFunc(rs, func(a, b AppointmentRequest) int {
		if na, nb := a.NeedsPerson(now), b.NeedsPerson(now); na != nb {
			if na {
				return -1
			}
			return 1
		}
		if pa, pb := a.Priority(), b.Priority(); pa != pb {
			return pb - pa
		}
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return compareInt64(a.ID, b.ID)
	})
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

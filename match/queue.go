package match

import (
	"slices"

	"rdv"
)

// waiting is a request the matcher works, with what matching reads of it
// made once: its windows of the day, the clinics it reaches, and the slots
// it was offered.
type waiting struct {
	r       rdv.AppointmentRequest
	windows []rdv.Window
	// reach is the clinics it is listed at: those that offer its service
	// within its radius (of its own clinics only, for an own-clinic
	// request).
	reach []int64
	// own is the clinics that register its patient; only own-clinic
	// requests read it.
	own     []int64
	offered map[int64]bool // slots proposed to it before: never again
	live    bool           // it has a live proposal
	liveOn  int64          // the slot of that proposal, when this matcher made it
}

// ahead reports whether a is served before b: higher priority first, then
// first come (reception time, then the store's order).
func ahead(a, b *waiting) bool { return compareWaiting(a, b) < 0 }

func compareWaiting(a, b *waiting) int {
	if pa, pb := a.r.Priority(), b.r.Priority(); pa != pb {
		return pb - pa
	}
	if c := a.r.ReceivedAt.Compare(b.r.ReceivedAt); c != 0 {
		return c
	}
	switch {
	case a.r.ID < b.r.ID:
		return -1
	case a.r.ID > b.r.ID:
		return 1
	}
	return 0
}

// queue is the waiting requests, listed per service and clinic in serving
// order: a freed slot reads only the list of its service at its clinic,
// whose first fitting request is the one to serve. Requests are listed at
// every clinic they reach, so the lists hold the distance test already;
// what is left to test per request is the time of day, the days and the
// language, which cost a few comparisons.
type queue struct {
	byID  map[int64]*waiting
	lists []map[int64][]*waiting // by rdv.ServiceIndex, by clinic ID
}

func newQueue() *queue {
	q := &queue{byID: map[int64]*waiting{}, lists: make([]map[int64][]*waiting, len(rdv.Services))}
	for i := range q.lists {
		q.lists[i] = map[int64][]*waiting{}
	}
	return q
}

// reachOf returns the clinics a request reaches among the network's.
func reachOf(r rdv.AppointmentRequest, own []int64, clinics []rdv.Clinic) []int64 {
	var out []int64
	radius := r.RadiusOrDefault()
	for _, c := range clinics {
		if !c.Offers(r.Service) || rdv.DistanceKm(r.Lat, r.Lon, c.Lat, c.Lon) > radius {
			continue
		}
		if r.Scope == rdv.ScopeOwnClinic && !slices.Contains(own, c.ID) {
			continue
		}
		out = append(out, c.ID)
	}
	return out
}

// add lists a request; one listed already is replaced.
func (q *queue) add(w *waiting) {
	q.remove(w.r.ID)
	q.byID[w.r.ID] = w
	svc := rdv.ServiceIndex(w.r.Service)
	if svc < 0 {
		return
	}
	for _, c := range w.reach {
		list := q.lists[svc][c]
		// Requests mostly arrive in order: the place is usually the end.
		i := len(list)
		if i > 0 && ahead(w, list[i-1]) {
			i, _ = slices.BinarySearchFunc(list, w, compareWaiting)
		}
		q.lists[svc][c] = slices.Insert(list, i, w)
	}
}

// remove unlists a request; an absent one is no change.
func (q *queue) remove(id int64) {
	w, ok := q.byID[id]
	if !ok {
		return
	}
	delete(q.byID, id)
	svc := rdv.ServiceIndex(w.r.Service)
	if svc < 0 {
		return
	}
	for _, c := range w.reach {
		list := q.lists[svc][c]
		if i, found := slices.BinarySearchFunc(list, w, compareWaiting); found {
			q.lists[svc][c] = slices.Delete(list, i, i+1)
		}
		if len(q.lists[svc][c]) == 0 {
			delete(q.lists[svc], c)
		}
	}
}

// at returns the requests listed for a service at a clinic, in serving
// order. The caller must not change the slice.
func (q *queue) at(svc rdv.Service, clinicID int64) []*waiting {
	i := rdv.ServiceIndex(svc)
	if i < 0 {
		return nil
	}
	return q.lists[i][clinicID]
}

// ordered returns every waiting request in serving order.
func (q *queue) ordered() []*waiting {
	out := make([]*waiting, 0, len(q.byID))
	for _, w := range q.byID {
		out = append(out, w)
	}
	slices.SortFunc(out, compareWaiting)
	return out
}

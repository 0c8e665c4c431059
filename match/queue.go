package match

import (
	"math/bits"
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
	// request; its appointment's only, for a place on the waitlist).
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
// order: a freed slot reads only the line of its service at its clinic,
// whose first fitting request is the one to serve. Requests are listed at
// every clinic they reach, so the lines hold the distance test already;
// what is left to test per request is the time of day, the days and the
// language, which cost a few comparisons.
type queue struct {
	byID  map[int64]*waiting
	lines []map[int64]*line // by rdv.ServiceIndex, by clinic ID
}

// line is the requests listed for a service at a clinic, in serving
// order, with a bit set for each that has no live proposal. The requests
// served first are the ones with a proposal: a walk down a long line
// skips them 64 at a time instead of one by one.
type line struct {
	ws   []*waiting
	open []uint64 // bit i: ws[i] has no live proposal
}

func newQueue() *queue {
	q := &queue{byID: map[int64]*waiting{}, lines: make([]map[int64]*line, len(rdv.Services))}
	for i := range q.lines {
		q.lines[i] = map[int64]*line{}
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
		// A place on the waitlist takes its appointment's clinic only,
		// the roster or not (rdv.AppointmentRequest.NeedsRoster); other
		// own-clinic requests their patient's clinics.
		if r.ClinicID != 0 && c.ID != r.ClinicID ||
			r.Scope == rdv.ScopeOwnClinic && !r.IsMove() && !slices.Contains(own, c.ID) {
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
		l := q.lines[svc][c]
		if l == nil {
			l = &line{}
			q.lines[svc][c] = l
		}
		// Requests mostly arrive in order: the place is usually the end.
		i := len(l.ws)
		if i > 0 && ahead(w, l.ws[i-1]) {
			i, _ = slices.BinarySearchFunc(l.ws, w, compareWaiting)
		}
		l.insert(i, w)
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
		l := q.lines[svc][c]
		if l == nil {
			continue
		}
		if i, found := slices.BinarySearchFunc(l.ws, w, compareWaiting); found {
			l.delete(i)
		}
		if len(l.ws) == 0 {
			delete(q.lines[svc], c)
		}
	}
}

// setLive marks whether a request has a live proposal, in its entry and
// in its lines.
func (q *queue) setLive(w *waiting, live bool) {
	if w.live == live {
		return
	}
	w.live = live
	svc := rdv.ServiceIndex(w.r.Service)
	if q.byID[w.r.ID] != w || svc < 0 {
		return
	}
	for _, c := range w.reach {
		if l := q.lines[svc][c]; l != nil {
			if i, found := slices.BinarySearchFunc(l.ws, w, compareWaiting); found {
				l.setOpen(i, !live)
			}
		}
	}
}

// reopen marks a request open again after its proposal ended: the slot
// it had is never offered to it again.
func (q *queue) reopen(w *waiting) {
	if w.liveOn != 0 {
		w.offered[w.liveOn] = true
	}
	w.liveOn = 0
	q.setLive(w, false)
}

// eachOpen calls fn with the requests listed for a service at a clinic
// that have no live proposal, in serving order, until fn returns false.
func (q *queue) eachOpen(svc rdv.Service, clinicID int64, fn func(*waiting) bool) {
	i := rdv.ServiceIndex(svc)
	if i < 0 {
		return
	}
	l := q.lines[i][clinicID]
	if l == nil {
		return
	}
	for k, word := range l.open {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			if !fn(l.ws[k*64+b]) {
				return
			}
		}
	}
}

// insert puts w at i, moving the bits of the requests after it up.
func (l *line) insert(i int, w *waiting) {
	l.ws = slices.Insert(l.ws, i, w)
	if len(l.open)*64 < len(l.ws) {
		l.open = append(l.open, 0)
	}
	k, b := i/64, uint(i%64)
	carry := uint64(0)
	for j := k; j < len(l.open); j++ {
		word := l.open[j]
		out := word >> 63
		if j == k {
			low := word & (1<<b - 1)
			word = low | (word&^(1<<b-1))<<1
		} else {
			word = word<<1 | carry
		}
		carry = out
		l.open[j] = word
	}
	l.setOpen(i, !w.live)
}

// delete takes out the request at i, moving the bits of those after it
// down.
func (l *line) delete(i int) {
	l.ws = slices.Delete(l.ws, i, i+1)
	k, b := i/64, uint(i%64)
	for j := k; j < len(l.open); j++ {
		word := l.open[j]
		if j == k {
			word = word&(1<<b-1) | word>>(b+1)<<b
		} else {
			word >>= 1
		}
		if j+1 < len(l.open) {
			word |= l.open[j+1] & 1 << 63
		}
		l.open[j] = word
	}
	if len(l.open) > (len(l.ws)+63)/64 {
		l.open = l.open[:len(l.open)-1]
	}
}

func (l *line) setOpen(i int, open bool) {
	if open {
		l.open[i/64] |= 1 << (i % 64)
	} else {
		l.open[i/64] &^= 1 << (i % 64)
	}
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

package availability

import (
	"math"
	"time"

	"rdv"
)

// Search appends to dst the earliest slots matching q, ordered by start time
// then distance, and returns it. Slots starting at the same time at the
// same distance come in slot ID order. A query that cannot match (unknown
// service, language nobody speaks, Limit ≤ 0, negative radius, empty time
// range) appends nothing.
func (ix *Index) Search(q Query, dst []Result) []Result {
	svc := rdv.ServiceIndex(q.Service)
	if svc < 0 || q.Limit <= 0 || !(q.RadiusKm >= 0) || math.IsNaN(q.Lat) || math.IsNaN(q.Lon) {
		return dst
	}
	ss := &ix.services[svc]
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	// Read the directory under the lock: every clinic and practitioner
	// that the service's slices refer to is in it (see AddClinic).
	d := ix.dir.Load()
	f, ok := d.newFilter(q)
	if !ok {
		return dst
	}
	from := clampNanos(q.From)
	if from >= f.to {
		return dst
	}
	a := newArea(q.Lat, q.Lon, q.RadiusKm)
	sc := ix.scratch.Get().(*scratch)
	h := d.candidates(sc.heap[:0], ss, &a, &f, from)
	h.init()
	for n := 0; n < q.Limit && len(h) > 0; n++ {
		c := &h[0]
		list := ss.byClinic[c.clinic]
		e := &list[c.pos]
		if c.km < 0 {
			c.km = chordKm(c.chord2)
		}
		dst = append(dst, Result{
			SlotID:         e.id,
			Start:          time.Unix(0, e.start).UTC(),
			End:            time.Unix(0, e.start+int64(e.dur)*int64(time.Second)).UTC(),
			Service:        q.Service,
			ClinicID:       d.clinics[c.clinic].ID,
			PractitionerID: d.practs[e.pract].ID,
			DistanceKm:     c.km,
		})
		c.taken++
		next := -1
		if q.PerClinic <= 0 || int(c.taken) < q.PerClinic {
			next = f.next(d, list, int(c.pos)+1)
		}
		if next < 0 {
			h.popTop()
			continue
		}
		c.pos, c.start, c.id = int32(next), list[next].start, list[next].id
		h.down(0)
	}

	sc.heap = h[:0]
	ix.scratch.Put(sc)
	return dst
}

// candidates appends a cursor at the first matching slot of every clinic
// within the query's disc.
func (d *directory) candidates(h cursorHeap, ss *serviceSlots, a *area, f *filter, from int64) cursorHeap {
	sites := ss.sites
	lo, hi := 0, len(sites)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if sites[m].lat < a.minLat {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for k := lo; k < len(sites) && sites[k].lat <= a.maxLat; k++ {
		s := &sites[k]
		if !a.lonOK(s.lon) {
			continue
		}
		d2 := a.chord2(s)
		if d2 > a.maxChord2 {
			continue
		}
		list := ss.byClinic[s.clinic]
		if len(list) == 0 {
			continue
		}
		pos := f.next(d, list, seek(list, from))
		if pos < 0 {
			continue
		}
		h = append(h, cursor{
			start: list[pos].start, chord2: d2, id: list[pos].id,
			km: -1, pos: int32(pos), clinic: s.clinic, // #nosec G115 -- a position in one clinic's list of slots
		})
	}
	return h
}

// seek returns the position of the first entry starting at or after from.
// The index is pruned as time passes, so the first entry usually is it.
func seek(list []entry, from int64) int {
	if len(list) == 0 || list[0].start >= from {
		return 0
	}
	lo, hi := 1, len(list) // list[lo-1].start < from
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if list[m].start < from {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// filter is a query's conditions on a slot, in the entries' terms.
type filter struct {
	to       int64
	exclude  uint8  // flags that disqualify an entry
	weekdays uint8  // bits of the wanted local weekdays
	lang     uint32 // the language's bit; 0: any
	slowLang string // a language without a bit: check the practitioner
	windows  []Window
}

// newFilter reports false when nothing can match.
func (d *directory) newFilter(q Query) (filter, bool) {
	f := filter{to: clampNanos(q.To), weekdays: q.Weekdays, windows: q.Windows}
	if q.To.IsZero() {
		f.to = math.MaxInt64 // no end given: search the whole horizon
	}
	if f.weekdays == 0 {
		f.weekdays = 0x7f
	}
	if !q.IncludeRostered {
		f.exclude = flagRostered
	}
	if q.Language != "" {
		if bit, ok := d.langBit[q.Language]; ok {
			f.lang = bit
		} else if d.otherLangs[q.Language] {
			f.slowLang = q.Language
		} else {
			return f, false
		}
	}
	return f, true
}

// next returns the position of the first entry at or after pos that
// matches, or -1 when none does before the end of the range.
func (f *filter) next(d *directory, list []entry, pos int) int {
	for ; pos < len(list); pos++ {
		e := &list[pos]
		if e.start >= f.to {
			return -1
		}
		if e.flags&f.exclude != 0 || f.weekdays&(1<<e.weekday) == 0 || e.langs&f.lang != f.lang {
			continue
		}
		if len(f.windows) != 0 && !inWindows(f.windows, int(e.minute)) {
			continue
		}
		if f.slowLang != "" && !d.practs[e.pract].Speaks(f.slowLang) {
			continue
		}
		return pos
	}
	return -1
}

func inWindows(ws []Window, minute int) bool {
	for _, w := range ws {
		if minute >= w.StartMinute && minute < w.EndMinute {
			return true
		}
	}
	return false
}

// scratch is a search's reusable space, pooled so that a search allocates
// nothing but the results it appends.
type scratch struct{ heap cursorHeap }

// cursor is a clinic's place in the merge: its next matching slot. It holds
// no pointers, so pooled scratch pins no slot slices.
type cursor struct {
	start  int64
	chord2 float64
	id     int64
	km     float64 // distance, computed when first needed; < 0: not yet
	pos    int32
	clinic int32
	taken  int32
}

// less orders cursors by start, then distance, then slot ID.
func (c *cursor) less(d *cursor) bool {
	if c.start != d.start {
		return c.start < d.start
	}
	if c.chord2 != d.chord2 {
		return c.chord2 < d.chord2
	}
	return c.id < d.id
}

// cursorHeap is a binary min-heap written out by hand: container/heap's
// interface calls cost more than the comparisons themselves here.
type cursorHeap []cursor

func (h cursorHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h cursorHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].less(&h[l]) {
			m = r
		}
		if !h[m].less(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (h *cursorHeap) popTop() {
	old := *h
	n := len(old) - 1
	old[0] = old[n]
	*h = old[:n]
	if n > 0 {
		h.down(0)
	}
}

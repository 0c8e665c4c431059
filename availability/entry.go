package availability

import (
	"math"
	"time"

	"rdv"
)

// entry is one bookable slot in a clinic's slice. It holds everything a
// search filters on, precomputed, in 32 bytes: a clinic's slots for a few
// weeks fit in a few cache lines per hundred.
type entry struct {
	start   int64  // Unix nanoseconds
	id      int64  // slot ID
	dur     uint32 // seconds from start to end
	pract   uint32 // practitioner's position in directory.practs
	langs   uint32 // the practitioner's languages, bits of directory.langBit
	minute  uint16 // local (America/Toronto) minutes after midnight of start
	weekday uint8  // local time.Weekday of start
	flags   uint8
}

// flagRostered marks a slot that only the clinic's rostered patients may
// book.
const flagRostered = 1

func compareEntries(a, b entry) int {
	if c := cmpInt64(a.start, b.start); c != 0 {
		return c
	}
	return cmpInt64(a.id, b.id)
}

// dedupe drops repeated slot IDs from a sorted slice: a scan that yields a
// slot twice must not show it twice.
func dedupe(list []entry) []entry {
	if len(list) < 2 {
		return list
	}
	out := list[:1]
	for _, e := range list[1:] {
		if last := out[len(out)-1]; last.start == e.start && last.id == e.id {
			out[len(out)-1] = e
			continue
		}
		out = append(out, e)
	}
	return out
}

// encode turns a slot into its service number, clinic position and entry.
// It reports false for a slot the index cannot serve: unknown service,
// clinic or practitioner, or times out of range.
func (d *directory) encode(s rdv.Slot, clock *localClock) (int, int32, entry, bool) {
	svc := rdv.ServiceIndex(s.Service)
	if svc < 0 {
		return 0, 0, entry{}, false
	}
	ci, ok := d.clinicPos[s.ClinicID]
	if !ok {
		return 0, 0, entry{}, false
	}
	pi, ok := d.practPos[s.PractitionerID]
	if !ok {
		return 0, 0, entry{}, false
	}
	start, ok := nanosOf(s.Start)
	if !ok {
		return 0, 0, entry{}, false
	}
	dur := s.End.Sub(s.Start) / time.Second
	if dur < 0 || dur > math.MaxUint32 {
		return 0, 0, entry{}, false
	}
	e := entry{
		start: start,
		id:    s.ID,
		dur:   uint32(dur),
		pract: uint32(pi), // #nosec G115 -- a position in the directory, never negative
		langs: d.practLang[pi],
	}
	e.minute, e.weekday = clock.local(s.Start.Unix())
	if s.Audience != rdv.Public && s.Audience != "" {
		// Any audience other than public is kept from search unless the
		// caller asks for restricted slots: an unknown audience must not
		// leak to everyone.
		e.flags |= flagRostered
	}
	return svc, ci, e, true
}

// Unix nanoseconds cover 1678 to 2262.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// nanosOf returns t in Unix nanoseconds, or false when t is out of range.
func nanosOf(t time.Time) (int64, bool) {
	if t.Before(minNanoTime) || t.After(maxNanoTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

// clampNanos returns t in Unix nanoseconds, saturating at the ends of the
// range: a query bound such as the zero time still means "from the start".
func clampNanos(t time.Time) int64 {
	if t.Before(minNanoTime) {
		return math.MinInt64
	}
	if t.After(maxNanoTime) {
		return math.MaxInt64
	}
	return t.UnixNano()
}

// localClock turns Unix seconds into the local minute of day and weekday in
// America/Toronto. It remembers the UTC offset of the last stretch between
// two daylight-saving changes: building the index converts a million slots
// that mostly fall in two or three such stretches.
type localClock struct {
	from, to int64 // [from, to) in Unix seconds where offset holds
	offset   int64 // seconds east of UTC
	valid    bool
}

func (c *localClock) local(unix int64) (minute uint16, weekday uint8) {
	if !c.valid || unix < c.from || unix >= c.to {
		t := time.Unix(unix, 0).In(rdv.Toronto)
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		c.offset = int64(off)
		c.from, c.to = math.MinInt64, math.MaxInt64
		if !start.IsZero() {
			c.from = start.Unix()
		}
		if !end.IsZero() {
			c.to = end.Unix()
		}
		c.valid = true
	}
	local := unix + c.offset
	days := floorDiv(local, 86400)
	secs := local - days*86400
	// 1970-01-01 was a Thursday.
	wd := (days + int64(time.Thursday)) % 7
	if wd < 0 {
		wd += 7
	}
	return uint16(secs / 60), uint8(wd) // #nosec G115 -- minutes of a day (< 1440) and a weekday (0-6)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

package rdv

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The words of a search for a time, shared by the slot search
// (GET /api/v1/slots and the search page) and the appointment requests
// that the platform matches: a request's from, to, weekdays and times mean
// what a search's do, and are read by the same functions, so that a
// request never fits a slot its search would not show.

// Window is a stretch of the local day, in minutes after midnight:
// [StartMinute, EndMinute).
type Window struct{ StartMinute, EndMinute int }

// The parts of the day that searches offer by name, in the page's form and
// in the API alike.
var (
	Morning   = Window{StartMinute: 0, EndMinute: 12 * 60}
	Afternoon = Window{StartMinute: 12 * 60, EndMinute: 17 * 60}
	Evening   = Window{StartMinute: 17 * 60, EndMinute: 24 * 60}
)

// MaxWindows is how many windows of the day a search or a request lists
// at most.
const MaxWindows = 8

// Date ranges of a search: to defaults to from + DefaultSpanDays, and a
// longer span than MaxSpanDays is cut to it.
const (
	DefaultSpanDays = 56
	MaxSpanDays     = 92
)

// weekdayNames are the accepted day names, English and French.
var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"dim": time.Sunday, "lun": time.Monday, "mar": time.Tuesday, "mer": time.Wednesday,
	"jeu": time.Thursday, "ven": time.Friday, "sam": time.Saturday,
}

// ParseWeekdays reads a list of day names ("mon,wed" or "lun,mer") into
// bits (1 << time.Weekday); it reports false for an unknown name or an
// empty list.
func ParseWeekdays(s string) (uint8, bool) {
	var days uint8
	for s != "" {
		var name string
		name, s, _ = strings.Cut(s, ",")
		d, ok := weekdayNames[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			return 0, false
		}
		days |= 1 << d
	}
	return days, days != 0
}

// FormatWeekdays writes weekday bits as ParseWeekdays reads them, in
// English, Sunday first; "" for none.
func FormatWeekdays(days uint8) string {
	names := [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	var b strings.Builder
	for d, name := range names {
		if days&(1<<d) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(name)
		}
	}
	return b.String()
}

// namedWindows are the parts of the day people pick by name.
var namedWindows = map[string]Window{
	"morning":   Morning,
	"afternoon": Afternoon,
	"evening":   Evening,
}

// ParseTimes appends to dst the windows listed in s (morning, afternoon,
// evening or HH:MM-HH:MM) and returns how many; it reports false for a bad
// item, an empty list, or more items than dst has room for.
func ParseTimes(s string, dst []Window) (int, bool) {
	for s != "" {
		var item string
		item, s, _ = strings.Cut(s, ",")
		item = strings.TrimSpace(item)
		w, ok := namedWindows[item]
		if !ok {
			a, b, found := strings.Cut(item, "-")
			start, ok1 := ParseClock(a)
			end, ok2 := ParseClock(b)
			if !found || !ok1 || !ok2 || end <= start {
				return 0, false
			}
			w = Window{StartMinute: start, EndMinute: end}
		}
		if len(dst) == cap(dst) {
			return 0, false
		}
		dst = append(dst, w)
	}
	return len(dst), len(dst) > 0
}

// FormatTimes writes windows as ParseTimes reads them, each as
// HH:MM-HH:MM (24:00 ends the day); "" for none.
func FormatTimes(ws []Window) string {
	var b strings.Builder
	clock := func(m int) {
		if m < 600 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(m / 60))
		b.WriteByte(':')
		if m%60 < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(m % 60))
	}
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(',')
		}
		clock(w.StartMinute)
		b.WriteByte('-')
		clock(w.EndMinute)
	}
	return b.String()
}

// InWindows reports whether a local minute of the day is in one of the
// windows; no windows is any time.
func InWindows(ws []Window, minute int) bool {
	if len(ws) == 0 {
		return true
	}
	for _, w := range ws {
		if minute >= w.StartMinute && minute < w.EndMinute {
			return true
		}
	}
	return false
}

// ParseDateRange reads a search's from and to (YYYY-MM-DD, either may be
// "") into the instants searched: from's local midnight, or now if later
// (a past from starts now; no from is today), to the end of to's local
// day (no to is from + DefaultSpanDays; a span longer than MaxSpanDays is
// cut to it). A to before from is refused. The range may be empty (from
// after to once started): the caller decides what that means.
func ParseDateRange(fromS, toS string, now time.Time) (from, to time.Time, err error) {
	today := DateOf(now)
	fromD := today
	if fromS != "" {
		d, err := ParseDate(fromS)
		if err != nil {
			return time.Time{}, time.Time{}, FieldError("from", "from must be YYYY-MM-DD")
		}
		fromD = d
	}
	given := fromD
	if fromD.Before(today) {
		fromD = today // a past from starts now
	}
	toD := fromD.AddDays(DefaultSpanDays)
	if toS != "" {
		d, err := ParseDate(toS)
		if err != nil {
			return time.Time{}, time.Time{}, FieldError("to", "to must be YYYY-MM-DD")
		}
		if fromS != "" && d.Before(given) {
			return time.Time{}, time.Time{}, FieldError("to", "to is before from")
		}
		toD = d
	}
	if last := fromD.AddDays(MaxSpanDays - 1); last.Before(toD) {
		toD = last
	}
	from = fromD.Start(Toronto)
	if from.Before(now) {
		from = now
	}
	return from, toD.AddDays(1).Start(Toronto), nil
}

// LocalMinute returns the local (America/Toronto) minute of the day and
// weekday of an instant.
func LocalMinute(t time.Time) (minute int, weekday time.Weekday) {
	l := t.In(Toronto)
	return l.Hour()*60 + l.Minute(), l.Weekday()
}

// DistanceKm is the great-circle distance between two points, in km (the
// haversine formula on a sphere of the Earth's mean radius).
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371.0
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(h, 1)))
}

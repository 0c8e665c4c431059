package rdv

import (
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day in the clinics' time zone, independent of any
// instant: working plans and exceptions speak in days, not in instants.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day of t in the clinics' time zone.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Toronto).Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// At returns the instant of the local wall-clock time minute (minutes after
// midnight) on day d. On the night clocks spring forward a wall time that
// does not exist is moved forward by the gap, as the clocks themselves do.
func (d Date) At(minute int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, minute/60, minute%60, 0, 0, loc)
}

// ParseClock reads a wall-clock time "HH:MM" (or "H:MM") as minutes after
// midnight, from 00:00 to 24:00: 24:00 is the end of the day, so that a
// stretch can run to midnight; callers that want a start refuse it. It is
// the one rule for every form and query that takes a time of day.
func ParseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hour, minute := 0, 0
	for _, c := range h {
		if c < '0' || c > '9' {
			return 0, false
		}
		hour = hour*10 + int(c-'0')
	}
	for _, c := range m {
		if c < '0' || c > '9' {
			return 0, false
		}
		minute = minute*10 + int(c-'0')
	}
	if minute > 59 || hour > 24 || (hour == 24 && minute != 0) {
		return 0, false
	}
	return hour*60 + minute, true
}

// Start returns the first instant of day d in loc.
func (d Date) Start(loc *time.Location) time.Time { return d.At(0, loc) }

// PlanBlock is a recurring weekly stretch of work: on Weekday, from
// StartMinute to EndMinute (wall-clock minutes after local midnight; EndMinute
// may pass 1440 for a block that runs past midnight), cut into slots of
// SlotMinutes for Service, open to Audience.
type PlanBlock struct {
	Weekday     time.Weekday
	StartMinute int
	EndMinute   int
	Service     Service
	SlotMinutes int
	Audience    Audience
}

// PlanException removes work from a plan on a day or on each day of a
// stretch [Date, Until]: the whole day (a holiday, leave) or the minutes
// [StartMinute, EndMinute) of it (a closed afternoon). Exceptions stored
// before ranges and IDs existed read with Until and ID zero: one day, an
// ID given when read (see desk.NumberExceptions).
type PlanException struct {
	ID          int64 // unique within its plan
	Date        Date
	Until       Date // the last day of a stretch; zero for Date alone
	AllDay      bool
	StartMinute int
	EndMinute   int
	Reason      string
}

// maxExceptionDays caps the stretch of one exception: a year of leave.
const maxExceptionDays = 366

// LastDay returns the exception's last day.
func (e PlanException) LastDay() Date {
	if e.Until == (Date{}) {
		return e.Date
	}
	return e.Until
}

// Validate checks that the exception names days and, unless it takes them
// whole, a stretch of minutes within each, and normalises it in place:
// one day has no Until, the reason is trimmed, a window that spans the
// whole day is the whole day. Whether it is still to come is the desk's
// rule (desk.CheckException), which knows the clock.
func (e *PlanException) Validate() error {
	e.Reason = strings.TrimSpace(e.Reason)
	if e.Until == e.Date {
		e.Until = Date{}
	}
	if !e.AllDay && e.StartMinute == 0 && e.EndMinute == 24*60 {
		e.AllDay = true
	}
	if e.AllDay {
		e.StartMinute, e.EndMinute = 0, 0
	}
	if err := CheckText("reason", e.Reason); err != nil {
		return err
	}
	switch {
	case e.Date == (Date{}):
		return FieldError("date", "exception without a day")
	case e.LastDay().Before(e.Date):
		return FieldError("until", "last day %s before the first %s", e.LastDay(), e.Date)
	case e.Date.AddDays(maxExceptionDays).Before(e.LastDay()):
		return FieldError("until", "exception longer than a year")
	case len(e.Reason) > 200:
		return FieldError("reason", "reason longer than 200 bytes")
	case e.AllDay:
		return nil
	case e.StartMinute < 0 || e.StartMinute >= 24*60:
		return FieldError("start", "start %d outside the day", e.StartMinute)
	case e.EndMinute <= e.StartMinute || e.EndMinute > 24*60:
		return FieldError("end", "end %d not after start %d within the day", e.EndMinute, e.StartMinute)
	}
	return nil
}

// Span returns the instants from the exception's first minute to its last.
func (e PlanException) Span(loc *time.Location) (from, to time.Time) {
	if e.AllDay {
		return e.Date.Start(loc), e.LastDay().AddDays(1).Start(loc)
	}
	return e.Date.At(e.StartMinute, loc), e.LastDay().At(e.EndMinute, loc)
}

// Covers reports whether the exception takes away any of [start, end).
// Its days are those of the clinics' calendar: a holiday covers the night
// shift's hours after midnight, not those before.
func (e PlanException) Covers(start, end time.Time, loc *time.Location) bool {
	lo, hi := e.Span(loc)
	if !start.Before(hi) || !lo.Before(end) {
		return false
	}
	if e.AllDay {
		return true
	}
	// A window within each day: look at the days [start, end) touches.
	first, last := DateOf(start), DateOf(end.Add(-time.Nanosecond))
	for d := first; !last.Before(d); d = d.AddDays(1) {
		if d.Before(e.Date) || e.LastDay().Before(d) {
			continue
		}
		if start.Before(d.At(e.EndMinute, loc)) && d.At(e.StartMinute, loc).Before(end) {
			return true
		}
	}
	return false
}

// WorkingPlan is a practitioner's weekly plan at a clinic.
type WorkingPlan struct {
	ID             int64
	PractitionerID int64
	ClinicID       int64
	Blocks         []PlanBlock
	Exceptions     []PlanException
}

// Validate checks that the plan's blocks make sense. A block's field
// errors are named after its place in the plan: blocks[2].end.
func (p WorkingPlan) Validate() error {
	for i, b := range p.Blocks {
		if err := b.Validate(); err != nil {
			if e, ok := err.(*Error); ok {
				e.Field = fmt.Sprintf("blocks[%d].%s", i, e.Field)
			}
			return err
		}
	}
	return nil
}

// Validate checks one block: a known service and audience, slots of 5 to
// 240 minutes, a start within the day and an end after it, less than a
// day later (a night block runs past midnight).
func (b PlanBlock) Validate() error {
	switch {
	case !b.Service.Valid():
		return FieldError("service", "unknown service %q", b.Service)
	case b.SlotMinutes < 5 || b.SlotMinutes > 240:
		return FieldError("slot_minutes", "slot length %d out of 5..240", b.SlotMinutes)
	case b.StartMinute < 0 || b.StartMinute >= 24*60:
		return FieldError("start", "start %d outside the day", b.StartMinute)
	case b.EndMinute <= b.StartMinute || b.EndMinute > b.StartMinute+24*60:
		return FieldError("end", "end %d not after start %d", b.EndMinute, b.StartMinute)
	case b.Audience != Public && b.Audience != Rostered:
		return FieldError("audience", "unknown audience %q", b.Audience)
	}
	return nil
}

// Expand cuts the plan into slots for the days [from, to) in loc.
//
// A block starts at its wall-clock time every day, so a 09:00 block stays at
// 09:00 local across daylight-saving changes. Inside a block, slots follow
// each other in elapsed time, so a block that spans the change (a night
// shift) yields neither overlapping nor missing slots: on the night clocks
// fall back it holds one more hour of slots, on the night they spring
// forward one fewer. Slots that would not fit whole before the block's end
// are not made. IDs are left zero for the store to assign.
func (p WorkingPlan) Expand(from, to Date, loc *time.Location) []Slot {
	var out []Slot
	for d := from; d.Before(to); d = d.AddDays(1) {
		out = p.appendDay(out, d, loc)
	}
	return out
}

func (p WorkingPlan) appendDay(out []Slot, d Date, loc *time.Location) []Slot {
	wd := d.Weekday()
	for _, b := range p.Blocks {
		if b.Weekday != wd {
			continue
		}
		start, end := d.At(b.StartMinute, loc), d.At(b.EndMinute, loc)
		step := time.Duration(b.SlotMinutes) * time.Minute
		for t := start; !t.Add(step).After(end); t = t.Add(step) {
			if p.excepted(t, t.Add(step), loc) {
				continue
			}
			out = append(out, Slot{
				ClinicID:       p.ClinicID,
				PractitionerID: p.PractitionerID,
				Service:        b.Service,
				Start:          t.UTC(),
				End:            t.Add(step).UTC(),
				Audience:       b.Audience,
				State:          SlotFree,
			})
		}
	}
	return out
}

// excepted reports whether an exception covers the slot [start, end).
func (p WorkingPlan) excepted(start, end time.Time, loc *time.Location) bool {
	for _, e := range p.Exceptions {
		if e.Covers(start, end, loc) {
			return true
		}
	}
	return false
}

package api

import (
	"fmt"
	"strings"
	"time"

	"rdv"
)

// exceptionInput is an exception to a practitioner's working plan as a
// clinic admin sends it, the portal's form in JSON: a first day, an
// optional last day, optional hours (none: the whole day), a reason.
type exceptionInput struct {
	Date   string `json:"date"`
	Until  string `json:"until"`
	AllDay *bool  `json:"all_day"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Reason string `json:"reason"`
}

// exceptionJSON is a stored exception, rdv.PlanException in JSON.
type exceptionJSON struct {
	ID     int64  `json:"id"`
	Date   string `json:"date"`
	Until  string `json:"until"` // the last day: date itself for one day
	AllDay bool   `json:"all_day"`
	Start  string `json:"start,omitempty"` // "13:00", without all_day
	End    string `json:"end,omitempty"`   // "17:00"; "24:00" is midnight
	Reason string `json:"reason"`
}

// exceptionSlotJSON is a slot an exception withdraws, restores or is
// blocked by.
type exceptionSlotJSON struct {
	ID       int64         `json:"id"`
	Start    string        `json:"start"`
	End      string        `json:"end"`
	Service  rdv.Service   `json:"service"`
	Audience rdv.Audience  `json:"audience"`
	State    rdv.SlotState `json:"state"`
}

// exception reads the input as the portal reads its form. Days and
// hours that do not parse are invalid fields; what the days and hours
// must satisfy (not past, a year at most, end after start) the desk
// decides, with the same fields.
func (in exceptionInput) exception() (rdv.PlanException, error) {
	var e rdv.PlanException
	var err error
	if e.Date, err = rdv.ParseDate(strings.TrimSpace(in.Date)); err != nil {
		return e, rdv.FieldError("date", "date %q: want YYYY-MM-DD", in.Date)
	}
	if u := strings.TrimSpace(in.Until); u != "" {
		if e.Until, err = rdv.ParseDate(u); err != nil {
			return e, rdv.FieldError("until", "until %q: want YYYY-MM-DD", in.Until)
		}
	}
	start, end := strings.TrimSpace(in.Start), strings.TrimSpace(in.End)
	switch {
	case start == "" && end == "":
		if in.AllDay != nil && !*in.AllDay {
			return e, rdv.FieldError("start", "all_day false without start and end")
		}
		e.AllDay = true
	case in.AllDay != nil && *in.AllDay:
		return e, rdv.FieldError("start", "all_day with start or end")
	default:
		a, ok := rdv.ParseClock(start)
		if !ok || a >= 24*60 {
			return e, rdv.FieldError("start", "start %q: want HH:MM", in.Start)
		}
		b, ok := rdv.ParseClock(end)
		if end == "00:00" {
			b, ok = 24*60, true // the end of the day, as the portal reads it
		}
		if !ok {
			return e, rdv.FieldError("end", "end %q: want HH:MM", in.End)
		}
		e.StartMinute, e.EndMinute = a, b
	}
	e.Reason = in.Reason
	return e, nil
}

func exceptionOf(e rdv.PlanException) exceptionJSON {
	out := exceptionJSON{ID: e.ID, Date: e.Date.String(), Until: e.LastDay().String(), AllDay: e.AllDay, Reason: e.Reason}
	if !e.AllDay {
		out.Start, out.End = clock(e.StartMinute), clock(e.EndMinute)
	}
	return out
}

// clock writes minutes after midnight as HH:MM; 1440 is 24:00.
func clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

func exceptionSlotsOf(slots []rdv.Slot) []exceptionSlotJSON {
	out := make([]exceptionSlotJSON, 0, len(slots))
	for _, sl := range slots {
		out = append(out, exceptionSlotJSON{ID: sl.ID, Start: localTime(sl.Start), End: localTime(sl.End),
			Service: sl.Service, Audience: sl.Audience, State: sl.State})
	}
	return out
}

// localTime writes an instant as the API does everywhere: RFC 3339 in the
// clinics' time zone, to the second.
func localTime(t time.Time) string {
	return t.In(rdv.Toronto).Truncate(time.Second).Format(time.RFC3339)
}

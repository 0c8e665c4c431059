package web

import (
	"net/url"
	"strconv"

	"rdv"
)

// The day view shows at a glance what the desk acts on: one practitioner
// or all (?praticien=, a select that works without JavaScript), and only
// the times still free, booked and arrived; blocked times, past free
// ones and finished visits are one link away (?tout=1). Each row carries
// one primary action; details and the other actions are on the row's own
// page (portal_item.go).

// dayView is how the day view is narrowed, kept in its links.
type dayView struct {
	Practitioner int64 // 0 for all
	All          bool  // every row, not only those at a glance
}

// dayViewOf reads the view from a query; an unknown practitioner is all.
func dayViewOf(q url.Values) dayView {
	id, err := strconv.ParseInt(q.Get("praticien"), 10, 64)
	if err != nil || id < 0 {
		id = 0
	}
	return dayView{Practitioner: id, All: q.Get("tout") == "1"}
}

// url returns the day view of day with v's narrowing.
func (v dayView) url(day rdv.Date) string {
	q := v.values()
	q.Set("date", day.String())
	return "/clinique?" + q.Encode()
}

// values returns v's narrowing as query parameters.
func (v dayView) values() url.Values {
	q := url.Values{}
	if v.Practitioner != 0 {
		q.Set("praticien", strconv.FormatInt(v.Practitioner, 10))
	}
	if v.All {
		q.Set("tout", "1")
	}
	return q
}

// query returns v's narrowing as a query string ("?praticien=1"), "" when
// the view is the whole clinic at a glance: a row's own page takes it
// back to the day it came from.
func (v dayView) query() string {
	if q := v.values(); len(q) > 0 {
		return "?" + q.Encode()
	}
	return ""
}

// atGlance reports whether a row is one the desk acts on now: a free time
// still to come, a booked or arrived visit.
func atGlance(row agendaRow) bool {
	if row.AppointmentID != 0 {
		return row.Status == rdv.Booked || row.Status == rdv.Arrived
	}
	return row.State == rdv.SlotFree && !row.Past
}

// narrow keeps the practitioner asked for (all when the clinic has no
// such practitioner) and, unless v.All, the rows at a glance; it returns
// how many rows it left out.
func (v dayView) narrow(days []practitionerDay) (shown []practitionerDay, hidden int) {
	known := false
	for _, d := range days {
		known = known || d.ID == v.Practitioner
	}
	for _, d := range days {
		if known && d.ID != v.Practitioner {
			continue
		}
		if !v.All {
			rows := make([]agendaRow, 0, len(d.Rows))
			for _, row := range d.Rows {
				if atGlance(row) {
					rows = append(rows, row)
				}
			}
			hidden += len(d.Rows) - len(rows)
			d.Rows = rows
		}
		shown = append(shown, d)
	}
	return shown, hidden
}

// choices returns the practitioner select's options, all first.
func (v dayView) choices(days []practitionerDay, lang string) []option {
	out := []option{{Value: "", Label: translate(lang, "portal.filter.all"), Selected: v.Practitioner == 0}}
	for _, d := range days {
		out = append(out, option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name, Selected: d.ID == v.Practitioner})
	}
	return out
}

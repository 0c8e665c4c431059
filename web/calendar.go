package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// icsTime is the UTC form of date-times in iCalendar (RFC 5545 §3.3.5).
const icsTime = "20060102T150405Z"

// calendarEvent is what an "add to calendar" file says about one
// appointment.
type calendarEvent struct {
	UID               string // stable, so that a second download updates the first
	Stamp, Start, End time.Time
	Summary, Location string
	Description       string
	// URL is the appointment's page, absolute; "" leaves it out (a
	// relative link is no URI to a calendar).
	URL string
	// Sequence is the appointment's revision: a calendar replaces an
	// event it has by one of the same UID only when this is higher.
	Sequence  int
	Alarms    []calendarAlarm // none once cancelled
	Cancelled bool
}

// calendarAlarm is a reminder that the calendar shows a while before the
// appointment.
type calendarAlarm struct {
	Before      time.Duration // whole minutes
	Description string
}

// reminders are how long before an appointment its calendar file asks
// for a reminder: the day before, to arrange the time off, and two hours
// before, to leave.
var reminders = []time.Duration{24 * time.Hour, 2 * time.Hour}

// writeICS writes the event as an iCalendar object (RFC 5545): CRLF line
// endings, text values escaped, lines folded at 75 octets.
func writeICS(ev calendarEvent) string {
	var b strings.Builder
	line := func(name, value string) { b.WriteString(foldICS(name + ":" + value)) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//rdv//Rendez-vous sante Quebec//FR")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("BEGIN", "VEVENT")
	line("UID", escapeICS(ev.UID))
	line("DTSTAMP", ev.Stamp.UTC().Format(icsTime))
	line("DTSTART", ev.Start.UTC().Format(icsTime))
	line("DTEND", ev.End.UTC().Format(icsTime))
	line("SUMMARY", escapeICS(ev.Summary))
	line("LOCATION", escapeICS(ev.Location))
	if ev.Description != "" {
		line("DESCRIPTION", escapeICS(ev.Description))
	}
	if ev.URL != "" {
		line("URL", ev.URL)
	}
	line("SEQUENCE", strconv.Itoa(ev.Sequence))
	if ev.Cancelled {
		line("STATUS", "CANCELLED")
	} else {
		line("STATUS", "CONFIRMED")
		for _, a := range ev.Alarms {
			line("BEGIN", "VALARM")
			line("ACTION", "DISPLAY")
			line("DESCRIPTION", escapeICS(a.Description))
			line("TRIGGER", "-"+icsDuration(a.Before))
			line("END", "VALARM")
		}
	}
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return b.String()
}

// icsDuration writes a positive duration as an iCalendar DURATION
// (RFC 5545 §3.3.6) in hours, or in minutes when it is not whole hours:
// PT24H, PT90M.
func icsDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return "PT" + strconv.FormatInt(int64(d/time.Hour), 10) + "H"
	}
	return "PT" + strconv.FormatInt(int64(d/time.Minute), 10) + "M"
}

// escapeICS escapes a TEXT value (RFC 5545 §3.3.11): backslash, comma,
// semicolon and line breaks.
func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldICS ends a content line with CRLF, folding it so that no line is
// longer than 75 octets (RFC 5545 §3.1): a continuation starts with a
// space. A fold never splits a UTF-8 character.
func foldICS(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}

// utf8Start reports whether b begins a UTF-8 character.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// calendar serves the appointment as an .ics file, to the holder of its
// link only: the token comes in the query, as on the appointment page.
func (s *Server) calendar(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	a, ok := s.linkedAppointment(w, r, token)
	if !ok {
		return
	}
	lang := langOf(r.Context())
	v := s.viewSlot(a.Slot)
	summary := translate(lang, "ics.summary", a.Slot.Service.Name(lang), v.ClinicName)
	desc := translate(lang, "ics.description", strconv.FormatInt(a.ID, 10))
	if v.Practitioner != "" {
		desc = translate(lang, "results.with", practitionerName(v.Practitioner, lang)) + "\n" + desc
	}
	if v.ClinicPhone != "" {
		desc += "\n" + v.ClinicPhone
	}
	ev := calendarEvent{
		UID:         fmt.Sprintf("rdv-%d@rdv", a.ID),
		Stamp:       s.d.Engine.Now(),
		Start:       a.Slot.Start,
		End:         a.Slot.End,
		Summary:     summary,
		Location:    v.ClinicName + ", " + v.Address + ", " + v.City,
		Description: desc,
		Sequence:    a.Revision,
		Cancelled:   a.Status == rdv.Cancelled,
	}
	if s.publicURL != "" {
		// The person's own page, token included, as the link of the
		// confirmation: the file is theirs, like the page it came from.
		// Built from the configured address, never the Host header.
		ev.URL = s.publicURL + appointmentURL(a.ID, token, "")
	}
	alarm := translate(lang, "ics.alarm", FormatDateTime(a.Slot.Start, lang), v.ClinicName)
	for _, before := range reminders {
		ev.Alarms = append(ev.Alarms, calendarAlarm{Before: before, Description: alarm})
	}
	body := writeICS(ev)
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="rendez-vous-%d.ics"`, a.ID))
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write([]byte(body))
}

// calendarURL is the link of the .ics file of an appointment.
func calendarURL(id int64, token string) string {
	return fmt.Sprintf("/rendez-vous/%d/calendrier.ics?%s", id, url.Values{"token": {token}}.Encode())
}

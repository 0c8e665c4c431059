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
	Cancelled         bool
}

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
	if ev.Cancelled {
		line("STATUS", "CANCELLED")
	} else {
		line("STATUS", "CONFIRMED")
	}
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return b.String()
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
	a, ok := s.linkedAppointment(w, r, r.URL.Query().Get("token"))
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
	body := writeICS(calendarEvent{
		UID:         fmt.Sprintf("rdv-%d@rdv", a.ID),
		Stamp:       s.d.Engine.Now(),
		Start:       a.Slot.Start,
		End:         a.Slot.End,
		Summary:     summary,
		Location:    v.ClinicName + ", " + v.Address + ", " + v.City,
		Description: desc,
		Cancelled:   a.Status == rdv.Cancelled,
	})
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

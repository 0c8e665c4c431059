// Package ical writes the iCalendar files (RFC 5545) of appointments:
// the one the appointment's page offers and the one its confirmation
// email attaches, both from AppointmentEvent, so that they are the same
// event: one UID, whose SEQUENCE (the appointment's revision) lets a
// calendar that has one replace it by the other when the appointment
// moves or is cancelled. The clinics' staff calendars subscribe to feeds
// of many events (WriteCalendar, StaffEvent), which name no patient.
package ical

import (
	"strconv"
	"strings"
	"time"
)

// DateTime is the layout of UTC date-times in iCalendar (RFC 5545
// §3.3.5).
const DateTime = "20060102T150405Z"

// Event is what a calendar file says about one appointment.
type Event struct {
	UID               string // stable, so that a second file updates the first
	Stamp, Start, End time.Time
	Summary, Location string
	Description       string
	// URL is the appointment's page, absolute; "" leaves it out (a
	// relative link is no URI to a calendar).
	URL string
	// Sequence is the appointment's revision: a calendar replaces an
	// event it has by one of the same UID only when this is higher.
	Sequence  int
	Alarms    []Alarm // none once cancelled
	Cancelled bool
}

// Alarm is a reminder that the calendar shows a while before the
// appointment.
type Alarm struct {
	Before      time.Duration // whole minutes
	Description string
}

// Write writes the event as an iCalendar object (RFC 5545) published as
// is (METHOD:PUBLISH): CRLF line endings, text values escaped, lines
// folded at 75 octets.
func Write(ev Event) string { return WriteCalendar(Calendar{Events: []Event{ev}}) }

// Calendar is many events at one address: a staff calendar's
// subscription (a feed), which the calendar fetches again every Refresh
// and takes whole, so that an event gone from it is gone from the
// calendar.
type Calendar struct {
	// Name is what the calendar is called where it is shown (NAME of
	// RFC 7986 and X-WR-CALNAME, which more calendars read); "" for none.
	Name string
	// Refresh is how often a subscribed calendar should fetch it again
	// (X-PUBLISHED-TTL, whole minutes); 0 leaves it to the calendar.
	Refresh time.Duration
	Events  []Event
}

// WriteCalendar writes the calendar as an iCalendar object published as
// is (METHOD:PUBLISH), each event as Write writes one.
func WriteCalendar(c Calendar) string {
	var b strings.Builder
	line := func(name, value string) { b.WriteString(fold(name + ":" + value)) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//rdv//Rendez-vous sante Quebec//FR")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if c.Name != "" {
		line("NAME", escape(c.Name))
		line("X-WR-CALNAME", escape(c.Name))
	}
	if c.Refresh > 0 {
		line("X-PUBLISHED-TTL", duration(c.Refresh))
	}
	for _, ev := range c.Events {
		writeEvent(line, ev)
	}
	line("END", "VCALENDAR")
	return b.String()
}

// writeEvent writes one VEVENT with line.
func writeEvent(line func(name, value string), ev Event) {
	line("BEGIN", "VEVENT")
	line("UID", escape(ev.UID))
	line("DTSTAMP", ev.Stamp.UTC().Format(DateTime))
	line("DTSTART", ev.Start.UTC().Format(DateTime))
	line("DTEND", ev.End.UTC().Format(DateTime))
	line("SUMMARY", escape(ev.Summary))
	line("LOCATION", escape(ev.Location))
	if ev.Description != "" {
		line("DESCRIPTION", escape(ev.Description))
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
			line("DESCRIPTION", escape(a.Description))
			line("TRIGGER", "-"+duration(a.Before))
			line("END", "VALARM")
		}
	}
	line("END", "VEVENT")
}

// duration writes a positive duration as an iCalendar DURATION
// (RFC 5545 §3.3.6) in hours, or in minutes when it is not whole hours:
// PT24H, PT90M.
func duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return "PT" + strconv.FormatInt(int64(d/time.Hour), 10) + "H"
	}
	return "PT" + strconv.FormatInt(int64(d/time.Minute), 10) + "M"
}

// escape escapes a TEXT value (RFC 5545 §3.3.11): backslash, comma,
// semicolon and line breaks.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold ends a content line with CRLF, folding it so that no line is
// longer than 75 octets (RFC 5545 §3.1): a continuation starts with a
// space. A fold never splits a UTF-8 character.
func fold(s string) string {
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

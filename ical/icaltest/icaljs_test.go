package icaltest

import (
	"strings"
	"testing"
)

// TestICALJSRefuses checks that ical.js can fail: the good calendar is
// taken, each broken one refused, all in one run of node.
func TestICALJSRefuses(t *testing.T) {
	t.Parallel()
	RequireICALJS(t)
	good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:rdv-7@rdv\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20260102T150000Z\r\nDTEND:20260102T151500Z\r\nSUMMARY:Clinique du Plateau\\, Montréal\r\nSEQUENCE:3\r\n" +
		"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:r\r\nTRIGGER:-PT2H\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	bad := []struct{ name, body string }{
		{"unclosed", strings.TrimSuffix(good, "END:VCALENDAR\r\n")},
		{"line not a prop", strings.Replace(good, "SEQUENCE:3", "SEQUENCE 3", 1)},
		{"parameter without value", strings.Replace(good, "DTSTART:", "DTSTART;TZID:", 1)},
		{"malformed start", strings.Replace(good, "DTSTART:20260102T150000Z", "DTSTART:2026010", 1)},
		{"end before", strings.Replace(good, "DTEND:20260102T151500Z", "DTEND:20260102T140000Z", 1)},
		{"no UID", strings.Replace(good, "UID:rdv-7@rdv\r\n", "", 1)},
		{"no stamp", strings.Replace(good, "DTSTAMP:20260101T000000Z\r\n", "", 1)},
		{"no end", strings.Replace(good, "DTEND:20260102T151500Z\r\n", "", 1)},
		{"no version", strings.Replace(good, "VERSION:2.0\r\n", "", 1)},
		{"no calendar", strings.Replace(strings.Replace(good, "BEGIN:VCALENDAR", "BEGIN:VTODO", 1), "END:VCALENDAR", "END:VTODO", 1)},
		{"no event", strings.Replace(strings.Replace(good, "BEGIN:VEVENT", "BEGIN:VTODO", 1), "END:VEVENT", "END:VTODO", 1)},
	}
	bodies := []string{good}
	for _, b := range bad {
		bodies = append(bodies, b.body)
	}
	errs, err := ICALJS(bodies)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil {
		t.Fatalf("ical.js refuses a good calendar: %v", errs[0])
	}
	for i, b := range bad {
		if errs[i+1] == nil {
			t.Errorf("%s: ical.js took it", b.name)
		} else {
			t.Logf("%s: %v", b.name, errs[i+1])
		}
	}
}

package icaltest

import (
	"strings"
	"testing"
	"time"
)

// TestParseRefuses checks that the checker can fail: each broken
// calendar is refused.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260102T000000Z\r\n" +
		"SEQUENCE:0\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:r\r\nTRIGGER:-PT2H\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := Parse(good); err != nil {
		t.Fatalf("the checker refuses a good calendar: %v", err)
	}
	for name, bad := range map[string]string{
		"LF endings":         strings.ReplaceAll(good, "\r\n", "\n"),
		"bare comma":         strings.Replace(good, "DESCRIPTION:r", "DESCRIPTION:a,b", 1),
		"two sequences":      strings.Replace(good, "SEQUENCE:0\r\n", "SEQUENCE:0\r\nSEQUENCE:1\r\n", 1),
		"negative sequence":  strings.Replace(good, "SEQUENCE:0", "SEQUENCE:-1", 1),
		"alarm without text": strings.Replace(good, "DESCRIPTION:r\r\n", "", 1),
		"bad trigger":        strings.Replace(good, "-PT2H", "-2H", 1),
		"unclosed":           strings.TrimSuffix(good, "END:VCALENDAR\r\n"),
		"long line":          strings.Replace(good, "PRODID:x", "PRODID:"+strings.Repeat("x", 80), 1),
		"no UID":             strings.Replace(good, "UID:u\r\n", "", 1),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: the checker took it", name)
		}
	}
}

// TestIndependentRefuses checks that the second parser's checks can fail:
// each calendar below is refused, the good one read as it is.
func TestIndependentRefuses(t *testing.T) {
	t.Parallel()
	good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:rdv-7@rdv\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20260102T150000Z\r\nDTEND:20260102T151500Z\r\nURL:https://rdv.example.org/rendez-vous/7?token=t\r\nSEQUENCE:3\r\n" +
		"STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	got, err := Independent(good)
	if err != nil || len(got) != 1 {
		t.Fatalf("a good calendar: %+v, %v", got, err)
	}
	want := Checked{UID: "rdv-7@rdv", Sequence: 3, Start: time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC),
		End: time.Date(2026, 1, 2, 15, 15, 0, 0, time.UTC), URL: "https://rdv.example.org/rendez-vous/7?token=t", Status: "CONFIRMED"}
	if got[0] != want {
		t.Errorf("read %+v, want %+v", got[0], want)
	}
	zoned := strings.NewReplacer("DTSTART:20260102T150000Z", "DTSTART;TZID=America/Toronto:20260102T100000",
		"DTEND:20260102T151500Z", "DTEND;TZID=America/Toronto:20260102T101500").Replace(good)
	if got, err := Independent(zoned); err != nil || !got[0].Start.Equal(want.Start) {
		t.Errorf("a start with a TZID: %+v, %v", got, err)
	}
	for name, bad := range map[string]string{
		"floating start":  strings.Replace(good, "DTSTART:20260102T150000Z", "DTSTART:20260102T150000", 1),
		"unknown zone":    strings.Replace(good, "DTSTART:20260102T150000Z", "DTSTART;TZID=Mars/Olympus:20260102T150000", 1),
		"UTC and TZID":    strings.Replace(good, "DTSTART:20260102T150000Z", "DTSTART;TZID=America/Toronto:20260102T150000Z", 1),
		"end before":      strings.Replace(good, "DTEND:20260102T151500Z", "DTEND:20260102T140000Z", 1),
		"no UID":          strings.Replace(good, "UID:rdv-7@rdv\r\n", "", 1),
		"no sequence":     strings.Replace(good, "SEQUENCE:3\r\n", "", 1),
		"sequence x":      strings.Replace(good, "SEQUENCE:3", "SEQUENCE:x", 1),
		"sequence -1":     strings.Replace(good, "SEQUENCE:3", "SEQUENCE:-1", 1),
		"relative link":   strings.Replace(good, "URL:https://rdv.example.org", "URL:", 1),
		"local stamp":     strings.Replace(good, "DTSTAMP:20260101T000000Z", "DTSTAMP:20260101T000000", 1),
		"line not a prop": strings.Replace(good, "STATUS:CONFIRMED", "STATUS CONFIRMED", 1),
		"no calendar":     strings.Replace(good, "BEGIN:VCALENDAR", "BEGIN:VTODO", 1),
		"no event":        strings.Replace(strings.Replace(good, "BEGIN:VEVENT", "BEGIN:VTODO", 1), "END:VEVENT", "END:VTODO", 1),
	} {
		if got, err := Independent(bad); err == nil {
			t.Errorf("%s: taken as %+v", name, got)
		}
	}
}

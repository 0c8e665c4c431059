package icaltest

import (
	"strings"
	"testing"
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

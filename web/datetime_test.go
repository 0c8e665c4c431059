package web

import (
	"testing"
	"time"

	"rdv"
)

func TestFormatDateTime(t *testing.T) {
	t.Parallel()
	at := func(y int, m time.Month, d, h, min int) time.Time {
		// Built in local time, handed over in UTC, as stores keep them.
		return time.Date(y, m, d, h, min, 0, 0, rdv.Toronto).UTC()
	}
	tests := []struct {
		name   string
		t      time.Time
		fr, en string
	}{
		{"morning", at(2026, time.December, 8, 9, 30), "mardi 8 décembre, 9 h 30", "Tuesday, December 8, 9:30 a.m."},
		{"on the hour", at(2026, time.December, 8, 14, 0), "mardi 8 décembre, 14 h", "Tuesday, December 8, 2:00 p.m."},
		{"first of the month", at(2026, time.December, 1, 8, 5), "mardi 1er décembre, 8 h 05", "Tuesday, December 1, 8:05 a.m."},
		{"noon", at(2026, time.August, 15, 12, 0), "samedi 15 août, 12 h", "Saturday, August 15, 12:00 p.m."},
		{"midnight", at(2027, time.February, 1, 0, 10), "lundi 1er février, 0 h 10", "Monday, February 1, 12:10 a.m."},
		{"evening", at(2026, time.June, 24, 19, 45), "mercredi 24 juin, 19 h 45", "Wednesday, June 24, 7:45 p.m."},
		// 01:30 UTC on 8 March 2026 is 20:30 local the day before (EST);
		// the day must follow the clinic's zone, not UTC.
		{"day from the clinic's zone", time.Date(2026, time.March, 8, 1, 30, 0, 0, time.UTC), "samedi 7 mars, 20 h 30", "Saturday, March 7, 8:30 p.m."},
		// After the spring change, 13:00 UTC is 9:00 EDT.
		{"daylight time", time.Date(2026, time.March, 9, 13, 0, 0, 0, time.UTC), "lundi 9 mars, 9 h", "Monday, March 9, 9:00 a.m."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDateTime(tt.t, "fr"); got != tt.fr {
				t.Errorf("fr: got %q, want %q", got, tt.fr)
			}
			if got := FormatDateTime(tt.t, "en"); got != tt.en {
				t.Errorf("en: got %q, want %q", got, tt.en)
			}
		})
	}
}

func TestFormatKm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		km     float64
		fr, en string
	}{
		{3.24, "3,2\u00a0km", "3.2\u00a0km"},
		{0, "0,0\u00a0km", "0.0\u00a0km"},
		{12.96, "13,0\u00a0km", "13.0\u00a0km"},
	}
	for _, tt := range tests {
		if got := FormatKm(tt.km, "fr"); got != tt.fr {
			t.Errorf("FormatKm(%v, fr) = %q, want %q", tt.km, got, tt.fr)
		}
		if got := FormatKm(tt.km, "en"); got != tt.en {
			t.Errorf("FormatKm(%v, en) = %q, want %q", tt.km, got, tt.en)
		}
	}
}

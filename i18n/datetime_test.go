package i18n

import (
	"testing"
	"time"

	"rdv"
)

func TestFormatFullDateTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		t      time.Time
		fr, en string
	}{
		{"morning", time.Date(2026, time.December, 8, 9, 30, 0, 0, rdv.Toronto), "mardi 8 décembre 2026 à 9 h 30", "Tuesday, December 8, 2026 at 9:30 a.m."},
		{"first of the month, on the hour", time.Date(2027, time.January, 1, 14, 0, 0, 0, rdv.Toronto), "vendredi 1er janvier 2027 à 14 h", "Friday, January 1, 2027 at 2:00 p.m."},
		// 03:30 UTC on 1 January 2027 is still 31 December 2026 in
		// Toronto: the year, like the day, follows the clinic's zone.
		{"year from the clinic's zone", time.Date(2027, time.January, 1, 3, 30, 0, 0, time.UTC), "jeudi 31 décembre 2026 à 22 h 30", "Thursday, December 31, 2026 at 10:30 p.m."},
	}
	for _, tt := range tests {
		if got := FormatFullDateTime(tt.t.UTC(), "fr"); got != tt.fr {
			t.Errorf("%s fr: got %q, want %q", tt.name, got, tt.fr)
		}
		if got := FormatFullDateTime(tt.t.UTC(), "en"); got != tt.en {
			t.Errorf("%s en: got %q, want %q", tt.name, got, tt.en)
		}
	}
}

func TestWeekday(t *testing.T) {
	t.Parallel()
	if got := Weekday(time.Tuesday, "fr"); got != "mardi" {
		t.Errorf("fr: %q", got)
	}
	if got := Weekday(time.Tuesday, "en"); got != "Tuesday" {
		t.Errorf("en: %q", got)
	}
}

func TestPractitionerName(t *testing.T) {
	t.Parallel()
	for name, en := range map[string]string{"Dre Tremblay": "Dr. Tremblay", "Dr Gagnon": "Dr. Gagnon", "Marie Roy": "Marie Roy"} {
		if got := PractitionerName(name, "en"); got != en {
			t.Errorf("%q in English: %q, want %q", name, got, en)
		}
		if got := PractitionerName(name, "fr"); got != name {
			t.Errorf("%q in French: %q", name, got)
		}
	}
}

package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 8, 14, 30, 0, 0, time.UTC)
	got := Write(Event{
		UID:         "rdv-42@rdv",
		Stamp:       time.Date(2026, 11, 28, 9, 5, 7, 0, time.UTC),
		Start:       start,
		End:         start.Add(15 * time.Minute),
		Summary:     "Rendez-vous médical : Consultation générale, Clinique du Plateau",
		Location:    "Clinique du Plateau; 1000 avenue du Mont-Royal Est, Montréal",
		Description: "avec Dre Amélie Tremblay\nC:\\dossier " + strings.Repeat("é", 60),
	})
	unfolded := strings.ReplaceAll(got, "\r\n ", "")
	for _, want := range []string{
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
		"METHOD:PUBLISH\r\n",
		"BEGIN:VEVENT\r\nUID:rdv-42@rdv\r\nDTSTAMP:20261128T090507Z\r\n",
		"DTSTART:20261208T143000Z\r\nDTEND:20261208T144500Z\r\n",
		`SUMMARY:Rendez-vous médical : Consultation générale\, Clinique du Plateau` + "\r\n",
		`LOCATION:Clinique du Plateau\; 1000 avenue du Mont-Royal Est\, Montréal` + "\r\n",
		`DESCRIPTION:avec Dre Amélie Tremblay\nC:\\dossier `,
		"STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("calendar lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\r") {
		t.Errorf("a bare line break in the calendar:\n%q", got)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	folded := 0
	for _, l := range lines {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("a fold split a character: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Errorf("the long description was not folded:\n%s", got)
	}
	// Unfolding gives the escaped description back whole.
	if !strings.Contains(unfolded, `DESCRIPTION:avec Dre Amélie Tremblay\nC:\\dossier `+strings.Repeat("é", 60)+"\r\n") {
		t.Errorf("unfolded description wrong:\n%s", unfolded)
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 74, 75, 76, 150, 151, 400} {
		line := strings.Repeat("x", n)
		got := fold(line)
		if !strings.HasSuffix(got, "\r\n") {
			t.Fatalf("%d: no CRLF at the end", n)
		}
		parts := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
		for i, p := range parts {
			if len(p) > 75 {
				t.Errorf("%d: part %d has %d octets", n, i, len(p))
			}
			if i > 0 && !strings.HasPrefix(p, " ") {
				t.Errorf("%d: continuation %d does not start with a space", n, i)
			}
		}
		if back := strings.ReplaceAll(strings.TrimSuffix(got, "\r\n"), "\r\n ", ""); back != line {
			t.Errorf("%d: unfolds to %d octets", n, len(back))
		}
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		24 * time.Hour:   "PT24H",
		2 * time.Hour:    "PT2H",
		90 * time.Minute: "PT90M",
		15 * time.Minute: "PT15M",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

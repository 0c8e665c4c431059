package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWriteICS(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 8, 14, 30, 0, 0, time.UTC)
	got := writeICS(calendarEvent{
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
		if !utf8Valid(l) {
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

func utf8Valid(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}

func TestFoldICS(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 74, 75, 76, 150, 151, 400} {
		line := strings.Repeat("x", n)
		got := foldICS(line)
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

var calendarLink = regexp.MustCompile(`href="(/rendez-vous/\d+/calendrier\.ics\?token=[^"]+)"`)

// bookFirst books the first slot found and returns the appointment page's
// URL and body.
func bookFirst(t *testing.T, s *site, lang string) (string, string) {
	t.Helper()
	formURL := s.holdFirst(lang)
	form := s.get(formURL, lang).want(t, http.StatusOK)
	v := adult(lang)
	v.Set("cle", hiddenValue(t, form.body, "cle"))
	apptURL := s.post(formURL, v, lang).want(t, http.StatusSeeOther).location(t)
	return apptURL, s.get(apptURL, lang).want(t, http.StatusOK).body
}

func TestCalendarDownload(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	_, page := bookFirst(t, s, "fr")
	m := calendarLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no calendar link on the appointment page")
	}
	link := unescape(m[1])
	ics := s.get(link, "fr").want(t, http.StatusOK)
	if ct := ics.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := ics.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	ics.body = strings.ReplaceAll(ics.body, "\r\n ", "")
	ics.contains(t, "BEGIN:VEVENT", "SUMMARY:Rendez-vous médical : Consultation générale\\, Clinique du Plateau", "LOCATION:Clinique du Plateau\\, ")
	// Without the right token, there is no calendar.
	u, _ := url.Parse(link)
	s.get(u.Path+"?token=faux", "fr").want(t, http.StatusNotFound)
	s.get(u.Path, "fr").want(t, http.StatusNotFound)
}

package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

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

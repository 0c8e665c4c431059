package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var moreLink = regexp.MustCompile(`<a href="(/recherche/clinique/(\d+)\?[^"]*)">`)

func TestMoreTimes(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	for _, lang := range []string{"fr", "en"} {
		res := s.get(s.searchQuery(), lang).want(t, http.StatusOK)
		m := moreLink.FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("%s: no \"more times\" link on the results", lang)
		}
		if n := strings.Count(res.body, `/recherche/clinique/`+m[2]+`?`); n != 1 {
			t.Errorf("%s: %d links to the same clinic's times, want 1", lang, n)
		}
		more := s.get(unescape(m[1]), lang).want(t, http.StatusOK)
		more.contains(t, translate(lang, "more.title"), "Clinique du Plateau", translate(lang, "results.choose"), translate(lang, "more.back"))
		// More than the results' three per clinic, all at this clinic.
		if n := strings.Count(more.body, `name="slot_id"`); n <= resultsPerClinic {
			t.Errorf("%s: %d times on the \"more times\" page, want more than %d", lang, n, resultsPerClinic)
		}
		if strings.Contains(more.body, "Chomedey") {
			t.Errorf("%s: another clinic's times on one clinic's page", lang)
		}
		// Choosing one holds it as from the results.
		loc := s.post("/reserver", firstSlotForm(t, more.body), lang).want(t, http.StatusSeeOther).location(t)
		if !strings.HasPrefix(loc, "/reservation/") {
			t.Errorf("%s: choosing from \"more times\" leads to %s", lang, loc)
		}
	}
	s.get("/recherche/clinique/999", "fr").want(t, http.StatusNotFound)
	s.get("/recherche/clinique/x", "fr").want(t, http.StatusNotFound)
}

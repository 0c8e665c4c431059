package web

import (
	"net/http"
	"testing"
)

// maxPageBytes is the weight budget of a patient page, its style sheet and
// scripts included: light enough for a phone on a weak network when the
// site is flooded.
const maxPageBytes = 60 << 10

func TestPatientPageSizes(t *testing.T) {
	s := mustOpenSite(t)
	var static int
	for _, a := range s.srv.assets {
		static += len(a.body)
	}
	for _, lang := range []string{"fr", "en"} {
		res := s.get(s.searchQuery(), lang).want(t, http.StatusOK)
		more := moreLink.FindStringSubmatch(res.body)
		formURL := s.holdFirst(lang)
		apptURL, _ := bookFirst(t, s, lang)
		pages := map[string]string{
			"home": "/", "results": s.searchQuery(), "booking form": formURL, "appointment": apptURL,
		}
		if more != nil {
			pages["more times"] = unescape(more[1])
		}
		for name, target := range pages {
			body := s.get(target, lang).want(t, http.StatusOK).body
			if total := len(body) + static; total > maxPageBytes {
				t.Errorf("%s %s: %d bytes with its style sheet and scripts, budget %d", lang, name, total, maxPageBytes)
			} else {
				t.Logf("%s %s: %d bytes + %d of static files", lang, name, len(body), static)
			}
		}
	}
}

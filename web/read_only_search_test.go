package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// readOnly switches read-only mode on for the site, as an operator does.
func readOnly(t *testing.T, s *site) {
	t.Helper()
	m := rdv.Modes{ReadOnly: true}
	if err := s.store.SetModes(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	s.srv.setModesCached(m)
}

// TestReadOnlySearchOffersNoDeadEnd: in read-only mode the results show
// the free times without a button that can only be refused, say what
// works now and link the request form with the search's service and
// place; a booking attempt all the same gets a page that says so, not
// "Service busy", with the same link.
func TestReadOnlySearchOffersNoDeadEnd(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withRequests(t, s)
	before := s.get(s.searchQuery(), "fr").want(t, http.StatusOK)
	slot := firstSlotForm(t, before.body) // a form someone had open when the mode came on
	readOnly(t, s)
	form := `/demande?lieu=Montr%C3%A9al&amp;service=general`

	for _, lang := range []string{"fr", "en"} {
		page := s.get(s.searchQuery(), lang).want(t, http.StatusOK)
		if strings.Contains(page.body, `action="/reserver"`) || strings.Contains(page.body, translate(lang, "results.choose")) {
			t.Fatalf("%s: read-only results still offer to choose a time", lang)
		}
		page.contains(t, translate(lang, "mode.read_only.results"), translate(lang, "mode.read_only.existing"),
			`href="`+form+`"`, translate(lang, "mode.forms_only.link"))
		if strings.Count(page.body, `<li>`) < 3 {
			t.Fatalf("%s: read-only results show no times", lang)
		}
	}
	more := s.get("/recherche/clinique/1?"+url.Values{"lieu": {"Montréal"}, "rayon": {"25"}}.Encode(), "fr").want(t, http.StatusOK)
	if strings.Contains(more.body, `action="/reserver"`) {
		t.Fatal("read-only: a clinic's more times still offer to choose")
	}
	more.contains(t, translate("fr", "mode.read_only.results"), `href="/demande?`)

	agent := staffBrowser(t, s, accts, rdv.PhoneAgent)
	console := agent.do(http.MethodGet, "/agent?"+url.Values{"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"25"},
		"du": {s.start.String()}, "au": {s.start.AddDays(2).String()}}.Encode(), nil).want(t, http.StatusOK)
	if strings.Contains(console.body, `action="/agent/reserver"`) {
		t.Fatal("read-only: the phone console still offers to choose a time")
	}
	console.contains(t, translate("fr", "mode.read_only.results"))

	for _, lang := range []string{"fr", "en"} {
		refused := s.post("/reserver", slot, lang).want(t, http.StatusServiceUnavailable)
		refused.contains(t, "<h1>"+htmlText(translate(lang, "mode.read_only.title"))+"</h1>", translate(lang, "mode.read_only.works"),
			`href="/demande"`, translate(lang, "mode.forms_only.link"))
		if strings.Contains(refused.body, translate(lang, "error.503.title")) {
			t.Fatalf("%s: the refusal is titled %q", lang, translate(lang, "error.503.title"))
		}
	}
	// The banner links the form on every page, the request form answers.
	s.get("/", "fr").want(t, http.StatusOK).contains(t, `<a href="/demande">`+htmlText(translate("fr", "mode.forms_only.link"))+`</a>`)
	s.get("/demande", "fr").want(t, http.StatusOK)
}

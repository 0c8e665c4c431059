package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"rdv/ical/icaltest"
)

// TestICALJSReadsCalendars: the appointment's file as it is booked, moved
// and cancelled, and the staff's feeds of the clinic and of a
// practitioner, in each language, are read by ical.js, all in one run.
func TestICALJSReadsCalendars(t *testing.T) {
	t.Parallel()
	icaltest.RequireICALJS(t)
	var bodies []string
	for _, lang := range []string{"fr", "en"} {
		rs := newRescheduling(t, lang)
		var err error
		if rs.s.srv.publicURL, err = ParsePublicURL("https://rdv.example.org/"); err != nil {
			t.Fatal(err)
		}
		download := func() {
			t.Helper()
			bodies = append(bodies, rs.s.get(calendarURL(rs.id, rs.token), lang).want(t, http.StatusOK).body)
		}
		download()
		formURL, _ := rs.hold(t)
		rs.s.post(confirmAction(formURL), rs.confirmForm(t, formURL), lang).want(t, http.StatusSeeOther)
		download()
		if _, err := rs.s.engine.Cancel(context.Background(), rs.id, rs.token, nil); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		download()
	}

	s := mustOpenSite(t)
	srv, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store, Log: s.srv.log, Secret: testSecret, PublicURL: "https://rdv.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = srv
	b := adminBrowser(t, s, withStaff(t, s), "fr")
	page := b.do(http.MethodGet, feedsPath, nil).want(t, http.StatusOK)
	for _, practitioner := range []string{"0", "1"} {
		made := b.post(page, feedsPath, url.Values{"name": {"Accueil " + practitioner}, "practitioner": {practitioner}}).want(t, http.StatusSeeOther)
		feed := strings.TrimPrefix(shownOnce(t, b.do(http.MethodGet, made.location(t), nil).want(t, http.StatusOK)), "https://rdv.example.org")
		s.bookAtClinic1(t, b)
		s.bookAtClinic1(t, b)
		for _, lang := range []string{"fr", "en"} {
			r := httptest.NewRequest(http.MethodGet, feed, nil)
			r.Header.Set("Accept-Language", lang)
			w := httptest.NewRecorder()
			s.mounted().ServeHTTP(w, r)
			named := map[string]string{"fr": "NAME:Rendez-vous", "en": "NAME:Appointments"}[lang]
			if w.Code != http.StatusOK || strings.Count(w.Body.String(), "BEGIN:VEVENT") < 2 || !strings.Contains(w.Body.String(), named) {
				t.Fatalf("feed %s in %s: %d\n%s", practitioner, lang, w.Code, w.Body)
			}
			bodies = append(bodies, w.Body.String())
		}
	}
	icaltest.MustICALJS(t, bodies)
}

package web

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/spool"
	"rdv/storetest"
)

// withRequests gives the site the spool in front of its store.
func withRequests(t *testing.T, s *site) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "requests.spool"), s.store, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	s.srv.d.Requests = sp
	return sp
}

func requestForm(lang string) url.Values {
	v := adult(lang)
	v.Set("service", "general")
	v.Set("place", "Sherbrooke")
	v.Set("radius", "25")
	v.Set("availability", "les matins de semaine")
	v.Set("urgent", "1")
	return v
}

var referenceRE = regexp.MustCompile(`D-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

func TestRequestFormAnswersWithReference(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	sp := withRequests(t, s)
	b := newBrowser(t, s)
	form := b.do(http.MethodGet, "/demande?service=general&lieu=Sherbrooke", nil).want(t, http.StatusOK)
	form.contains(t, `action="/demande"`, `name="csrf"`, `value="Sherbrooke"`)
	// Answered by a redirect to the confirmation's page, which a reload
	// (or Back) shows again without sending the request twice.
	sent := b.post(form, "/demande", requestForm("fr")).want(t, http.StatusSeeOther)
	if loc := sent.location(t); loc != "/demande/envoyee" {
		t.Fatalf("a request taken leads to %s", loc)
	}
	if referenceRE.MatchString(sent.body) || referenceRE.MatchString(sent.Header.Get("Location")) {
		t.Fatal("the reference travels in the redirect")
	}
	var refs []string
	for range 2 {
		page := b.do(http.MethodGet, "/demande/envoyee", nil).want(t, http.StatusOK)
		page.contains(t, translate("fr", "req.sent.reference"))
		refs = append(refs, referenceRE.FindString(page.body))
	}
	if refs[0] == "" || refs[0] != refs[1] {
		t.Fatalf("references %q on the confirmation and its reload", refs)
	}
	if sp.Pending() != 1 {
		t.Fatalf("%d requests spooled, want 1", sp.Pending())
	}
	// Someone who only knows the address sees no reference.
	other := newBrowser(t, s).do(http.MethodGet, "/demande/envoyee", nil).want(t, http.StatusNotFound)
	other.contains(t, translate("fr", "req.sent.gone"))
	if referenceRE.MatchString(other.body) {
		t.Fatal("another browser sees the reference")
	}
	// Nor does a cookie sealed for another page, put under its name.
	forged := newBrowser(t, s)
	for _, c := range b.cookies {
		forged.cookies[requestSentCookie] = &http.Cookie{Name: requestSentCookie, Value: c.Value}
		if referenceRE.MatchString(forged.do(http.MethodGet, "/demande/envoyee", nil).body) && c.Name != requestSentCookie {
			t.Fatalf("cookie %s opens the confirmation", c.Name)
		}
	}
}

func TestRequestFormKeepsBadInputWithMessages(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withRequests(t, s)
	b := newBrowser(t, s)
	form := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
	bad := requestForm("en")
	bad.Set("health_number", "nope")
	bad.Set("availability", "") // a note, optional
	bad.Set("from", "x")
	bad.Set("service", "astrology")
	bad.Set("radius", "7")
	back := b.do(http.MethodGet, "/demande?lang=en", nil)
	_ = form
	// Sent back by a redirect to the form's page, which shows it all.
	if loc := b.post(back, "/demande", bad).want(t, http.StatusSeeOther).location(t); loc != "/demande" {
		t.Fatalf("a form with mistakes is sent to %s", loc)
	}
	page := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
	page.contains(t, `value="Julie"`, `value="Sherbrooke"`, `id="f-from-error"`, `id="f-service-error"`, `id="f-radius-error"`, "Some fields need correcting")
	if referenceRE.MatchString(page.body) {
		t.Fatal("a reference was given for a form with mistakes")
	}
}

func TestRequestFormNeedsCSRF(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	sp := withRequests(t, s)
	f := requestForm("fr")
	f.Set("csrf", "")
	s.post("/demande", f, "fr").want(t, http.StatusForbidden)
	if sp.Pending() != 0 {
		t.Fatal("a request without its CSRF token was spooled")
	}
}

// TestRequestFormWhileDatabaseDown: the form goes through the spool, so a
// closed store does not stop it.
func TestRequestFormWhileDatabaseDown(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	sp := withRequests(t, s)
	if err := s.store.Close(); err != nil {
		t.Fatal(err)
	}
	sent := s.post("/demande", requestForm("fr"), "fr").want(t, http.StatusSeeOther)
	page := s.do(http.MethodGet, sent.location(t), nil, "fr", sent.Cookies()...).want(t, http.StatusOK)
	if !referenceRE.MatchString(page.body) || sp.Pending() != 1 {
		t.Fatalf("no reference while the database is down (pending %d):\n%s", sp.Pending(), page.body)
	}
}

func TestAgentRequestList(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	withRequests(t, s)
	rs := s.store
	at := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	for i, ref := range []string{"D-AAAA-AAAA-AAA2", "D-AAAA-AAAA-AAA1"} {
		if _, err := rs.AddRequest(t.Context(), storetest.SampleRequest(ref, at.Add(-time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	page := staffBrowser(t, s, accts, rdv.PhoneAgent).do(http.MethodGet, "/agent/demandes", nil).want(t, http.StatusOK)
	page.contains(t, "D-AAAA-AAAA-AAA1", "D-AAAA-AAAA-AAA2", "Ouverte", "Urgent")
	if strings.Index(page.body, "AAA1") > strings.Index(page.body, "AAA2") {
		t.Fatal("the newest request should be last")
	}
	staffBrowser(t, s, accts, rdv.Receptionist).do(http.MethodGet, "/agent/demandes", nil).want(t, http.StatusForbidden)
	s.get("/agent/demandes", "").want(t, http.StatusSeeOther)
}

func TestRequestFormLinkedFromHomeAndNoResults(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	s.get("/", "fr").want(t, http.StatusOK).contains(t, `href="/demande"`)
	none := "/recherche?" + url.Values{"service": {"general"}, "lieu": {"Gaspé"}, "rayon": {"10"}}.Encode()
	s.get(none, "fr").want(t, http.StatusOK).contains(t, `href="/demande?service=general&amp;lieu=Gasp%c3%a9"`)
}

// TestRequestFormShowsEveryPersonError: a future birth date and a short
// health number show together, not one submit after the other.
func TestRequestFormShowsEveryPersonError(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withRequests(t, s)
	b := newBrowser(t, s)
	form := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
	bad := requestForm("fr")
	bad.Set("birth_date", "2999-01-01")
	bad.Set("health_number", "TREJ 9055 171")
	b.post(form, "/demande", bad).want(t, http.StatusSeeOther)
	page := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
	page.contains(t, `id="f-birth-date-error"`, `id="f-health-number-error"`, `href="#f-birth-date"`, `href="#f-health-number"`)
}

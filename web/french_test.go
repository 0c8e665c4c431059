package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/i18n"
	"rdv/i18n/i18ntest"
)

// everyPage renders every page the patient can meet, and every staff page
// signed in, in one language, and returns them by name.
func (s *site) everyPage(t *testing.T, lang string) map[string]answer {
	t.Helper()
	pages := map[string]answer{}
	add := func(name string, a answer) { pages[name] = a }

	add("home", s.get("/", lang).want(t, http.StatusOK))
	add("home with notice", s.get("/?avis=too_many", lang).want(t, http.StatusOK))
	results := s.get(s.searchQuery()+"&moment=matin&moment=soir", lang).want(t, http.StatusOK)
	add("results", results)
	add("results, slot taken", s.get(s.searchQuery()+"&avis=slot_taken", lang).want(t, http.StatusOK))
	far := s.start.AddDays(40).String()
	add("no results", s.get("/recherche?service=prenatal&lieu=Gasp%C3%A9&rayon=5&du="+far+"&au="+far, lang).want(t, http.StatusOK))
	add("bad search", s.get("/recherche?service=x&lieu=Atlantide&rayon=1&du=x&au=y&moment=z", lang).want(t, http.StatusUnprocessableEntity))

	formURL := s.post("/reserver", firstSlotForm(t, results.body), lang).want(t, http.StatusSeeOther).location(t)
	add("booking form", s.get(formURL, lang).want(t, http.StatusOK))
	bad := url.Values{"health_number": {"x"}, "for_child": {"1"}, "guardian_email": {"x@"}, "language": {lang}}
	add("booking form with errors", s.sentBack(s.post(formURL, bad, lang), lang))
	done := s.post(formURL, adult(lang), lang).want(t, http.StatusSeeOther).location(t)
	appt := s.get(done, lang).want(t, http.StatusOK)
	add("appointment", appt)
	add("appointment, not cancellable", s.get(done+"&avis=not_cancelled", lang).want(t, http.StatusOK))
	id := strings.TrimPrefix(strings.Split(done, "?")[0], "/rendez-vous/")
	num, token := linkParts(t, done)
	ask := s.get(cancelURL(num, token), lang).want(t, http.StatusOK)
	add("cancel confirmation", ask)
	cancelled := s.post("/rendez-vous/"+id+"/annuler", url.Values{"token": {hiddenValue(t, ask.body, "token")}}, lang).location(t)
	add("appointment cancelled", s.get(cancelled, lang).want(t, http.StatusOK))

	add("not found", s.get("/nulle-part", lang).want(t, http.StatusNotFound))
	add("hold not found", s.get("/reservation/h_nope", lang).want(t, http.StatusNotFound))
	add("appointment not found", s.get("/rendez-vous/99?token=x", lang).want(t, http.StatusNotFound))
	add("bad request", s.post("/reserver", url.Values{}, lang).want(t, http.StatusBadRequest))
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		h := withLanguage(secureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.srv.renderError(w, r, status)
		})))
		r := httptest.NewRequest(http.MethodGet, "/?lang="+lang, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		res.Request = r
		add(http.StatusText(status), answer{res, w.Body.String()})
	}

	for name, a := range s.staffPages(t, lang) {
		add(name, a)
	}
	for name, a := range s.patientPages(t, lang) {
		add(name, a)
	}
	for name, a := range s.requestPages(t, lang) {
		add(name, a)
	}
	for name, a := range s.privacyPages(t, lang) {
		add(name, a)
	}

	// Last: running the clock past the hold makes every hold expire.
	form2 := s.holdFirst(lang)
	s.clock.Set(time.Now().Add(time.Hour))
	add("hold expired", s.get(form2, lang).want(t, http.StatusGone))
	s.clock.Set(time.Time{})
	return pages
}

// TestFrenchPagesHaveNoEnglish renders every page in French, with the
// waiting room's and the refusals' in front of them (to a browser that
// accepts English only at q=0.1), and fails on any English string of the
// site's texts that differs from its French one.
func TestFrenchPagesHaveNoEnglish(t *testing.T) {
	s := mustOpenSite(t)
	// Service names come from the domain's own table.
	services := map[string]i18n.Text{}
	for _, svc := range rdv.Services {
		services["service "+string(svc)] = i18n.Text{svc.Name("fr"), svc.Name("en")}
	}
	probes := i18ntest.English(services)
	pages := s.everyPage(t, "fr")
	for name, a := range s.edgePages(t, qValueFrench) {
		pages[name] = a
	}
	for name, page := range pages {
		if strings.Contains(page.Header.Get("Content-Type"), "html") && !strings.Contains(page.body, `<html lang="fr">`) {
			t.Errorf("%s: not marked French", name)
		}
		probes.NoEnglish(t, name, page.body)
	}
}

// TestEveryPage checks what every page must have, in both languages: the
// security headers, the language, a size well under 60 KB with the style
// sheet, and no stack trace.
func TestEveryPage(t *testing.T) {
	s := mustOpenSite(t)
	css := s.get(s.srv.cssURL, "fr").want(t, http.StatusOK)
	if cc := css.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("style sheet Cache-Control %q", cc)
	}
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{12}\.css$`).MatchString(s.srv.cssURL) {
		t.Errorf("style sheet URL %s carries no checksum", s.srv.cssURL)
	}
	for _, lang := range []string{"fr", "en"} {
		for name, page := range s.everyPage(t, lang) {
			h := page.Header
			for header, want := range map[string]string{
				"Content-Security-Policy": "frame-ancestors 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"Content-Type":            "text/html; charset=utf-8",
			} {
				if !strings.Contains(h.Get(header), want) {
					t.Errorf("%s/%s: %s = %q, want %q", lang, name, header, h.Get(header), want)
				}
			}
			// The one script allowed is the site's own file (static/app.js).
			own := `<script src="` + assetURL(s.srv.assets, "app.js") + `" defer></script>`
			if strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") || strings.Contains(strings.ReplaceAll(page.body, own, ""), "<script") || strings.Contains(page.body, "style=") {
				t.Errorf("%s/%s: inline script or style", lang, name)
			}
			if size := len(page.body) + len(css.body); size > 60<<10 {
				t.Errorf("%s/%s: %d bytes with the style sheet, want < 60 KB", lang, name, size)
			}
			if !strings.Contains(page.body, `<html lang="`+lang+`">`) || strings.Contains(page.body, "[[") {
				t.Errorf("%s/%s: wrong language or missing string", lang, name)
			}
			if strings.Contains(page.body, "goroutine") || strings.Contains(page.body, ".go:") {
				t.Errorf("%s/%s: shows a stack trace", lang, name)
			}
			if strings.Count(page.body, "<h1") != 1 || (strings.Contains(page.body, "<h3") && !strings.Contains(page.body, "<h2")) {
				t.Errorf("%s/%s: headings out of order", lang, name)
			}
		}
	}
}

// TestLanguageSwitchSticks: the switch sets a cookie that later pages
// follow, over the browser's preference.
func TestLanguageSwitchSticks(t *testing.T) {
	s := mustOpenSite(t)
	a := s.get("/?lang=en", "").want(t, http.StatusOK)
	var cookie *http.Cookie
	for _, c := range a.Cookies() {
		if c.Name == langCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "en" || !cookie.HttpOnly || cookie.Path != "/" {
		t.Fatalf("switch cookie %+v", cookie)
	}
	a.contains(t, `<html lang="en">`, `href="/?lang=fr"`, translate("en", "home.title"))
	s.get("/", "en").want(t, http.StatusOK).contains(t, `<html lang="en">`)
	// Without a cookie the browser decides, French by default.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Language", "en-CA,en;q=0.9")
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), `<html lang="en">`) {
		t.Errorf("Accept-Language en ignored")
	}
	s.get("/", "").want(t, http.StatusOK).contains(t, `<html lang="fr">`)
}

// TestPanicShowsFriendlyPage: a failing handler gives the 500 page in the
// person's language, never a trace.
func TestPanicShowsFriendlyPage(t *testing.T) {
	s := mustOpenSite(t)
	h := withLanguage(s.srv.logRequests(s.srv.recoverPanics(secureHeaders(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom at handler.go:12")
	})))))
	r := httptest.NewRequest(http.MethodGet, "/?lang=en", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), translate("en", "error.500.title")) || strings.Contains(w.Body.String(), "boom") {
		t.Errorf("panic answered %d:\n%s", w.Code, w.Body.String())
	}
}

// TestMountsAPI routes the API and the probes to the API handler.
func TestMountsAPI(t *testing.T) {
	s := mustOpenSite(t)
	s.get("/healthz", "").want(t, http.StatusOK)
	s.get("/readyz", "").want(t, http.StatusOK)
	api := s.get("/api/v1/clinics", "").want(t, http.StatusOK)
	if !strings.HasPrefix(api.Header.Get("Content-Type"), "application/json") {
		t.Errorf("/api/ not served by the API: %s", api.Header.Get("Content-Type"))
	}
}

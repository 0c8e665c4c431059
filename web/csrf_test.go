package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A cookie planted from a sibling host (no __Host- prefix without HTTPS)
// does not let an attacker post as signed-in staff: the token of a
// session is bound to the session, and the planted cookie is not looked
// at. The genuine form still works.
func TestCSRFPlantedCookieRefused(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	console := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	banner := func(text string) url.Values {
		return url.Values{"banner_fr": {text}, "banner_en": {text}, "level": {"info"}}
	}
	planted := strings.Repeat("p", 43)
	// What an attacker can hold: a value of their choice, or an ID with
	// the token the site gave their own browser for it.
	anon := newBrowser(t, s)
	anonPage := anon.do(http.MethodGet, "/connexion", nil).want(t, http.StatusOK)
	anonID, anonToken := anon.cookies[csrfCookieName].Value, hiddenValue(t, anonPage.body, "csrf")
	other := newBrowser(t, s)
	other.signIn("agent@reseau.example", testPassword).want(t, http.StatusSeeOther)
	otherToken := hiddenValue(t, other.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK).body, "csrf")
	for _, tt := range []struct{ name, cookie, token string }{
		{"cookie and field of the attacker's choice", planted, planted},
		{"the attacker's own browser ID and token", anonID, anonToken},
		{"another session's token", "", otherToken},
		{"the session's token of another server", "", mustOtherServerToken(t, s, op)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cookie != "" {
				op.cookies[csrfCookieName] = &http.Cookie{Name: csrfCookieName, Value: tt.cookie}
			}
			form := banner("Piège")
			form.Set("csrf", tt.token)
			op.do(http.MethodPost, "/operateur/bandeau", form).want(t, http.StatusForbidden).contains(t, translate("fr", "error.403.csrf"))
		})
	}
	if b, _ := s.store.Banner(context.Background()); b.TextFR != "" {
		t.Fatalf("a forged post set the banner %+v", b)
	}
	// The planted cookie is still there: the genuine form works anyway.
	op.post(console, "/operateur/bandeau", banner("Vrai")).want(t, http.StatusSeeOther)
	if b, _ := s.store.Banner(context.Background()); b.TextFR != "Vrai" {
		t.Fatalf("the genuine form did not set the banner: %+v", b)
	}
}

// mustOtherServerToken returns the form token that a server with another
// secret gives the same session: worth nothing on this one.
func mustOtherServerToken(t *testing.T, s *site, b *browser) string {
	t.Helper()
	otherSrv, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store})
	if err != nil {
		t.Fatal(err)
	}
	saved := s.srv
	s.srv = otherSrv
	defer func() { s.srv = saved }()
	return hiddenValue(t, b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).body, "csrf")
}

// Someone not signed in posts with the token bound to their browser's ID:
// a planted cookie whose value is also the form field is refused, the
// token the page gave works, on every server that shares the secret.
func TestCSRFBrowserTokens(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	planted := strings.Repeat("p", 43)
	s.do(http.MethodPost, "/reserver", url.Values{"slot_id": {"1"}, "csrf": {planted}}, "fr").want(t, http.StatusForbidden)
	r := newBrowser(t, s)
	page := r.do(http.MethodGet, "/connexion", nil).want(t, http.StatusOK)
	id := r.cookies[csrfCookieName]
	if id == nil || !id.HttpOnly || hiddenValue(t, page.body, "csrf") == id.Value {
		t.Fatalf("browser ID cookie %+v: want HttpOnly, and a form token that is not the cookie", id)
	}
	r.cookies[csrfCookieName] = &http.Cookie{Name: csrfCookieName, Value: planted}
	r.post(page, "/connexion", url.Values{"email": {"x@example.org"}, "password": {"x"}}).want(t, http.StatusForbidden)
	r.cookies[csrfCookieName] = id
	r.post(page, "/connexion", url.Values{"email": {"x@example.org"}, "password": {"x"}}).want(t, http.StatusUnauthorized)
	twin, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = twin
	r.post(page, "/connexion", url.Values{"email": {"x@example.org"}, "password": {"x"}}).want(t, http.StatusUnauthorized)
}

func TestServerSecretTooShort(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	if _, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store, Secret: []byte("court")}); err == nil {
		t.Error("a 5-byte secret was taken")
	}
}

package web

import (
	"net/http"
	"net/url"
	"testing"
)

// returnBypasses are return paths that browsers follow off-site, or that
// are no local path at all, in the forms found in the wild: each must be
// refused.
var returnBypasses = []string{
	"/\t/evil.example/phish",
	"/\n/evil.example",
	"/\r\n/evil.example",
	"\t//evil.example",
	"//evil.example",
	"///evil.example",
	"////evil.example",
	"/\\evil.example",
	"\\\\evil.example",
	"\\/evil.example",
	"/\\/evil.example",
	"/\t\\evil.example",
	"/%2F%2Fevil.example",
	"/%2f/evil.example",
	"/%5Cevil.example",
	"/%5c%5cevil.example",
	"%2F%2Fevil.example",
	"https:evil.example",
	"https://evil.example",
	"http:/evil.example",
	"javascript:alert(1)",
	"JavaScript:alert(1)",
	" javascript:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"  //evil.example",
	"\x00//evil.example",
	"/\x00/evil.example",
	"/\x7f/evil.example",
	"evil.example",
	"@evil.example",
	"",
}

func TestSafeReturnRefusesBypasses(t *testing.T) {
	t.Parallel()
	for _, p := range returnBypasses {
		if got := safeReturn(p); got != "" {
			t.Errorf("safeReturn(%q) = %q, want refused", p, got)
		}
	}
}

func TestSafeReturnKeepsLocalPaths(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/operateur", "/operateur"},
		{"/clinique?date=2026-03-02", "/clinique?date=2026-03-02"},
		{"/agent/demandes?page=2#liste", "/agent/demandes?page=2#liste"},
		{"/recherche?lieu=Trois-Rivi%C3%A8res", "/recherche?lieu=Trois-Rivi%C3%A8res"},
		{"/", "/"},
		// What browsers strip is stripped before judging.
		{"  /operateur\n", "/operateur"},
		{"/opera\tteur", "/operateur"},
	}
	for _, tt := range tests {
		if got := safeReturn(tt.in); got != tt.want {
			t.Errorf("safeReturn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A signed-in person sent to the sign-in page with a crafted return path
// lands on their console, never off-site; so does one signing in.
func TestSignInRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	b := newBrowser(t, s)
	// The operator sets up its second factor first; each sign-in below
	// passes it.
	b.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	b.post(b.do(http.MethodGet, "/operateur", nil), "/deconnexion", url.Values{}).want(t, http.StatusSeeOther)
	for _, p := range returnBypasses {
		page := b.do(http.MethodGet, "/connexion?"+url.Values{"retour": {p}}.Encode(), nil).want(t, http.StatusOK)
		res := b.post(page, "/connexion", url.Values{"email": {"operator@reseau.example"}, "password": {testPassword}, "retour": {p}})
		res = b.secondStepIfAsked("operator@reseau.example", res)
		if loc := res.want(t, http.StatusSeeOther).location(t); loc != "/operateur" {
			t.Fatalf("signing in with retour %q led to %q, want /operateur", p, loc)
		}
		res = b.do(http.MethodGet, "/connexion?"+url.Values{"retour": {p}}.Encode(), nil)
		if loc := res.want(t, http.StatusSeeOther).location(t); loc != "/operateur" {
			t.Fatalf("signed in, retour %q led to %q, want /operateur", p, loc)
		}
		b.post(b.do(http.MethodGet, "/operateur", nil), "/deconnexion", url.Values{}).want(t, http.StatusSeeOther)
	}
}

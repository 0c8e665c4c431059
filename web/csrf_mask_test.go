package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A compressed page must not carry the same secret bytes twice (BREACH):
// the form token is masked afresh on every page, every mask of it works,
// and the token whole never appears in a page.
func TestCSRFTokenMaskedOnEveryPage(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	first := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	second := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	a, b := hiddenValue(t, first.body, "csrf"), hiddenValue(t, second.body, "csrf")
	if a == b {
		t.Fatalf("two pages carry the same form token %q", a)
	}
	whole := unmasked(t, a)
	if unmasked(t, b) != whole {
		t.Fatalf("two pages' tokens mask different tokens")
	}
	if strings.Contains(first.body, whole) || strings.Contains(second.body, whole) {
		t.Fatalf("a page carries the session's form token whole")
	}
	for _, tok := range []string{a, b, whole} {
		form := url.Values{"banner_fr": {"Masque"}, "banner_en": {"Mask"}, "level": {"info"}, "csrf": {tok}}
		op.do(http.MethodPost, "/operateur/bandeau", form).want(t, http.StatusSeeOther)
	}
}

// unmasked undoes auth.MaskToken: a random pad, then the token XORed
// with it.
func unmasked(t *testing.T, masked string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(masked)
	if err != nil || len(raw)%2 != 0 {
		t.Fatalf("form token %q is not a masked token", masked)
	}
	n := len(raw) / 2
	out := make([]byte, n)
	for i := range out {
		out[i] = raw[n+i] ^ raw[i]
	}
	return string(out)
}

package waitroom

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rdv/i18n"
)

// TestWaitingPageUpdatesWithoutReload: the waiting page has no timed
// reload; it has landmarks, a live region with where to ask next and
// when, a pause button, a link to ask by hand without the script, and a
// policy that allows exactly its own inline style and script.
func TestWaitingPageUpdatesWithoutReload(t *testing.T) {
	f := newFixture(t, Config{})
	for _, lang := range []string{"fr", "en"} {
		b := f.browser()
		b.get("/recherche?lang=" + lang)
		rec := b.get("/recherche?lang=" + lang)
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d, want the waiting page", lang, rec.Code)
		}
		body := rec.Body.String()
		if strings.Contains(strings.ToLower(body), "http-equiv") {
			t.Errorf("%s: the waiting page still reloads itself:\n%s", lang, body)
		}
		for _, want := range []string{
			`<header><nav aria-label="` + i18n.LanguageNav.In(lang) + `">`, "<main>", "</main>\n<footer>",
			`<div id="place" role="status" data-next="/recherche?lang=` + lang + `" data-after="`,
			`<button type="button" id="pause" data-pause="` + tr(lang, "pause") + `"`, " hidden>",
			`<noscript><p><a href="/recherche?lang=` + lang + `">` + tr(lang, "check") + `</a></p></noscript>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the waiting page lacks %q:\n%s", lang, want, body)
			}
		}
		csp := rec.Header().Get("Content-Security-Policy")
		for _, tag := range []string{"style", "script"} {
			m := regexp.MustCompile(`<` + tag + `>((?s).*?)</` + tag + `>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s: no inline %s", lang, tag)
			}
			sum := sha256.Sum256([]byte(m[1]))
			if src := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, tag+"-src "+src) {
				t.Errorf("%s: the policy %q does not allow the page's %s (%s)", lang, csp, tag, src)
			}
		}
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: policy %q", lang, csp)
		}
	}
}

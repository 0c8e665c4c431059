package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestScriptServed: the script has a checksum URL, its type, a long cache
// life, and the policy lets only the site's own script and requests run.
func TestScriptServed(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	jsURL := assetURL(s.srv.assets, "app.js")
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{12}\.js$`).MatchString(jsURL) {
		t.Fatalf("script URL %q carries no checksum", jsURL)
	}
	js := s.get(jsURL, "fr").want(t, http.StatusOK)
	if ct := js.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("script Content-Type %q", ct)
	}
	if cc := js.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("script Cache-Control %q", cc)
	}
	home := s.get("/", "fr").want(t, http.StatusOK)
	home.contains(t, `<script src="`+jsURL+`" defer></script>`)
	csp := home.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
}

// TestSearchNearMe searches around the position the script puts in the
// hidden "near" field, and falls back on the place name when the
// position is unreadable.
func TestSearchNearMe(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	tests := []struct {
		name   string
		near   string
		lieu   string
		status int
		want   []string // catalog keys or text
	}{
		{"position in Montréal", "45.524,-73.580", "votre position", http.StatusOK, []string{"Clinique du Plateau"}},
		{"position and no place", "45.524,-73.580", "", http.StatusOK, []string{"Clinique du Plateau"}},
		{"unreadable position, known place", "nord", "Laval", http.StatusOK, []string{"Laval"}},
		{"unreadable position, no place", "999,999", "", http.StatusUnprocessableEntity, []string{translate("fr", "err.required")}},
		{"position far from every clinic", "58.1,-68.4", "votre position", http.StatusOK, []string{translate("fr", "results.none.short"), htmlText(translate("fr", "results.next", "votre position"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"service": {"general"}, "rayon": {"25"}, "du": {s.start.String()}, "near": {tt.near}, "lieu": {tt.lieu}}
			page := s.get("/recherche?"+q.Encode(), "fr").want(t, tt.status)
			page.contains(t, tt.want...)
			if tt.status == http.StatusOK && tt.near != "nord" {
				page.contains(t, translate("fr", "results.near", "25", translate("fr", "search.near.here")))
			}
		})
	}
	// The position goes along with links to more times.
	page := s.get("/recherche?"+url.Values{"service": {"general"}, "rayon": {"25"}, "near": {"45.524,-73.580"}, "lieu": {"votre position"}}.Encode(), "fr")
	if !strings.Contains(page.body, "near=45.524%2C-73.580") {
		t.Errorf("the links to more times lose the position")
	}
}

// TestBookingCountdown: the booking form gives the script the time left.
func TestBookingCountdown(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	for _, lang := range []string{"fr", "en"} {
		form := s.get(s.holdFirst(lang), lang).want(t, http.StatusOK)
		m := regexp.MustCompile(`data-seconds="(\d+)"`).FindStringSubmatch(form.body)
		if m == nil || m[1] == "0" {
			t.Fatalf("%s: the booking form gives no time left: %v", lang, m)
		}
		form.contains(t, `id="held-timer" role="timer" hidden`, translate(lang, "book.countdown.gone"))
	}
}

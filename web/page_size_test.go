package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// maxPageBytes is the weight budget of a patient page as it is sent
// (gzip-compressed), its style sheet and scripts included: light enough
// for a phone on a weak network when the site is flooded. The README
// quotes it.
const maxPageBytes = 30 << 10

// sent fetches a page the way a browser does, accepting gzip, and
// returns the bytes that went over the wire and the page's own length.
func (s *site) sent(t *testing.T, target, lang string) (wire, plain int) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = "192.0.2.10:40000"
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: status %d", target, w.Code)
	}
	wire = w.Body.Len()
	if w.Header().Get("Content-Encoding") != "gzip" {
		return wire, wire
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	return wire, len(body)
}

// TestPatientPageSizes measures every patient page as sent, with its
// style sheet and script as sent, against the budget; it logs the
// figures uncompressed too.
func TestPatientPageSizes(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	var static, staticPlain int
	for served := range s.srv.assets {
		wire, plain := s.sent(t, "/static/"+served, "fr")
		static += wire
		staticPlain += plain
	}
	near := "/recherche?" + url.Values{"service": {"general"}, "rayon": {"25"}, "du": {s.start.String()},
		"near": {"45.5017,-73.5673"}, "lieu": {"votre position"}}.Encode()
	for _, lang := range []string{"fr", "en"} {
		res := s.get(s.searchQuery(), lang).want(t, http.StatusOK)
		more := moreLink.FindStringSubmatch(res.body)
		formURL := s.holdFirst(lang)
		apptURL, _ := bookFirst(t, s, lang)
		pages := map[string]string{
			"home": "/", "results": s.searchQuery(), "near me": near, "booking form": formURL, "appointment": apptURL,
		}
		if more != nil {
			pages["more times"] = unescape(more[1])
		}
		for name, target := range pages {
			wire, plain := s.sent(t, target, lang)
			if wire >= plain && plain > minGzipBytes {
				t.Errorf("%s %s: sent %d bytes for a %d-byte page: not compressed", lang, name, wire, plain)
			}
			if total := wire + static; total > maxPageBytes {
				t.Errorf("%s %s: %d bytes sent with its style sheet and scripts, budget %d", lang, name, total, maxPageBytes)
			}
			t.Logf("%s %s: %d bytes sent + %d of static files = %d (uncompressed %d + %d = %d)",
				lang, name, wire, static, wire+static, plain, staticPlain, plain+staticPlain)
		}
	}
}

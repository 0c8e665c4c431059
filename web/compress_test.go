package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fetch sends one GET (or HEAD) with an Accept-Encoding header.
func (s *site) fetch(method, target, acceptEncoding string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "192.0.2.10:40000"
	if acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	w := httptest.NewRecorder()
	s.mounted().ServeHTTP(w, r)
	return w
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("broken gzip: %v", err)
	}
	return string(out)
}

func hasVary(h http.Header, v string) bool {
	for _, line := range h.Values("Vary") {
		for _, f := range strings.Split(line, ",") {
			if strings.EqualFold(strings.TrimSpace(f), v) {
				return true
			}
		}
	}
	return false
}

// TestCompressedAnswers: pages, style sheet, script, JSON and the OpenAPI
// document go out gzipped to a client that accepts it, and as they are to
// one that does not.
func TestCompressedAnswers(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	targets := map[string]string{
		"results": s.searchQuery(),
		"home":    "/",
		"openapi": "/api/v1/openapi.json",
		"json":    "/api/v1/slots?near=45.5017,-73.5673&service=general",
		"css":     s.srv.cssURL,
		"js":      assetURL(s.srv.assets, "app.js"),
	}
	for name, target := range targets {
		plain := s.fetch(http.MethodGet, target, "")
		if plain.Code != http.StatusOK {
			t.Fatalf("%s: status %d", name, plain.Code)
		}
		if plain.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s: encoded for a client that accepts no encoding", name)
		}
		zipped := s.fetch(http.MethodGet, target, "gzip, deflate, br")
		if got := zipped.Header().Get("Content-Encoding"); got != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", name, got)
			continue
		}
		if !hasVary(zipped.Header(), "Accept-Encoding") {
			t.Errorf("%s: no Vary: Accept-Encoding", name)
		}
		if cl := zipped.Header().Get("Content-Length"); cl != "" && cl != itoa(zipped.Body.Len()) {
			t.Errorf("%s: Content-Length %s for %d bytes sent", name, cl, zipped.Body.Len())
		}
		body := gunzip(t, zipped.Body.Bytes())
		if len(body) < len(plain.Body.String())*9/10 || zipped.Body.Len() >= plain.Body.Len() {
			t.Errorf("%s: %d bytes gzipped into %d, plain %d", name, len(body), zipped.Body.Len(), plain.Body.Len())
		}
		if name == "css" || name == "js" || name == "openapi" {
			if body != plain.Body.String() {
				t.Errorf("%s: gzipped body differs from the plain one", name)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestNotCompressed: HEAD, q=0, identity, small bodies, probes and types
// that gain nothing go out as they are.
func TestNotCompressed(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	cases := []struct{ name, method, target, ae string }{
		{"HEAD", http.MethodHead, "/", "gzip"},
		{"q=0", http.MethodGet, "/", "gzip;q=0, br"},
		{"star refused", http.MethodGet, "/", "*;q=0"},
		{"identity", http.MethodGet, "/", "identity"},
		{"probe", http.MethodGet, "/healthz", "gzip"},
		{"readiness", http.MethodGet, "/readyz", "gzip"},
	}
	for _, c := range cases {
		w := s.fetch(c.method, c.target, c.ae)
		if got := w.Header().Get("Content-Encoding"); got != "" {
			t.Errorf("%s: Content-Encoding %q", c.name, got)
		}
	}
	if w := s.fetch(http.MethodGet, "/", "*"); w.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("Accept-Encoding: * is not served gzip")
	}
	if w := s.fetch(http.MethodGet, "/", "GZIP;q=0.5"); w.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("Accept-Encoding: GZIP;q=0.5 is not served gzip")
	}
}

// TestCompressWrapper checks the wrapper's decisions on handlers that
// write in the ways handlers do.
func TestCompressWrapper(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("<p>Rendez-vous santé Québec</p>\n", 200)
	cases := []struct {
		name    string
		handler http.HandlerFunc
		gzipped bool
		body    string
	}{
		{"no length, big, in pieces", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			for i := 0; i < len(big); i += 100 {
				w.Write([]byte(big[i:min(i+100, len(big))]))
			}
		}, true, big},
		{"no length, small", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true}`))
		}, false, `{"ok":true}`},
		{"length, small", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", "5")
			w.Write([]byte("hello"))
		}, false, "hello"},
		{"not modified", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotModified)
		}, false, ""},
		{"already compressed type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte(big))
		}, false, big},
		{"already encoded", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Encoding", "br")
			w.Write([]byte(big))
		}, false, big},
		{"error page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(big))
		}, true, big},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := compress(c.handler)
			// Many at once: the pooled writers must never mix answers.
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := httptest.NewRequest(http.MethodGet, "/x", nil)
					r.Header.Set("Accept-Encoding", "gzip")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					got := w.Body.String()
					if enc := w.Header().Get("Content-Encoding") == "gzip"; enc != c.gzipped {
						t.Errorf("gzipped %v, want %v", enc, c.gzipped)
						return
					}
					if c.gzipped {
						got = gunzip(t, w.Body.Bytes())
						if w.Header().Get("Content-Length") != "" {
							t.Errorf("Content-Length %q on a gzipped body", w.Header().Get("Content-Length"))
						}
					}
					if got != c.body {
						t.Errorf("body %d bytes, want %d", len(got), len(c.body))
					}
				}()
			}
			wg.Wait()
		})
	}
}

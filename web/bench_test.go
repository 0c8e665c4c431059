package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPages measures a whole request through the middleware: the
// language, the log (discarded), the headers and the rendering.
func BenchmarkPages(b *testing.B) {
	s := mustOpenSite(b)
	for _, bc := range []struct{ name, target string }{
		{"home", "/"},
		{"results", s.searchQuery()},
		{"not found", "/nulle-part"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, bc.target, nil)
				w := httptest.NewRecorder()
				s.srv.ServeHTTP(w, r)
				if w.Code >= 500 {
					b.Fatalf("%s: %d", bc.target, w.Code)
				}
			}
		})
	}
}

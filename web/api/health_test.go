package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"rdv/web/api"
)

// Alive answers the liveness checks in front of everything, with the
// answer the API's own route gives, and passes every other request on.
func TestAliveAnswersInFront(t *testing.T) {
	var counted, passed int
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		passed++
		w.WriteHeader(http.StatusTeapot)
	})
	h := api.Alive(next, func() { counted++ })
	for _, tc := range []struct {
		method, target string
		wantStatus     int
		wantBody       string
	}{
		{"GET", "/healthz", http.StatusOK, `{"status":"ok"}` + "\n"},
		{"HEAD", "/healthz", http.StatusOK, ""},
		{"GET", "/healthz?x=1", http.StatusOK, `{"status":"ok"}` + "\n"},
		{"POST", "/healthz", http.StatusTeapot, ""},
		{"GET", "/readyz", http.StatusTeapot, ""},
		{"GET", "/healthz/", http.StatusTeapot, ""},
		{"GET", "/api/v1/slots", http.StatusTeapot, ""},
	} {
		counted, passed = 0, 0
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
		if rec.Code != tc.wantStatus {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.target, rec.Code, tc.wantStatus)
		}
		inFront := tc.wantStatus == http.StatusOK
		if inFront && (counted != 1 || passed != 0) || !inFront && (counted != 0 || passed != 1) {
			t.Errorf("%s %s: counted %d, passed on %d", tc.method, tc.target, counted, passed)
		}
		if tc.method == "GET" && rec.Body.String() != tc.wantBody {
			t.Errorf("%s %s: body %q, want %q", tc.method, tc.target, rec.Body, tc.wantBody)
		}
		if inFront {
			for name, want := range map[string]string{
				"Content-Type":           "application/json; charset=utf-8",
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         "16",
			} {
				if got := rec.Header().Get(name); got != want {
					t.Errorf("%s %s: %s %q, want %q", tc.method, tc.target, name, got, want)
				}
			}
		}
	}
}

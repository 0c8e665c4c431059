package admission

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv/i18n"
	"rdv/i18n/i18ntest"
)

// TestRefusalWeighsQValues: under load, a browser that accepts English
// only at q=0.1 and French fully is refused in French, page and JSON
// alike, as every page answers it; the switch and its cookie win over the
// browser, as on the pages.
func TestRefusalWeighsQValues(t *testing.T) {
	t.Parallel()
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1
	})
	h, unblock := saturate(t, c, "/api/v1/appointments")
	defer unblock()
	tests := []struct{ path, cookie, accept, want string }{
		{"/recherche", "", "en;q=0.1, fr", "fr"},
		{"/api/v1/slots", "", "en;q=0.1, fr", "fr"},
		{"/recherche", "", "fr;q=0.1, en", "en"},
		{"/recherche", "en", "fr", "en"},
		{"/recherche?lang=fr", "en", "en", "fr"},
		{"/api/v1/slots", "fr", "en", "fr"},
	}
	for _, tt := range tests {
		w := do(t, h, "GET", tt.path, func(r *http.Request) {
			r.Header.Set("Accept-Language", tt.accept)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: i18n.Cookie, Value: tt.cookie})
			}
		})
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %q: %d, want 503", tt.path, tt.accept, w.Code)
		}
		want := i18n.T(tt.want, "refusal.503.message")
		if strings.HasPrefix(tt.path, "/api/") {
			var e struct{ Error struct{ Message string } }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Message != want {
				t.Errorf("%s, cookie %q, %q: message %s (%v), want the %s one", tt.path, tt.cookie, tt.accept, w.Body, err, tt.want)
			}
			continue
		}
		if body := w.Body.String(); !strings.Contains(body, `<html lang="`+tt.want+`">`) || !strings.Contains(body, i18n.T(tt.want, "refusal.503.title")) {
			t.Errorf("%s, cookie %q, %q: want the %s page:\n%s", tt.path, tt.cookie, tt.accept, tt.want, body)
		}
	}
}

// TestRefusalsHaveNoEnglish runs every refusal, page and JSON, through the
// site's no-English check in French; in English each text is found.
func TestRefusalsHaveNoEnglish(t *testing.T) {
	t.Parallel()
	rs := renderRefusals()
	probes := i18ntest.English(nil)
	for status := range refusalCodes {
		for _, lang := range []string{"fr", "en"} {
			for _, path := range []string{"/recherche", "/api/v1/slots", "/fhir/Slot"} {
				r := httptest.NewRequest(http.MethodGet, path+"?lang="+lang, nil)
				w := httptest.NewRecorder()
				rs.write(w, r, testFormat(r), status, time.Second)
				body := w.Body.String()
				if strings.HasPrefix(path, "/api/") {
					var e struct{ Error struct{ Message string } }
					if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
						t.Fatalf("%d %s: %v", status, path, err)
					}
					body = e.Error.Message
				}
				if strings.HasPrefix(path, "/fhir/") {
					var oo outcome
					if err := json.Unmarshal(w.Body.Bytes(), &oo); err != nil || len(oo.Issue) != 1 {
						t.Fatalf("%d %s: %v %s", status, path, err, w.Body)
					}
					body = oo.Issue[0].Details.Text
				}
				if body == "" || strings.Contains(body, "[[") {
					t.Errorf("%d %s %s: a text is missing: %q", status, lang, path, body)
				}
				if lang == "fr" {
					probes.NoEnglish(t, http.StatusText(status)+" "+path, body)
				}
			}
		}
	}
}

// outcome is what a test reads of an OperationOutcome.
type outcome struct {
	ResourceType, Language string
	Issue                  []struct {
		Severity, Code, Diagnostics string
		Details                     struct {
			Coding []struct{ System, Code string }
			Text   string
		}
	}
}

// TestFHIRRefusalsAreOperationOutcomes: in front of the FHIR API, both
// refusals (overload, 503, and a client's own rate, 429) are FHIR
// OperationOutcomes in the caller's language, with the status and the
// Retry-After the JSON API's refusals carry, and the same error code.
func TestFHIRRefusalsAreOperationOutcomes(t *testing.T) {
	t.Parallel()
	c := newController(t, func(cfg *Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit = 1, 1, 1
		cfg.MaxQueue = 1
		cfg.RetryAfter = 3 * time.Second
	})
	busy, unblock := saturate(t, c, "/api/v1/appointments")
	defer unblock()
	limited := newController(t, func(cfg *Config) { cfg.AddressRate, cfg.AddressBurst = 1, 1 }).Middleware(ok)
	do(t, limited, "GET", "/fhir/Slot", nil) // spends the burst
	tests := []struct {
		name       string
		h          http.Handler
		accept     string
		status     int
		issue      string
		code, lang string
	}{
		{"overload fr", busy, "fr-CA", http.StatusServiceUnavailable, "transient", "unavailable", "fr"},
		{"overload en", busy, "en-CA,en;q=0.9", http.StatusServiceUnavailable, "transient", "unavailable", "en"},
		{"rate fr", limited, "", http.StatusTooManyRequests, "throttled", CodeRateLimited, "fr"},
		{"rate en", limited, "en", http.StatusTooManyRequests, "throttled", CodeRateLimited, "en"},
	}
	for _, tt := range tests {
		accept := func(r *http.Request) { r.Header.Set("Accept-Language", tt.accept) }
		w := do(t, tt.h, "GET", "/fhir/Slot", accept)
		api := do(t, tt.h, "GET", "/api/v1/slots", accept)
		if w.Code != tt.status || api.Code != tt.status {
			t.Fatalf("%s: FHIR %d, API %d, want %d", tt.name, w.Code, api.Code, tt.status)
		}
		if got, want := w.Header().Get("Retry-After"), api.Header().Get("Retry-After"); got == "" || got != want {
			t.Errorf("%s: Retry-After %q, the API's %q", tt.name, got, want)
		}
		if ct := w.Header().Get("Content-Type"); ct != FHIRContentType || w.Header().Get("Content-Language") != tt.lang {
			t.Errorf("%s: %q in %q, want FHIR JSON in %s", tt.name, ct, w.Header().Get("Content-Language"), tt.lang)
		}
		var oo outcome
		if err := json.Unmarshal(w.Body.Bytes(), &oo); err != nil {
			t.Fatalf("%s: %v\n%s", tt.name, err, w.Body)
		}
		key := "refusal." + strconv.Itoa(tt.status) + ".message"
		if oo.ResourceType != "OperationOutcome" || oo.Language != tt.lang || len(oo.Issue) != 1 ||
			oo.Issue[0].Severity != "error" || oo.Issue[0].Code != tt.issue || oo.Issue[0].Details.Text != i18n.T(tt.lang, key) ||
			len(oo.Issue[0].Details.Coding) != 1 || oo.Issue[0].Details.Coding[0].Code != tt.code {
			t.Errorf("%s: %s", tt.name, w.Body)
		}
	}
}

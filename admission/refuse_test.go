package admission

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
			for _, path := range []string{"/recherche", "/api/v1/slots"} {
				r := httptest.NewRequest(http.MethodGet, path+"?lang="+lang, nil)
				w := httptest.NewRecorder()
				rs.write(w, r, strings.HasPrefix(path, "/api/"), status, time.Second)
				body := w.Body.String()
				if strings.HasPrefix(path, "/api/") {
					var e struct{ Error struct{ Message string } }
					if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
						t.Fatalf("%d %s: %v", status, path, err)
					}
					body = e.Error.Message
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

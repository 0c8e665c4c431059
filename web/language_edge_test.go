package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/admission"
	"rdv/sqlite"
	"rdv/waitroom"
	"rdv/web/api"
)

// qValueFrench is a browser that accepts English, barely, and French
// fully: every answer of the site must be French.
const qValueFrench = "en;q=0.1, fr"

// edgeAnswer sends one request with Accept-Language accept through h.
func edgeAnswer(h http.Handler, target, accept string, cookies ...*http.Cookie) answer {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Accept-Language", accept)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	res.Request = r
	return answer{res, w.Body.String()}
}

// edgePages are what the edge answers in front of the pages, to a
// browser whose Accept-Language is accept: the waiting room's page (on
// arrival and with a place in line) and its API answer, and the refusal
// of a client over its rate, page and API answer. JSON answers are given
// by their message alone.
func (s *site) edgePages(t *testing.T, accept string) map[string]answer {
	t.Helper()
	pages := map[string]answer{}

	// The room keeps its line in a store of its own, so that opening it
	// changes nothing for the other pages of the test.
	line, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "line.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { line.Close() })
	secret := make([]byte, 32)
	room, err := waitroom.New(line, line, waitroom.Config{Secret: secret, PerSecond: 1, Session: time.Minute, Format: siteRoutes.Format}, nil, s.srv.log)
	if err != nil {
		t.Fatal(err)
	}
	if err := line.SetModes(t.Context(), rdv.Modes{WaitingRoom: true}); err != nil {
		t.Fatal(err)
	}
	room.Step(t.Context())
	inRoom := room.Middleware(s.mounted())
	arrival := edgeAnswer(inRoom, "/recherche", accept)
	pages["waiting room, arriving"] = arrival
	waiting := edgeAnswer(inRoom, "/recherche", accept, arrival.Cookies()...)
	pages["waiting room"] = waiting
	pages["waiting room, API"] = jsonMessage(t, edgeAnswer(inRoom, "/api/v1/clinics", accept, arrival.Cookies()...))

	cfg := admission.DefaultConfig()
	cfg.ClientLimits, cfg.AddressRate, cfg.AddressBurst = true, 0.001, 1
	frozen := time.Now()
	cfg.Now = func() time.Time { return frozen }
	cfg.Format = siteRoutes.Format
	admit, err := admission.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	limited := admit.Middleware(s.mounted())
	edgeAnswer(limited, "/", accept) // the one request of the burst
	pages["refusal"] = edgeAnswer(limited, "/", accept)
	pages["refusal, API"] = jsonMessage(t, edgeAnswer(limited, "/api/v1/clinics", accept))
	for name, want := range map[string]int{"waiting room": http.StatusServiceUnavailable, "refusal": http.StatusTooManyRequests} {
		if pages[name].StatusCode != want {
			t.Fatalf("%s: status %d, want %d:\n%s", name, pages[name].StatusCode, want, pages[name].body)
		}
	}
	return pages
}

// jsonMessage replaces an API answer's body with its error's message.
func jsonMessage(t *testing.T, a answer) answer {
	t.Helper()
	var e struct{ Error struct{ Message string } }
	if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Error.Message == "" {
		t.Fatalf("%s: status %d, no JSON error message: %s (%v)", a.Request.URL, a.StatusCode, a.body, err)
	}
	a.body = e.Error.Message
	return a
}

// TestOneLanguageForEveryAnswer: a browser that accepts English at
// q=0.1 and French fully gets every answer in French: a page, an API
// error, the waiting room and a refusal, pages and JSON.
func TestOneLanguageForEveryAnswer(t *testing.T) {
	s := mustOpenSite(t)
	answers := s.edgePages(t, qValueFrench)
	answers["page"] = edgeAnswer(s.srv, "/", qValueFrench)
	apiHandler := api.New(api.Deps{Engine: s.engine, Index: s.index, Store: s.store, Log: s.srv.log})
	answers["API error"] = jsonMessage(t, edgeAnswer(apiHandler, "/api/v1/appointments/99?token=x", qValueFrench))
	for name, a := range answers {
		if strings.Contains(a.Header.Get("Content-Type"), "html") && !strings.Contains(a.body, `<html lang="fr">`) {
			t.Errorf("%s: not French:\n%s", name, a.body)
		}
	}
	for name, want := range map[string]string{
		"waiting room, API": "Salle d'attente",
		"refusal, API":      "Nous avons reçu trop de demandes",
		"API error":         "Introuvable",
	} {
		if !strings.Contains(answers[name].body, want) {
			t.Errorf("%s: %q, want French (%q)", name, answers[name].body, want)
		}
	}
}

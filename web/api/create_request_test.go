package api

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/spool"
)

// withRequests gives the test API a real spool in front of its store, with
// its replayer running until the test ends.
func withRequests(t *testing.T, a *testAPI) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "requests.spool"), a.store, spool.Options{Log: a.log})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; sp.Close() })
	a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log, Requests: sp})
	return sp
}

const validRequest = `{"patient":{"first_name":"Émilie","last_name":"Tremblay","birth_date":"1988-04-12",
	"health_number":"TREE 8804 1299","phone":"514-555-0199"},
	"service":"general","place":"Trois-Rivières","radius_km":25,"availability":"les matins","urgent":true}`

func TestCreateRequest(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	sp := withRequests(t, a)
	got := a.call(request{method: "POST", url: "/api/v1/requests", body: validRequest}, 201)
	ref, _ := got["reference"].(string)
	token, _ := got["token"].(string)
	if !strings.HasPrefix(ref, "D-") || got["status"] != "open" || len(token) < 32 {
		t.Fatalf("answer %v, want a reference, a token and status open", got)
	}
	// The request is matched from today for the default span, as a
	// search without dates is.
	if got["from"] != "2030-03-03" || got["to"] != "2030-04-28" || got["scope"] != "network" {
		t.Fatalf("answer %v, want from 2030-03-03, to 2030-04-28, scope network", got)
	}
	// The replayer is woken by the append; wait for it, but not forever.
	waitFor(t, 10*time.Second, "the spool to hand the request to the store", func() bool { return sp.Pending() == 0 })
	list, err := a.store.Requests(t.Context(), rdv.RequestOpen, 10)
	if err != nil || len(list) != 1 || list[0].Reference != ref || list[0].HealthNumber != "TREE88041299" {
		t.Fatalf("stored %+v (%v), want the request %s with its number normalised", list, err, ref)
	}
	// The store keeps the token's hash, never the token; the place is
	// found on the map, for the matcher.
	r := list[0]
	if r.TokenHash != auth.HashToken(token) || strings.Contains(fmt.Sprint(r), token) || r.Lat == 0 || !r.Matchable() {
		t.Fatalf("stored %+v, want the token's hash, a position and a range", r)
	}
}

// TestCreateRequestCriteria: the criteria mean what the slot search's
// parameters of the same names mean, read by the same functions.
func TestCreateRequestCriteria(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	sp := withRequests(t, a)
	body := strings.Replace(validRequest, `"urgent":true`, `"urgent":true,"from":"2030-03-10","to":"2030-03-20",
		"weekdays":"lun,mer","times":"morning,17:30-19:00","language":"en","scope":"own_clinic"`, 1)
	got := a.call(request{method: "POST", url: "/api/v1/requests", body: body}, 201)
	want := map[string]any{"from": "2030-03-10", "to": "2030-03-20", "weekdays": "mon,wed", "times": "00:00-12:00,17:30-19:00",
		"language": "en", "scope": "own_clinic", "urgent": true, "child": false, "service": "general"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	waitFor(t, 10*time.Second, "the spool to hand the request to the store", func() bool { return sp.Pending() == 0 })
	list, err := a.store.Requests(t.Context(), rdv.RequestOpen, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %v (%v)", list, err)
	}
	r := list[0]
	from := rdv.Date{Year: 2030, Month: time.March, Day: 10}.Start(rdv.Toronto)
	to := rdv.Date{Year: 2030, Month: time.March, Day: 21}.Start(rdv.Toronto)
	if !r.From.Equal(from) || !r.To.Equal(to) || r.Weekdays != 1<<time.Monday|1<<time.Wednesday ||
		r.PractitionerLanguage != "en" || r.Scope != rdv.ScopeOwnClinic || r.Language != "fr" {
		t.Fatalf("stored %+v, want the criteria as given", r)
	}
}

func TestCreateRequestValidation(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	withRequests(t, a)
	tests := []struct {
		name, change, field, fr, en string
	}{
		{"no service", `"service":"general"`, "service", "Le service est invalide.", "The service is invalid."},
		{"bad health number", `"health_number":"TREE 8804 1299"`, "patient.health_number", "Le numéro d'assurance maladie est invalide.", "The health insurance number is invalid."},
		{"no place", `"place":"Trois-Rivières"`, "place", "Le lieu (place) est invalide.", "The place is invalid."},
	}
	criteria := []struct {
		name, add, field, fr, en string
	}{
		{"bad weekdays", `"weekdays":"lundi"`, "weekdays", "La liste des jours de la semaine (weekdays) est invalide.", "The list of weekdays (weekdays) is invalid."},
		{"bad times", `"times":"noon"`, "times", "La liste des heures (times) est invalide.", "The list of times of day (times) is invalid."},
		{"bad scope", `"scope":"clinic"`, "scope", "La portée (scope) est invalide.", "The scope is invalid."},
		{"bad language", `"language":"de"`, "language", "La langue est invalide.", "The language is invalid."},
		{"to before from", `"from":"2030-03-10","to":"2030-03-09"`, "to", "La date de fin (to) est invalide.", "The end date (to) is invalid."},
		{"range over", `"to":"2030-03-01"`, "to", "La date de fin (to) est invalide.", "The end date (to) is invalid."},
	}
	for _, c := range criteria {
		tests = append(tests, struct{ name, change, field, fr, en string }{c.name, `"urgent":true`, c.field, c.fr, c.en})
		tests[len(tests)-1].change = "+" + c.add
	}
	tests = append(tests, struct{ name, change, field, fr, en string }{"unknown place", "=" + `"place":"Atlantide"`, "place", "", ""})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body string
			switch tt.change[0] {
			case '+': // a criterion added
				body = strings.Replace(validRequest, `"urgent":true`, `"urgent":true,`+tt.change[1:], 1)
			case '=': // a field changed
				body = strings.Replace(validRequest, `"place":"Trois-Rivières"`, tt.change[1:], 1)
			default: // a field emptied
				body = strings.Replace(validRequest, tt.change, strings.SplitN(tt.change, ":", 2)[0]+`:""`, 1)
			}
			for lang, want := range map[string]string{"fr": tt.fr, "en": tt.en} {
				res, raw := a.do(request{method: "POST", url: "/api/v1/requests", body: body, headers: map[string]string{"Accept-Language": lang}})
				var e struct {
					Error struct{ Code, Field, Message string }
				}
				if err := json.Unmarshal(raw, &e); err != nil || res.StatusCode != 422 {
					t.Fatalf("%s: %d %s", lang, res.StatusCode, raw)
				}
				if e.Error.Field != tt.field || want != "" && e.Error.Message != want || e.Error.Message == "" {
					t.Fatalf("%s: field %q message %q, want %q %q", lang, e.Error.Field, e.Error.Message, tt.field, want)
				}
			}
		})
	}
}

func TestCreateRequestWithoutSpoolIsUnavailable(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.call(request{method: "POST", url: "/api/v1/requests", body: validRequest}, 503)
}

// waitFor polls done until it holds, and fails the test, naming what it
// waited for, if it still does not after limit: a stuck replayer must
// fail the test, not hang it until the suite's timeout.
func waitFor(t *testing.T, limit time.Duration, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package api

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv"
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
	got := a.call(request{method: "POST", url: "/api/v1/requests", body: validRequest}, 202)
	ref, _ := got["reference"].(string)
	if !strings.HasPrefix(ref, "D-") || got["status"] != "open" {
		t.Fatalf("answer %v, want a reference and status open", got)
	}
	// The replayer is woken by the append; wait for it, but not forever.
	waitFor(t, 10*time.Second, "the spool to hand the request to the store", func() bool { return sp.Pending() == 0 })
	list, err := a.store.Requests(t.Context(), rdv.RequestOpen, 10)
	if err != nil || len(list) != 1 || list[0].Reference != ref || list[0].HealthNumber != "TREE88041299" {
		t.Fatalf("stored %+v (%v), want the request %s with its number normalised", list, err, ref)
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
		{"no availability", `"availability":"les matins"`, "availability", "La description de vos disponibilités est invalide.", "The description of when you are free is invalid."},
		{"bad health number", `"health_number":"TREE 8804 1299"`, "patient.health_number", "Le numéro d'assurance maladie est invalide.", "The health insurance number is invalid."},
		{"no place", `"place":"Trois-Rivières"`, "place", "Le lieu (place) est invalide.", "The place is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(validRequest, tt.change, strings.SplitN(tt.change, ":", 2)[0]+`:""`, 1)
			for lang, want := range map[string]string{"fr": tt.fr, "en": tt.en} {
				res, raw := a.do(request{method: "POST", url: "/api/v1/requests", body: body, headers: map[string]string{"Accept-Language": lang}})
				var e struct {
					Error struct{ Code, Field, Message string }
				}
				if err := json.Unmarshal(raw, &e); err != nil || res.StatusCode != 422 {
					t.Fatalf("%s: %d %s", lang, res.StatusCode, raw)
				}
				if e.Error.Field != tt.field || e.Error.Message != want {
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

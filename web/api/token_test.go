package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// apiToken stores an API token of clinic with scopes and returns its
// secret.
func (a *testAPI) apiToken(clinic int64, scopes ...rdv.TokenScope) (rdv.ClinicToken, string) {
	a.t.Helper()
	secret := "rdvk_" + auth.NewToken()
	tok, err := a.store.AddClinicToken(a.t.Context(), rdv.ClinicToken{ClinicID: clinic, Kind: rdv.APIToken, Name: "Dossier",
		Prefix: rdv.TokenPrefix(secret), Scopes: scopes, CreatedAt: testNow}, auth.HashToken(secret))
	if err != nil {
		a.t.Fatalf("add token: %v", err)
	}
	return tok, secret
}

func bearerOf(secret string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + secret, "Accept-Language": "en"}
}

// TestTokenScopes: a token opens what its scopes name, for its own clinic
// only; no token, a wrong one, a revoked one is 401 and a missing scope
// 403, in the client's language.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	slot := a.freeSlotOfClinic(1)
	id, _ := a.book(slot, "192.0.2.9:1")
	agenda, agendaSecret := a.apiToken(1, rdv.ScopeAgendaRead)
	_, writeSecret := a.apiToken(1, rdv.ScopeAvailabilityWrite)
	_, otherSecret := a.apiToken(2, rdv.ScopeAgendaRead, rdv.ScopeAvailabilityWrite)
	day := testStart.String()
	agendaURL := "/api/v1/clinic/agenda?from=" + day + "&days=2"
	holiday := fmt.Sprintf(`{"date":%q,"reason":"Fête nationale"}`, testStart.AddDays(2).String())

	got := a.call(request{method: "GET", url: agendaURL, headers: bearerOf(agendaSecret)}, http.StatusOK)
	found := false
	for _, x := range got["appointments"].([]any) {
		ap := x.(map[string]any)
		if ap["id"] == float64(id) && ap["status"] == "booked" && ap["patient"].(map[string]any)["last_name"] != "" {
			found = true
		}
	}
	if !found {
		t.Fatalf("agenda %v lacks appointment %d", got, id)
	}
	if other := a.call(request{method: "GET", url: agendaURL, headers: bearerOf(otherSecret)}, http.StatusOK); len(other["appointments"].([]any)) != 0 {
		t.Fatalf("clinic 2's token reads %v", other)
	}

	a.runScenarios(t, []scenario{
		{"agenda without a token", request{method: "GET", url: agendaURL}, http.StatusUnauthorized, []string{"unauthorized"}, nil},
		{"agenda with a wrong token", request{method: "GET", url: agendaURL, headers: bearerOf("rdvk_nope")}, http.StatusUnauthorized, []string{"unauthorized"}, nil},
		{"agenda with a hash for a token", request{method: "GET", url: agendaURL, headers: bearerOf(auth.HashToken(agendaSecret))}, http.StatusUnauthorized, []string{"unauthorized"}, nil},
		{"agenda without its scope", request{method: "GET", url: agendaURL, headers: bearerOf(writeSecret)}, http.StatusForbidden, []string{"forbidden"}, nil},
		{"agenda: days out of range", request{method: "GET", url: "/api/v1/clinic/agenda?days=40", headers: bearerOf(agendaSecret)}, http.StatusUnprocessableEntity, []string{"invalid_field"}, nil},
		{"exceptions without their scope", request{method: "GET", url: exceptionsURL, headers: bearerOf(agendaSecret)}, http.StatusForbidden, []string{"forbidden"}, nil},
		{"another clinic's exceptions", request{method: "GET", url: exceptionsURL, headers: bearerOf(otherSecret)}, http.StatusForbidden, []string{"forbidden"}, nil},
		{"another clinic adds one", request{method: "POST", url: exceptionsURL, headers: bearerOf(otherSecret), body: holiday}, http.StatusForbidden, []string{"forbidden"}, nil},
	})
	// The write scope works on the clinic's plan without a session or a
	// form token: no browser sends the header by itself.
	a.call(request{method: "GET", url: exceptionsURL, headers: bearerOf(writeSecret)}, http.StatusOK)
	add := request{method: "POST", url: exceptionsURL, headers: bearerOf(writeSecret), body: holiday}
	add.headers["Idempotency-Key"] = "holiday-" + auth.NewToken()
	added := a.call(add, http.StatusCreated)
	if again := a.call(add, http.StatusCreated); again["exception"].(map[string]any)["id"] != added["exception"].(map[string]any)["id"] {
		t.Fatalf("a retry with the token added %v, want %v", again, added)
	}

	if err := a.store.RevokeClinicToken(t.Context(), 1, agenda.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, body := a.do(request{method: "GET", url: agendaURL, headers: bearerOf(agendaSecret)})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "revoked") {
		t.Fatalf("a revoked token: %d %s", res.StatusCode, body)
	}
}

// freeSlotOfClinic returns a free public slot of a clinic.
func (a *testAPI) freeSlotOfClinic(clinic int64) int64 {
	a.t.Helper()
	var id int64
	err := a.store.ScanBookable(a.t.Context(), testNow, testNow, func(s rdv.Slot) error {
		if s.ClinicID == clinic && s.Audience == rdv.Public && (id == 0 || s.ID < id) && rdv.DateOf(s.Start) == testStart {
			id = s.ID
		}
		return nil
	})
	if err != nil || id == 0 {
		a.t.Fatalf("no free slot of clinic %d: %v", clinic, err)
	}
	return id
}

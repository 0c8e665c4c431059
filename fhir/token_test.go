package fhir

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/web/api"
)

// apiTokens finds a request's API token as the server does: with the JSON
// API's reading of the header and the store.
func apiTokens(store rdv.ClinicTokenStore, now func() time.Time) TokenFinder {
	return func(r *http.Request) (rdv.ClinicToken, bool, error) {
		if !api.HasBearer(r) {
			return rdv.ClinicToken{}, false, nil
		}
		t, err := api.ClinicToken(r.Context(), store, r, now())
		return t, true, err
	}
}

// apiToken makes an API token of the clinic with scopes and returns the
// header that carries it.
func (f *testFHIR) apiToken(clinicID int64, scopes ...rdv.TokenScope) (rdv.ClinicToken, string) {
	f.t.Helper()
	secret := "rdvk_" + auth.NewToken()
	tok, err := f.store.AddClinicToken(context.Background(), rdv.ClinicToken{ClinicID: clinicID, Kind: rdv.APIToken, Name: "Dossier médical",
		Prefix: rdv.TokenPrefix(secret), Scopes: scopes, CreatedAt: testNow}, auth.HashToken(secret))
	if err != nil {
		f.t.Fatalf("add token: %v", err)
	}
	return tok, "Authorization: Bearer " + secret
}

// A clinic's record system works with the clinic's API token: it reads
// the agenda with agenda:read, books the clinic's slots (rostered ones
// too) and cancels its appointments with appointments:write, and nothing
// of another clinic's. A token without the scope is refused (403), an
// unknown or revoked one too (401), even where anyone may go without
// one: a request that says who it is is never served as nobody.
func TestAPITokens(t *testing.T) {
	f := newTestFHIR(t)
	_, reader := f.apiToken(1, rdv.ScopeAgendaRead)
	_, writer := f.apiToken(1, rdv.ScopeAppointmentsWrite)
	_, both := f.apiToken(1, rdv.ScopeAgendaRead, rdv.ScopeAppointmentsWrite)
	_, hooks := f.apiToken(1, rdv.ScopeWebhooks)
	_, otherClinic := f.apiToken(2, rdv.ScopeAgendaRead, rdv.ScopeAppointmentsWrite)
	revokedTok, revoked := f.apiToken(1, rdv.ScopeAgendaRead, rdv.ScopeAppointmentsWrite)
	if err := f.store.RevokeClinicToken(context.Background(), 1, revokedTok.ID, testNow); err != nil {
		t.Fatal(err)
	}
	hold := func(slot int64) map[string]any {
		return params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slot)})
	}
	const (
		rostered     = 10 // practitioner 1, clinic 1, first day: kept for rostered patients
		otherClinics = 67 // practitioner 3, clinic 2, first day, 09:00
	)
	tests := []struct {
		name, method, target string
		body                 any
		header               string
		status               int
		issue                string
	}{
		{"agenda with agenda:read", "GET", "/fhir/Appointment?date=" + testStart.String(), nil, reader, 200, ""},
		{"an appointment with agenda:read", "GET", "/fhir/Appointment/1", nil, reader, 200, ""},
		{"agenda without agenda:read", "GET", "/fhir/Appointment?date=" + testStart.String(), nil, writer, 403, "forbidden"},
		{"an appointment with another scope", "GET", "/fhir/Appointment/1", nil, hooks, 403, "forbidden"},
		{"another clinic's appointment", "GET", "/fhir/Appointment/1", nil, otherClinic, 404, "not-found"},
		{"a revoked token", "GET", "/fhir/Appointment/1", nil, revoked, 401, "login"},
		{"an unknown token", "GET", "/fhir/Appointment/1", nil, "Authorization: Bearer rdvk_nope", 401, "login"},
		{"a revoked token where anyone may go", "POST", "/fhir/Appointment/$hold", hold(5), revoked, 401, "login"},
		{"a hold without appointments:write", "POST", "/fhir/Appointment/$hold", hold(5), reader, 403, "forbidden"},
		{"a hold of another clinic's slot", "POST", "/fhir/Appointment/$hold", hold(otherClinics), writer, 403, "forbidden"},
		{"a hold of a rostered slot", "POST", "/fhir/Appointment/$hold", hold(rostered), writer, 200, ""},
		{"a cancel without appointments:write", "POST", "/fhir/Appointment/$book", params("appointment-resource",
			map[string]any{"resourceType": "Appointment", "id": "1", "status": "cancelled", "participant": []any{}}), reader, 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(tt.method, tt.target, tt.body, tt.header)
			if res.status != tt.status || (tt.issue != "" && !strings.Contains(string(res.body), `"code":"`+tt.issue+`"`)) {
				t.Errorf("%d %s, want %d %s", res.status, res.body, tt.status, tt.issue)
			}
		})
	}
	if res := f.do("POST", "/fhir/Appointment/$hold", hold(rostered+1)); res.status == 200 {
		t.Errorf("the public held a rostered slot: %s", res.body)
	}

	// Booked by the clinic's record system: the desk's booking, by API,
	// of a rostered pediatrics slot for a child, then read back and
	// cancelled by id with the token, no appointment token needed.
	child := patient()
	child["birthDate"] = "2020-06-15"
	child["identifier"] = []any{map[string]any{"system": healthNumberSystem, "value": "BOUC 2006 1512"}}
	child["contact"] = []any{map[string]any{
		"relationship": []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}}}},
		"name":         map[string]any{"family": "Bouchard", "given": []string{"Julie"}},
		"telecom":      []any{map[string]any{"system": "phone", "value": "514-555-0199"}},
	}}
	res := f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(rostered+1)},
		"patient-resource", child), both, "Idempotency-Key: desk-1")
	var booked bundleOf[Appointment]
	f.decode(res, &booked)
	appts := resources(t, booked, "Appointment")
	if res.status != 200 || len(appts) != 1 || appts[0].Status != "booked" {
		t.Fatalf("$book with a token: %d %s", res.status, res.body)
	}
	stored, err := f.store.Appointment(context.Background(), mustID(t, appts[0].ID))
	if err != nil || stored.BookedBy != rdv.ByStaff || stored.Channel != rdv.API || stored.Slot.ID != rostered+1 {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	// The same key with another token is another request: it opens
	// nothing of the first's answer (the slot is taken).
	res = f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(rostered+1)},
		"patient-resource", child), writer, "Idempotency-Key: desk-1")
	if res.status != http.StatusConflict {
		t.Errorf("the key replayed with another token: %d %s", res.status, res.body)
	}
	if res := f.do("GET", "/fhir/Appointment/"+appts[0].ID, nil, reader); res.status != 200 || !strings.Contains(string(res.body), `"status":"booked"`) {
		t.Errorf("read back: %d %s", res.status, res.body)
	}
	cancel := map[string]any{"resourceType": "Appointment", "id": appts[0].ID, "status": "cancelled", "participant": []any{}}
	if res := f.do("POST", "/fhir/Appointment/$book", params("appointment-resource", cancel), otherClinic); res.status != 404 {
		t.Errorf("another clinic's token cancelled: %d %s", res.status, res.body)
	}
	if res := f.do("POST", "/fhir/Appointment/$book", params("appointment-resource", cancel), writer); res.status != 200 || !strings.Contains(string(res.body), `"status":"cancelled"`) {
		t.Errorf("cancel with the token: %d %s", res.status, res.body)
	}
}

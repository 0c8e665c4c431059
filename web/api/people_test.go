package api

import (
	"net/http"
	"testing"
)

// childJSON is a child of six (in 2030) without contact of his own: a
// guardian books for him.
var childJSON = map[string]any{"first_name": "Léo", "last_name": "Bouchard", "birth_date": "2024-02-29", "health_number": "BOUL24022919"}

// TestPeopleRulesInTheAPI: the API applies the rules of the web and the
// desk, and lists every invalid field in "errors" while "error" stays the
// first of them.
func TestPeopleRulesInTheAPI(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	en := map[string]string{"Accept-Language": "en"}
	guardian := map[string]any{"first_name": "Camille", "last_name": "Bouchard", "phone": "514-555-0142", "relationship": "parent"}
	holdID := a.hold(slotFree, "")
	a.runScenarios(t, []scenario{
		{name: "child alone", req: request{method: "POST", url: "/api/v1/appointments", headers: en, body: confirmBody(t, holdID, childJSON)},
			wantStatus: 422, want: []string{`"field":"guardian"`, "under 14 cannot book alone"}},
		{name: "adult with a guardian", req: request{method: "POST", url: "/api/v1/appointments", headers: en,
			body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": patientJSON, "guardian": guardian})},
			wantStatus: 422, want: []string{`"field":"guardian"`, "books for themselves"}},
		{name: "unknown relationship", req: request{method: "POST", url: "/api/v1/appointments",
			body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": childJSON, "guardian": with(guardian, "relationship", "uncle")})},
			wantStatus: 422, want: []string{`"field":"guardian.relationship"`}},
		{name: "every error at once", req: request{method: "POST", url: "/api/v1/appointments", headers: en,
			body: confirmBody(t, holdID, with(with(with(patientJSON, "birth_date", "2999-01-01"), "health_number", "BOUC 9006 151"), "email", "x@"))},
			wantStatus: 422, want: []string{`"error":{"code":"invalid_field"`, `"field":"patient.birth_date"},"errors":[`,
				`"field":"patient.birth_date"}`, `"field":"patient.health_number"}`, `"field":"patient.email"}`}},
	})
	// A newborn without a card, on the guardian's number.
	baby := map[string]any{"first_name": "Zoé", "last_name": "Bouchard", "birth_date": "2030-01-20"}
	g := with(with(guardian, "health_number", "BOUC 9006 1512"), "birth_date", "1990-06-15")
	got := a.call(request{method: "POST", url: "/api/v1/appointments", body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": baby, "guardian": g})}, http.StatusCreated)
	if got["booked_by"] != "guardian" {
		t.Fatalf("newborn on the guardian's card: %v", got)
	}
}

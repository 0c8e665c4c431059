package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBookingUnderAnotherPatientsNumber is the attack of someone who knows
// a patient's health number and birth date, through the API: another name
// is refused in the caller's language; a name with the same letters books,
// shows only what was sent, and changes nothing of the patient.
func TestBookingUnderAnotherPatientsNumber(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	ctx := context.Background()
	id, token := a.book(slotFree, "192.0.2.10:1")
	victim, err := a.store.Appointment(ctx, id)
	if err != nil {
		t.Fatalf("appointment: %v", err)
	}
	stored, err := a.store.Patient(ctx, victim.Patient.ID)
	if err != nil {
		t.Fatalf("patient: %v", err)
	}

	holdID := a.hold(3, "203.0.113.66:1")
	mallory := with(with(with(with(patientJSON, "first_name", "Mallory"), "last_name", "Attaquant"), "phone", "438-555-0666"), "email", "")
	en := map[string]string{"Accept-Language": "en"}
	a.runScenarios(t, []scenario{
		{name: "another name", req: request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, mallory)}, wantStatus: 422,
			want: []string{`"field":"patient.health_number"`, "ne correspond pas au nom"}},
		{name: "another name in English", req: request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, mallory), headers: en}, wantStatus: 422,
			want: []string{`"field":"patient.health_number"`, "does not match the name"}},
		{name: "guardian of another name", req: request{method: "POST", url: "/api/v1/appointments", headers: en,
			body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": childJSON, "guardian": mallory})}, wantStatus: 422,
			want: []string{`"field":"guardian.health_number"`, "guardian's health insurance number does not match"}},
	})

	// The same letters (BOUC) pass the check, and still change nothing.
	namesake := with(with(with(mallory, "first_name", "Chantal"), "last_name", "Boucher"), "language", "en")
	out := a.call(request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, namesake), remote: "203.0.113.66:1"}, http.StatusCreated)
	body := jsonOf(t, out)
	if p := out["patient"].(map[string]any); p["first_name"] != "Chantal" || p["last_name"] != "Boucher" || p["language"] != "en" {
		t.Errorf("answer shows patient %v, want what was sent", p)
	}
	for _, leak := range []string{"Camille", "Bouchard", "camille@example.org", "514-555-0142"} {
		if strings.Contains(body, leak) {
			t.Errorf("answer shows %q of the stored patient: %s", leak, body)
		}
	}
	if got, _ := a.store.Patient(ctx, victim.Patient.ID); got != stored {
		t.Errorf("stored patient after the second booking\n%+v\nwant unchanged\n%+v", got, stored)
	}
	mine := a.call(request{method: "GET", url: fmt.Sprintf("/api/v1/appointments/%d?token=%s", id, token)}, http.StatusOK)
	if p := mine["patient"].(map[string]any); p["first_name"] != "Camille" || p["last_name"] != "Bouchard" {
		t.Errorf("the patient's own appointment now shows %v", p)
	}
	theirs := fmt.Sprintf("/api/v1/appointments/%v", out["id"])
	a.call(request{method: "POST", url: theirs + "/cancel", body: jsonOf(t, map[string]any{"token": out["cancel_token"]})}, http.StatusOK)
	if got, _ := a.store.Patient(ctx, victim.Patient.ID); got != stored {
		t.Errorf("stored patient after the cancellation\n%+v\nwant unchanged\n%+v", got, stored)
	}
}

package api

import (
	"context"
	"net/http"
	"testing"

	"rdv"
)

// TestCreateAppointmentChannels: the booking's channels come from notify,
// by email by default when an email is given, and a channel chosen
// without its contact is refused with the field named.
func TestCreateAppointmentChannels(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	noEmail := with(patientJSON, "email", "")
	tests := []struct {
		name    string
		patient map[string]any
		notify  any // nil: left out
		want    map[rdv.MessageChannel]int
	}{
		{"default: by email", patientJSON, nil, map[rdv.MessageChannel]int{rdv.ByEmail: 1}},
		{"default without an email: nothing", noEmail, nil, map[rdv.MessageChannel]int{}},
		{"text messages only", patientJSON, map[string]any{"sms": true}, map[rdv.MessageChannel]int{rdv.BySMS: 1}},
		{"both", patientJSON, map[string]any{"email": true, "sms": true}, map[rdv.MessageChannel]int{rdv.ByEmail: 1, rdv.BySMS: 1}},
		{"none", patientJSON, map[string]any{}, map[rdv.MessageChannel]int{}},
	}
	// Slots 3 to 8 are the first day's free public slots after slotBooked.
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"hold_id": a.hold(slotBooked+1+int64(i), ""), "patient": tt.patient}
			if tt.notify != nil {
				body["notify"] = tt.notify
			}
			got := a.call(request{method: "POST", url: "/api/v1/appointments", body: jsonOf(t, body)}, http.StatusCreated)
			ms, err := a.store.Messages(context.Background(), rdv.MessageFilter{AppointmentID: int64(got["id"].(float64))})
			if err != nil {
				t.Fatal(err)
			}
			confirmations := map[rdv.MessageChannel]int{}
			for _, m := range ms {
				if m.Kind == rdv.MessageConfirmed {
					confirmations[m.Channel]++
				}
			}
			if len(confirmations) != len(tt.want) || confirmations[rdv.ByEmail] != tt.want[rdv.ByEmail] || confirmations[rdv.BySMS] != tt.want[rdv.BySMS] {
				t.Fatalf("confirmations %v, want %v", confirmations, tt.want)
			}
		})
	}
	holdID := a.hold(slotFree, "")
	en := map[string]string{"Accept-Language": "en"}
	a.runScenarios(t, []scenario{
		{name: "email chosen without an email", req: request{method: "POST", url: "/api/v1/appointments", headers: en,
			body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": noEmail, "notify": map[string]any{"email": true}})},
			wantStatus: 422, want: []string{`"field":"notify.email"`, "notify.email needs an email"}},
		{name: "en français", req: request{method: "POST", url: "/api/v1/appointments",
			body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": noEmail, "notify": map[string]any{"email": true}})},
			wantStatus: 422, want: []string{`"field":"notify.email"`, "demande un courriel"}},
		{name: "unknown channel", req: request{method: "POST", url: "/api/v1/appointments",
			body: jsonOf(t, map[string]any{"hold_id": holdID, "patient": patientJSON, "notify": map[string]any{"pigeon": true}})},
			wantStatus: 400},
	})
	// The refusals spoilt nothing: the hold still books.
	a.call(request{method: "POST", url: "/api/v1/appointments", body: confirmBody(t, holdID, patientJSON)}, http.StatusCreated)
}

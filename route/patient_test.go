package route

import (
	"net/http/httptest"
	"strings"
	"testing"

	"rdv"
	"rdv/admission"
)

// TestPatientPolicy: a patient's route admits a signed-in patient
// account, whatever staff account the browser also holds, and sends
// anyone else to sign in; a staff route is not opened by a patient's
// session; a patient's policy takes no roles.
func TestPatientPolicy(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/mes-rendez-vous", nil)
	staff := &rdv.Account{Role: rdv.PhoneAgent}
	tests := []struct {
		name   string
		policy Policy
		c      Caller
		want   Verdict
	}{
		{"patient route, nobody", SignedInPatient, Caller{}, SignIn},
		{"patient route, a patient", SignedInPatient, Caller{Patient: 7}, Allow},
		{"patient route, staff only", SignedInPatient, Caller{Staff: staff}, SignIn},
		{"patient route, staff and a patient", SignedInPatient, Caller{Staff: staff, Patient: 7}, Allow},
		{"staff route, a patient", Roles(rdv.PhoneAgent), Caller{Patient: 7}, SignIn},
		{"staff route, its staff and a patient", Roles(rdv.PhoneAgent), Caller{Staff: staff, Patient: 7}, Allow},
		{"public route, nobody", Public, Caller{}, Allow},
		{"link route, nobody", PatientLink, Caller{}, Allow},
	}
	for _, tt := range tests {
		if got := tt.policy.Admit(tt.c, r); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if SignedInPatient.Check(nil, r) != SignIn {
		t.Error("Check without a patient let a patient's route through")
	}

	rt := Route{Pattern: "GET /mes-rendez-vous", Class: admission.Browse, Room: Through, ReadOnly: Allowed, FormsOnly: Refused, Policy: SignedInPatient}
	if _, err := NewTable([]Route{rt}); err != nil {
		t.Errorf("a patient's route: %v", err)
	}
	rt.Policy.Roles = []rdv.Role{rdv.Operator}
	if _, err := NewTable([]Route{rt}); err == nil || !strings.Contains(err.Error(), "not staff") {
		t.Errorf("a patient's policy with roles: %v", err)
	}
}

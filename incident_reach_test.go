package rdv

import (
	"testing"
	"time"
)

func TestIncidentReach(t *testing.T) {
	t.Parallel()
	now := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	in := Incident{DeclaredAt: now}
	touched := []Appointment{
		{ID: 1, Notify: Notify{Email: true, SMS: true}, Patient: Patient{Email: "a@example.org", Phone: "+15145550101"}},
		{ID: 2, Notify: Notify{SMS: true}, Patient: Patient{Email: "b@example.org"}}, // no phone to text
		{ID: 3, Patient: Patient{Email: "c@example.org"}},                            // no channel chosen
		{ID: 4, Notify: Notify{Email: true}, Patient: Patient{}, Guardian: &Patient{Email: "parent@example.org"}},
	}
	want := IncidentReach{Appointments: 4, Told: 2, Notices: 3}
	if got := in.Reach(touched); got != want {
		t.Fatalf("Reach = %+v, want %+v", got, want)
	}
	if got := in.Reach(nil); got != (IncidentReach{}) {
		t.Fatalf("Reach of nothing = %+v", got)
	}
}

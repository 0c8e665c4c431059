package fhir

import (
	"testing"

	"rdv"
)

// TestAppointmentReadsAudited: an appointment read by its clinic's staff
// and the clinic's agenda searched are on the trail, by that staff
// account, naming the appointment; a refused read is not.
func TestAppointmentReadsAudited(t *testing.T) {
	f := newTestFHIR(t)
	own := f.staffSession("receptionist", 1)
	other := f.staffSession("clinic_admin", 2)
	if res := f.do("GET", "/fhir/Appointment/1", nil, other); res.status != 404 {
		t.Fatalf("another clinic's read: %d", res.status)
	}
	if res := f.do("GET", "/fhir/Appointment/1", nil, own); res.status != 200 {
		t.Fatalf("read: %d %s", res.status, res.body)
	}
	if res := f.do("GET", "/fhir/Appointment?date="+testStart.String(), nil, own); res.status != 200 {
		t.Fatalf("search: %d %s", res.status, res.body)
	}
	es, err := f.store.AuditEvents(t.Context(), rdv.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("events: %+v, want a search and a read", es)
	}
	for i, want := range []rdv.AuditAction{rdv.AuditAppointmentsRead, rdv.AuditAppointmentRead} {
		e := es[i]
		if e.Action != want || e.Actor.Kind != rdv.ActorStaff || e.Actor.ID == 0 || len(e.Records.Appointments) != 1 || e.Records.Appointments[0] != 1 {
			t.Errorf("event %d: %+v, want %s of appointment 1 by a staff account", i, e, want)
		}
	}
}

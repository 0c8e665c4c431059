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

// TestChangesAudited: $book and a cancel through a clinic's API token
// are on the trail in the token's name, naming the appointment and its
// patient; a booking by the public is a visitor's; a cancel with the
// appointment's own token is its link holder's.
func TestChangesAudited(t *testing.T) {
	f := newTestFHIR(t)
	tok, writer := f.apiToken(1, rdv.ScopeAppointmentsWrite)
	book := func(slot int64, headers ...string) Appointment {
		t.Helper()
		res := f.do("POST", "/fhir/Appointment/$book", params("appointment-reference", Reference{Reference: "Appointment/" + proposedID(slot)},
			"patient-resource", patient()), headers...)
		var b bundleOf[Appointment]
		f.decode(res, &b)
		appts := resources(t, b, "Appointment")
		if res.status != 200 || len(appts) != 1 {
			t.Fatalf("$book of slot %d: %d %s", slot, res.status, res.body)
		}
		return appts[0]
	}
	cancel := func(a Appointment, headers ...string) {
		t.Helper()
		in := map[string]any{"resourceType": "Appointment", "id": a.ID, "status": "cancelled", "participant": []any{}, "identifier": a.Identifier}
		if res := f.do("POST", "/fhir/Appointment/$book", params("appointment-resource", in), headers...); res.status != 200 {
			t.Fatalf("cancel appointment %s: %d %s", a.ID, res.status, res.body)
		}
	}
	byToken := book(slotFree, writer)
	cancel(Appointment{ID: byToken.ID}, writer) // by id, with the clinic's token alone
	public := book(5)
	var token string
	for _, id := range public.Identifier {
		if id.System == cancelTokenSystem {
			token = id.Value
		}
	}
	if token == "" {
		t.Fatalf("the public's booking carries no token: %+v", public.Identifier)
	}
	cancel(Appointment{ID: public.ID, Identifier: []Identifier{{System: cancelTokenSystem, Value: token}}})

	es, err := f.store.AuditEvents(t.Context(), rdv.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action rdv.AuditAction
		kind   rdv.ActorKind
		id     int64
		appt   string
	}{
		{rdv.AuditAppointmentCancel, rdv.ActorLink, 0, public.ID},
		{rdv.AuditAppointmentBook, rdv.ActorVisitor, 0, public.ID},
		{rdv.AuditAppointmentCancel, rdv.ActorClinicToken, tok.ID, byToken.ID},
		{rdv.AuditAppointmentBook, rdv.ActorClinicToken, tok.ID, byToken.ID},
	}
	if len(es) != len(want) {
		t.Fatalf("events: %+v, want %d", es, len(want))
	}
	for i, w := range want {
		e := es[i]
		if e.Action != w.action || e.Actor.Kind != w.kind || e.Actor.ID != w.id || e.Actor.Address == "" ||
			len(e.Records.Appointments) != 1 || e.Records.Appointments[0] != mustID(t, w.appt) || len(e.Records.Patients) != 1 {
			t.Errorf("event %d: %+v, want %s of appointment %s by %s %d", i, e, w.action, w.appt, w.kind, w.id)
		}
	}
}

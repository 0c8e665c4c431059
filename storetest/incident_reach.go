package storetest

import (
	"testing"
	"time"

	"rdv"
)

// runIncidentReach runs the suite of the operator's preview of an
// incident: it counts what declaring would write, and writes nothing.
func runIncidentReach(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"CountsWhatDeclaringWrites", testIncidentReach},
		{"Refused", testIncidentReachRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, open))
		})
	}
}

// testIncidentReach: the preview counts the appointments booked in the
// window at the clinics, those a notice reaches and the notices, exactly
// what DeclareIncident then writes; it writes nothing itself.
func testIncidentReach(t *testing.T, f *fixture) {
	// Clinic 1 on the third day: two booked in the window (one with both
	// channels, one with none), one cancelled, one at the window's end;
	// clinic 2 in the window, by email; clinic 1 the day before.
	told := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, nil)
	f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 1).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{} })
	cancelled := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 2).ID, nil)
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: cancelled.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	atEnd := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 4).ID, nil)
	f.mustBookNotified(f.freeSlot(2, 2, rdv.Public, 0).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{Email: true} })
	f.mustBookNotified(f.freeSlot(1, 1, rdv.Public, 0).ID, nil)
	before := len(f.messages(0))

	in := rdv.Incident{ClinicIDs: []int64{1}, From: told.Slot.Start, To: atEnd.Slot.Start, TextFR: "Panne.", TextEN: "Outage.", DeclaredAt: f.now}
	every := in
	every.ClinicIDs = nil
	tests := []struct {
		name string
		in   rdv.Incident
		want rdv.IncidentReach
	}{
		{"one clinic", in, rdv.IncidentReach{Appointments: 2, Told: 1, Notices: 2}},
		{"every clinic", every, rdv.IncidentReach{Appointments: 3, Told: 2, Notices: 3}},
		{"a window with nothing booked", func() rdv.Incident {
			x := in
			x.From, x.To = atEnd.Slot.Start.Add(24*time.Hour), atEnd.Slot.Start.Add(48*time.Hour)
			return x
		}(), rdv.IncidentReach{}},
	}
	for _, tt := range tests {
		got, err := f.store.IncidentReach(f.ctx, tt.in)
		if err != nil || got != tt.want {
			t.Fatalf("%s: reach %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if after := len(f.messages(0)); after != before {
		t.Fatalf("a preview wrote %d messages", after-before)
	}
	if list, err := f.store.Incidents(f.ctx); err != nil || len(list) != 0 {
		t.Fatalf("a preview recorded incidents: %+v, %v", list, err)
	}
	// Declaring writes what the preview counted.
	for _, tt := range tests[:2] {
		reach, err := f.store.IncidentReach(f.ctx, tt.in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.store.DeclareIncident(f.ctx, tt.in)
		if err != nil || out.Notified != reach.Notices {
			t.Fatalf("%s: declared %+v, %v; the preview counted %d notices", tt.name, out, err, reach.Notices)
		}
	}
}

// testIncidentReachRefused: an incident DeclareIncident refuses, the
// preview refuses too, on the same field.
func testIncidentReachRefused(t *testing.T, f *fixture) {
	good := rdv.Incident{From: f.now, To: f.now.Add(72 * time.Hour), TextFR: "Panne.", TextEN: "Outage.", DeclaredAt: f.now}
	for _, tt := range []struct {
		name  string
		edit  func(*rdv.Incident)
		field string
	}{
		{"window backwards", func(in *rdv.Incident) { in.From, in.To = in.To, in.From }, "to"},
		{"no French", func(in *rdv.Incident) { in.TextFR = "" }, "text_fr"},
		{"too many clinics", func(in *rdv.Incident) { in.ClinicIDs = make([]int64, rdv.MaxIncidentClinics+1) }, "clinic_ids"},
	} {
		in := good
		tt.edit(&in)
		if _, err := f.store.IncidentReach(f.ctx, in); rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != tt.field {
			t.Fatalf("%s: %v, want %s on %s", tt.name, err, rdv.EINVALID, tt.field)
		}
	}
}

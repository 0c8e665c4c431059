package storetest

import (
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// testBookingKeepsPatients is the attack of someone who knows a patient's
// health number and birth date: a booking under that number with another
// name and phone must change nothing stored about the patient, nor show
// anything of them, and the patient's own appointments keep the details
// their booking gave.
func testBookingKeepsPatients(t *testing.T, f *fixture) {
	free := f.freePublic(3)
	victim := TestPatient(40)
	victim.Email, victim.Language = "victime@example.org", "fr"
	h := f.mustHold(free[0], "victim")
	mine, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, victim))
	if err != nil {
		t.Fatalf("victim's booking: %v", err)
	}
	stored := f.patient(mine.Patient.ID)

	mallory := rdv.Patient{FirstName: "Mallory", LastName: "Attaquant", BirthDate: victim.BirthDate, HealthNumber: victim.HealthNumber,
		Phone: "438-555-0666", Language: "en"}
	h2 := f.mustHold(free[1], "mallory")
	theirs, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h2.ID, mallory))
	if err != nil {
		t.Fatalf("booking under the victim's number: %v", err)
	}
	sent := mallory
	sent.ID = theirs.Patient.ID
	if theirs.Patient != sent {
		t.Fatalf("answer shows patient\n%+v\nwant only what was sent\n%+v", theirs.Patient, sent)
	}
	if got := f.patient(mine.Patient.ID); got != stored {
		t.Fatalf("stored patient after the booking under their number\n%+v\nwant unchanged\n%+v", got, stored)
	}
	if got := f.appointment(mine.ID).Patient; got != mine.Patient {
		t.Fatalf("victim's appointment now shows\n%+v\nwant\n%+v", got, mine.Patient)
	}
	if got := f.appointment(theirs.ID).Patient; got != theirs.Patient {
		t.Fatalf("the second booking reads back as\n%+v\nwant what it gave\n%+v", got, theirs.Patient)
	}
	f.wantAgendaPatient(f.store, mine.Slot, mine.Patient)
	f.wantAgendaPatient(f.store, theirs.Slot, theirs.Patient)
	// Cancelling the booking leaves nothing behind either.
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: theirs.ID, TokenHash: auth.HashToken(theirs.CancelToken), Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if got := f.patient(mine.Patient.ID); got != stored {
		t.Fatalf("stored patient after the cancellation\n%+v\nwant unchanged\n%+v", got, stored)
	}

	// The victim named as the guardian of a child: the guardian is found,
	// never rewritten.
	child := rdv.Patient{FirstName: "Zoé", LastName: "Essai", BirthDate: rdv.Date{Year: 2022, Month: time.May, Day: 4},
		HealthNumber: "ESSZ22550401", Phone: "438-555-0666", Language: "en"}
	cr := f.confirmReq(f.mustHold(free[2], "mallory").ID, child)
	cr.Guardian, cr.BookedBy = &mallory, rdv.ByGuardian
	kid, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("booking for a child with the victim as guardian: %v", err)
	}
	if kid.Guardian == nil || kid.Guardian.ID != mine.Patient.ID || kid.Guardian.FirstName != "Mallory" || kid.Guardian.Phone != mallory.Phone {
		t.Fatalf("guardian in the answer %+v, want the victim's row with the details sent", kid.Guardian)
	}
	if got := f.patient(mine.Patient.ID); got != stored {
		t.Fatalf("stored patient after being named guardian\n%+v\nwant unchanged\n%+v", got, stored)
	}
}

// testBookingKeepsGuardianLink books a known child with another guardian:
// the child's stored guardian stays, the appointment names the one who
// booked.
func testBookingKeepsGuardianLink(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	child := rdv.Patient{FirstName: "Léo", LastName: "Lavoie", BirthDate: rdv.Date{Year: 2024, Month: time.June, Day: 1},
		HealthNumber: "LAVL24060118", Phone: "514-555-0111", Language: "fr"}
	parent, other := TestPatient(50), TestPatient(51)
	cr := f.confirmReq(f.mustHold(free[0], "parent").ID, child)
	cr.Guardian, cr.BookedBy = &parent, rdv.ByGuardian
	first, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("first booking for the child: %v", err)
	}
	stored := f.patient(first.Patient.ID)
	if stored.GuardianID != first.Guardian.ID || stored.FirstName != child.FirstName {
		t.Fatalf("new child stored as %+v, want the details given and guardian %d", stored, first.Guardian.ID)
	}
	renamed := child
	renamed.FirstName, renamed.Phone = "Léonard", "438-555-0666"
	cr = f.confirmReq(f.mustHold(free[1], "other").ID, renamed)
	cr.Guardian, cr.BookedBy = &other, rdv.ByGuardian
	second, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("second booking for the child: %v", err)
	}
	if second.Patient.ID != first.Patient.ID || second.Patient.GuardianID != second.Guardian.ID || second.Patient.FirstName != "Léonard" {
		t.Fatalf("second booking's patient %+v guardian %+v, want the same child with this booking's details", second.Patient, second.Guardian)
	}
	if got := f.patient(first.Patient.ID); got != stored {
		t.Fatalf("child's record after another guardian booked\n%+v\nwant unchanged\n%+v", got, stored)
	}
	if got := f.appointment(first.ID); got.Guardian == nil || *got.Guardian != *first.Guardian || got.Patient != first.Patient {
		t.Fatalf("first appointment reads back %+v (guardian %+v), want %+v (guardian %+v)", got.Patient, got.Guardian, first.Patient, first.Guardian)
	}
	if got := f.appointment(second.ID); got.Guardian == nil || *got.Guardian != *second.Guardian || got.Patient != second.Patient {
		t.Fatalf("second appointment reads back %+v (guardian %+v), want %+v (guardian %+v)", got.Patient, got.Guardian, second.Patient, second.Guardian)
	}
}

func (f *fixture) patient(id int64) rdv.Patient {
	f.t.Helper()
	p, err := f.store.Patient(f.ctx, id)
	if err != nil {
		f.t.Fatalf("read patient %d: %v", id, err)
	}
	return p
}

// wantAgendaPatient checks who the clinic's agenda shows in a slot.
func (f *fixture) wantAgendaPatient(d rdv.DeskStore, sl rdv.Slot, want rdv.Patient) {
	f.t.Helper()
	entries, err := d.Agenda(f.ctx, sl.ClinicID, sl.Start, sl.End)
	if err != nil {
		f.t.Fatalf("agenda: %v", err)
	}
	for _, e := range entries {
		if e.Slot.ID != sl.ID {
			continue
		}
		if e.Appointment == nil || e.Appointment.Patient != want {
			f.t.Fatalf("agenda shows in slot %d %+v, want %+v", sl.ID, e.Appointment, want)
		}
		return
	}
	f.t.Fatalf("agenda has no slot %d", sl.ID)
}

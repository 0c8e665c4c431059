package storetest

import (
	"testing"

	"rdv"
)

// testNoCardWalkIn books two walk-ins seen without a card, under the name
// and birth date of a patient who has a number: each is filed under a new
// patient row without a number, never under the patient nor each other,
// the stored patient is left as it was, and the appointment, read back
// and in the agenda, says it was booked without a card.
func testNoCardWalkIn(t *testing.T, f *fixture) {
	free := f.freePublic(3)
	known := TestPatient(41)
	h := f.mustHold(free[0], "known")
	mine, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, known))
	if err != nil {
		t.Fatalf("booking of the patient with a card: %v", err)
	}
	stored := f.patient(mine.Patient.ID)

	seen := map[int64]bool{mine.Patient.ID: true}
	for i, slotID := range free[1:] {
		walkIn := known
		walkIn.HealthNumber = ""
		cr := f.confirmReq(f.mustHold(slotID, "desk").ID, walkIn)
		cr.BookedBy, cr.Channel, cr.Card = rdv.ByStaff, rdv.Web, rdv.NoCard
		a, _, err := f.store.ConfirmHold(f.ctx, cr)
		if err != nil {
			t.Fatalf("walk-in %d without a card: %v", i, err)
		}
		if seen[a.Patient.ID] {
			t.Fatalf("walk-in %d filed under patient %d, which another booking has", i, a.Patient.ID)
		}
		seen[a.Patient.ID] = true
		if a.Card != rdv.NoCard {
			t.Fatalf("walk-in %d answer card %q, want %q", i, a.Card, rdv.NoCard)
		}
		got := f.appointment(a.ID)
		if got.Card != rdv.NoCard || got.Patient.HealthNumber != "" || got.Patient != a.Patient {
			t.Fatalf("walk-in %d read back card %q patient %+v, want no card and %+v", i, got.Card, got.Patient, a.Patient)
		}
		if p := f.patient(a.Patient.ID); p.HealthNumber != "" || p.FirstName != walkIn.FirstName {
			t.Fatalf("walk-in %d's patient row %+v, want the walk-in without a number", i, p)
		}
		f.wantAgendaCard(f.store, a.Slot, rdv.NoCard)
	}
	if got := f.patient(mine.Patient.ID); got != stored {
		t.Fatalf("patient with a card after the walk-ins\n%+v\nwant unchanged\n%+v", got, stored)
	}
	if got := f.appointment(mine.ID); got.Card != rdv.OwnCard {
		t.Fatalf("appointment on the patient's own card reads card %q", got.Card)
	}
}

// testNewbornOnGuardianCard books a newborn on the guardian's number: the
// number is the guardian's (found or added as the guardian), the child is
// filed under a row without a number, and the appointment keeps the
// relationship and the card it was booked with. A guardian who gives no
// number and no birth date is kept too.
func testNewbornOnGuardianCard(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	parent := TestPatient(42)
	baby := rdv.Patient{FirstName: "Zoé", LastName: parent.LastName, BirthDate: Start.AddDays(-40), Phone: parent.Phone, Language: "fr"}
	cr := f.confirmReq(f.mustHold(free[0], "parent").ID, baby)
	cr.Guardian, cr.Relationship, cr.Card, cr.BookedBy = &parent, rdv.Parent, rdv.GuardianCard, rdv.ByGuardian
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("newborn on the parent's card: %v", err)
	}
	got := f.appointment(a.ID)
	if got.Card != rdv.GuardianCard || got.Relationship != rdv.Parent || got.Guardian == nil ||
		got.Guardian.HealthNumber != parent.HealthNumber || got.Patient.HealthNumber != "" {
		t.Fatalf("newborn's appointment read back card %q relationship %q patient %+v guardian %+v", got.Card, got.Relationship, got.Patient, got.Guardian)
	}
	if p := f.patient(a.Patient.ID); p.HealthNumber != "" {
		t.Fatalf("newborn's row carries number %q, want none (the number is the parent's)", p.HealthNumber)
	}

	// A guardian without number nor birth date.
	aunt := rdv.Patient{FirstName: "Julie", LastName: "Roy", Email: "julie@example.org", Language: "en"}
	child := TestPatient(43)
	child.BirthDate = Start.AddDays(-5 * 365)
	child.HealthNumber = ""
	cr = f.confirmReq(f.mustHold(free[1], "aunt").ID, child)
	cr.Guardian, cr.Relationship, cr.Card, cr.BookedBy = &aunt, rdv.OtherRelation, rdv.NoCard, rdv.ByStaff
	a, _, err = f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("guardian without number nor birth date: %v", err)
	}
	got = f.appointment(a.ID)
	if got.Guardian == nil || got.Guardian.FirstName != "Julie" || got.Guardian.BirthDate != (rdv.Date{}) || got.Relationship != rdv.OtherRelation {
		t.Fatalf("read back guardian %+v relationship %q, want Julie, no birth date, other", got.Guardian, got.Relationship)
	}
	if g := f.patient(got.Guardian.ID); g.BirthDate != (rdv.Date{}) || g.HealthNumber != "" {
		t.Fatalf("guardian's row %+v, want no birth date and no number", g)
	}
}

// wantAgendaCard checks the card the clinic's agenda shows for a slot.
func (f *fixture) wantAgendaCard(d rdv.DeskStore, sl rdv.Slot, want rdv.Card) {
	f.t.Helper()
	entries, err := d.Agenda(f.ctx, sl.ClinicID, sl.Start, sl.End)
	if err != nil {
		f.t.Fatalf("agenda: %v", err)
	}
	for _, e := range entries {
		if e.Slot.ID == sl.ID {
			if e.Appointment == nil || e.Appointment.Card != want {
				f.t.Fatalf("agenda shows in slot %d %+v, want card %q", sl.ID, e.Appointment, want)
			}
			return
		}
	}
	f.t.Fatalf("agenda has no slot %d", sl.ID)
}

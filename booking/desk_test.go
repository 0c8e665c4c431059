package booking_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/booking"
)

// TestDeskKeepsSearchInStep: what the desk blocks, reopens, adds and
// withdraws shows in search at once, and the past cannot be added to.
func TestDeskKeepsSearchInStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	d := booking.NewDesk(w.engine, w.store)
	slot := w.offered()[0]
	sl, err := w.store.Slot(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Block(ctx, sl.ClinicID, slot); err != nil {
		t.Fatalf("block: %v", err)
	}
	if slices.Contains(w.offered(), slot) {
		t.Fatal("search offers a blocked slot")
	}
	_, err = d.Block(ctx, sl.ClinicID+1, slot)
	mustCode(t, err, rdv.ENOTFOUND)
	if _, err := d.Reopen(ctx, sl.ClinicID, slot); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if !slices.Contains(w.offered(), slot) {
		t.Fatal("search does not offer a reopened slot")
	}

	day := rdv.DateOf(sl.Start)
	extra := rdv.Slot{PractitionerID: sl.PractitionerID, Service: rdv.General, Start: day.At(16*60, rdv.Toronto), End: day.At(16*60+15, rdv.Toronto)}
	added, err := d.AddSlots(ctx, sl.ClinicID, []rdv.Slot{extra})
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	if !slices.Contains(w.offered(), added[0].ID) {
		t.Fatal("search does not offer an added slot")
	}
	past := extra
	past.Start, past.End = w.now.Add(-time.Hour), w.now.Add(-45*time.Minute)
	_, err = d.AddSlots(ctx, sl.ClinicID, []rdv.Slot{past})
	mustCode(t, err, rdv.EINVALID)

	// An empty plan withdraws every free slot of the practitioner.
	made, withdrawn, err := d.SavePlan(ctx, sl.ClinicID, rdv.WorkingPlan{PractitionerID: sl.PractitionerID})
	if err != nil {
		t.Fatalf("save plan: %v", err)
	}
	if made != 0 || withdrawn == 0 {
		t.Fatalf("empty plan made %d and withdrew %d slots", made, withdrawn)
	}
	for _, id := range w.offered() {
		got, _ := w.store.Slot(ctx, id)
		if got.PractitionerID == sl.PractitionerID {
			t.Fatalf("search still offers slot %d of a practitioner with no plan", id)
		}
	}

	entries, err := d.Agenda(ctx, sl.ClinicID, day, day.AddDays(1))
	if err != nil {
		t.Fatalf("agenda: %v", err)
	}
	for _, e := range entries {
		if e.Appointment == nil {
			continue
		}
		a, err := d.SetStatus(ctx, sl.ClinicID, e.Appointment.ID, rdv.NoShow)
		if err != nil || a.Status != rdv.NoShow {
			t.Fatalf("mark no-show: %+v, %v", a, err)
		}
		return
	}
	t.Fatal("no appointment in the agenda")
}

// TestDeskExceptionInSearch: a holiday takes its public slots out of
// search at once; removing it brings them back.
func TestDeskExceptionInSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	d := booking.NewDesk(w.engine, w.store)
	sl, err := w.store.Slot(ctx, w.offered()[0])
	if err != nil {
		t.Fatal(err)
	}
	day := rdv.DateOf(sl.Start).AddDays(1) // a day without appointments
	onDay := func() int {
		n := 0
		for _, id := range w.offered() {
			got, _ := w.store.Slot(ctx, id)
			if got.PractitionerID == sl.PractitionerID && rdv.DateOf(got.Start) == day {
				n++
			}
		}
		return n
	}
	before := onDay()
	holiday := rdv.PlanException{Date: day, AllDay: true, Reason: "Fête"}
	preview, err := d.PreviewException(ctx, sl.ClinicID, sl.PractitionerID, holiday)
	if err != nil || len(preview.Withdrawn) == 0 || onDay() != before {
		t.Fatalf("preview: %d withdrawn, %v; search offers %d of %d", len(preview.Withdrawn), err, onDay(), before)
	}
	eff, err := d.AddException(ctx, sl.ClinicID+1, sl.PractitionerID, holiday, nil)
	mustCode(t, err, rdv.ENOTFOUND)
	if eff, err = d.AddException(ctx, sl.ClinicID, sl.PractitionerID, holiday, nil); err != nil {
		t.Fatalf("add a holiday: %v", err)
	}
	if got := onDay(); before == 0 || got != 0 {
		t.Fatalf("search offers %d slots on the holiday (%d before)", got, before)
	}
	list, err := d.Exceptions(ctx, sl.ClinicID, sl.PractitionerID)
	if err != nil || len(list) == 0 || list[len(list)-1].ID != eff.Exception.ID {
		t.Fatalf("exceptions listed: %+v, %v", list, err)
	}
	if _, err := d.RemoveException(ctx, sl.ClinicID, sl.PractitionerID, eff.Exception.ID); err != nil {
		t.Fatalf("remove the holiday: %v", err)
	}
	if got := onDay(); got != before {
		t.Fatalf("search offers %d slots after removing the holiday, want %d", got, before)
	}
}

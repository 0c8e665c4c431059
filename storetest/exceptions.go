package storetest

import (
	"testing"
	"time"

	"rdv"
)

// Exceptions to working plans: saving a plan keeps them; adding one
// withdraws the free slots inside it (and refuses while an appointment or
// a live hold lies there); removing one makes its slots again.

// planOf returns the stored plan of practitioner 1 (clinic 1).
func (f *fixture) planOf(practitionerID int64) rdv.WorkingPlan {
	f.t.Helper()
	plans, err := f.store.Plans(f.ctx, 1)
	if err != nil {
		f.t.Fatalf("plans: %v", err)
	}
	for _, p := range plans {
		if p.PractitionerID == practitionerID {
			return p
		}
	}
	f.t.Fatalf("no plan for practitioner %d", practitionerID)
	return rdv.WorkingPlan{}
}

// practitionerDay returns the slots of a practitioner of clinic 1 on the
// i-th day, by local start time.
func (f *fixture) practitionerDay(d rdv.DeskStore, practitionerID int64, dayIndex int) map[string]rdv.Slot {
	f.t.Helper()
	out := map[string]rdv.Slot{}
	for _, e := range f.agenda(d, 1, dayIndex) {
		if e.Slot.PractitionerID == practitionerID {
			out[e.Slot.Start.In(rdv.Toronto).Format("15:04")] = e.Slot
		}
	}
	return out
}

// testSavePlanKeepsExceptions: re-saving a plan leaves its exceptions as
// they were, and the slots it makes honour them (practitioner 1 is on
// leave on day 30 of the network).
func testSavePlanKeepsExceptions(t *testing.T, f *fixture, d rdv.DeskStore) {
	before := f.planOf(1).Exceptions
	if len(before) != 1 || before[0].Reason != "congé" || before[0].Date != Start.AddDays(30) {
		t.Fatalf("loaded exceptions %+v, want the leave of day 30", before)
	}
	for range 2 { // the same plan saved twice, as an admin re-saving it unchanged
		c := rdv.PlanChange{ClinicID: 1, Plan: halfHourPlan(), From: Start, To: Start.AddDays(35), Now: f.now}
		if _, err := d.SavePlan(f.ctx, c); err != nil {
			t.Fatalf("save plan: %v", err)
		}
	}
	after := f.planOf(1).Exceptions
	if len(after) != 1 || after[0].Reason != "congé" || after[0].Date != Start.AddDays(30) || !after[0].AllDay {
		t.Fatalf("exceptions after saving the plan: %+v, want the leave of day 30 kept", after)
	}
	if got := f.practitionerDay(d, 1, 30); len(got) != 0 {
		t.Fatalf("saving the plan made %d slots on the day of leave", len(got))
	}
	if got := f.practitionerDay(d, 1, 29); len(got) != 4 {
		t.Fatalf("saving the plan made %d slots the day before the leave, want 4", len(got))
	}
}

func testAddAndRemoveException(t *testing.T, f *fixture, d rdv.DeskStore) {
	before := countBookable(t, f, f.now)
	holiday := rdv.PlanException{Date: Start.AddDays(1), AllDay: true, Reason: "  Fête  "}
	dry, ch, err := d.AddException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: holiday, DryRun: true, Now: f.now})
	if err != nil {
		t.Fatalf("preview a holiday: %v", err)
	}
	if len(dry.Withdrawn) != 11 || len(dry.Kept) != 0 || len(ch.Taken)+len(ch.Freed) != 0 {
		t.Fatalf("preview of a holiday on day 1: %d withdrawn, %d kept, changes %+v; want 11, 0, none", len(dry.Withdrawn), len(dry.Kept), ch)
	}
	if got := countBookable(t, f, f.now); got != before {
		t.Fatalf("a preview changed the bookable slots: %d, want %d", got, before)
	}
	if got := len(f.planOf(1).Exceptions); got != 1 {
		t.Fatalf("a preview stored an exception: %d", got)
	}

	eff, ch, err := d.AddException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: holiday, Now: f.now})
	if err != nil {
		t.Fatalf("add a holiday: %v", err)
	}
	if len(eff.Withdrawn) != 11 || len(ch.Taken) != 11 || len(ch.Freed) != 0 {
		t.Fatalf("add a holiday: %d withdrawn, changes %d taken %d freed; want 11", len(eff.Withdrawn), len(ch.Taken), len(ch.Freed))
	}
	if eff.Exception.ID == 0 || eff.Exception.Reason != "Fête" {
		t.Fatalf("added exception %+v: want an ID and the reason trimmed", eff.Exception)
	}
	for _, s := range ch.Taken {
		if s.State == rdv.SlotFree {
			t.Fatalf("withdrawn slot %d reported free", s.ID)
		}
		if _, _, err := f.store.PlaceHold(f.ctx, f.holdReq(s.ID, "c")); err == nil {
			t.Fatalf("held slot %d inside a holiday", s.ID)
		}
	}
	if got := f.practitionerDay(d, 1, 1); len(got) != 0 {
		t.Fatalf("practitioner 1 has %d slots on the holiday", len(got))
	}
	if got := countBookable(t, f, f.now); got != before-11 {
		t.Fatalf("bookable after a holiday = %d, want %d", got, before-11)
	}
	ex := f.planOf(1).Exceptions
	if len(ex) != 2 || ex[1].ID != eff.Exception.ID || ex[1].Date != holiday.Date || ex[0].ID == ex[1].ID {
		t.Fatalf("stored exceptions %+v", ex)
	}
	// The plan saved again keeps the holiday too.
	if _, err := d.SavePlan(f.ctx, rdv.PlanChange{ClinicID: 1, Plan: f.planOf(1), From: Start, To: Start.AddDays(3), Now: f.now}); err != nil {
		t.Fatalf("save plan: %v", err)
	}
	if got := f.practitionerDay(d, 1, 1); len(got) != 0 {
		t.Fatalf("re-saving the plan brought back %d slots on the holiday", len(got))
	}

	_, _, err = d.RemoveException(f.ctx, rdv.ExceptionRequest{ClinicID: 2, PractitionerID: 1, ExceptionID: eff.Exception.ID, Until: Start.AddDays(3), Now: f.now})
	wantCode(t, "remove another clinic's exception", err, rdv.ENOTFOUND)
	_, _, err = d.RemoveException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, ExceptionID: 999, Until: Start.AddDays(3), Now: f.now})
	wantCode(t, "remove an unknown exception", err, rdv.ENOTFOUND)

	rm, ch, err := d.RemoveException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, ExceptionID: eff.Exception.ID, Until: Start.AddDays(3), Now: f.now})
	if err != nil {
		t.Fatalf("remove the holiday: %v", err)
	}
	if len(rm.Restored) != 11 || len(ch.Freed) != 11 || rm.Exception.ID != eff.Exception.ID {
		t.Fatalf("remove the holiday: %d restored, %d freed; want 11", len(rm.Restored), len(ch.Freed))
	}
	if got := f.practitionerDay(d, 1, 1); len(got) != 11 || got["09:00"].State != rdv.SlotFree || got["11:40"].Audience != rdv.Rostered {
		t.Fatalf("day 1 after removing the holiday: %d slots", len(got))
	}
	if got := countBookable(t, f, f.now); got != before {
		t.Fatalf("bookable after removing the holiday = %d, want %d", got, before)
	}
	if ex := f.planOf(1).Exceptions; len(ex) != 1 || ex[0].Reason != "congé" {
		t.Fatalf("exceptions after removing the holiday: %+v", ex)
	}
	// Removing the leave of day 30 makes nothing beyond the horizon.
	leave := f.planOf(1).Exceptions[0]
	rm, _, err = d.RemoveException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, ExceptionID: leave.ID, Until: Start.AddDays(3), Now: f.now})
	if err != nil || len(rm.Restored) != 0 {
		t.Fatalf("remove the leave beyond the horizon: %d restored, %v", len(rm.Restored), err)
	}
	// An ID is never given again: a retried or stale removal of the
	// holiday must not remove an exception added since.
	again, _, err := d.AddException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: holiday, Now: f.now})
	if err != nil {
		t.Fatalf("add the holiday again: %v", err)
	}
	if again.Exception.ID == eff.Exception.ID || again.Exception.ID == leave.ID {
		t.Fatalf("a new exception took the ID %d of a removed one", again.Exception.ID)
	}
	_, _, err = d.RemoveException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, ExceptionID: eff.Exception.ID, Until: Start.AddDays(3), Now: f.now})
	wantCode(t, "remove the removed holiday again", err, rdv.ENOTFOUND)
	if ex := f.planOf(1).Exceptions; len(ex) != 1 || ex[0].ID != again.Exception.ID {
		t.Fatalf("a stale removal touched the new exception: %+v", ex)
	}
}

// testExceptionKeepsAppointments: an exception over a booked slot or a
// live hold is refused whole; a closed afternoon takes its window only.
func testExceptionKeepsAppointments(t *testing.T, f *fixture, d rdv.DeskStore) {
	// Day 0, 09:00–10:00: slots 1–4, slot 2 booked; slot 3 held (live),
	// slot 4 held but run out.
	f.mustHold(3, "c")
	ranOut := f.holdReq(4, "d")
	ranOut.Now = f.now.Add(-time.Hour)
	if _, _, err := f.store.PlaceHold(f.ctx, ranOut); err != nil {
		t.Fatalf("hold: %v", err)
	}
	morning := rdv.PlanException{Date: Start, StartMinute: 9 * 60, EndMinute: 10 * 60, Reason: "réunion"}
	r := rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: morning, DryRun: true, Now: f.now}
	eff, _, err := d.AddException(f.ctx, r)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	ids := func(s []rdv.Slot) []int64 {
		var out []int64
		for _, x := range s {
			out = append(out, x.ID)
		}
		return out
	}
	if w, k := ids(eff.Withdrawn), ids(eff.Kept); len(w) != 2 || w[0] != 1 || w[1] != 4 || len(k) != 2 || k[0] != 2 || k[1] != 3 {
		t.Fatalf("preview withdraws %v and keeps %v; want [1 4] and [2 3]", w, k)
	}
	r.DryRun = false
	eff, ch, err := d.AddException(f.ctx, r)
	wantCode(t, "an exception over an appointment", err, rdv.ECONFLICT)
	if len(eff.Kept) != 2 || len(ch.Taken)+len(ch.Freed) != 0 {
		t.Fatalf("refused exception: kept %v, changes %+v", ids(eff.Kept), ch)
	}
	f.wantState(1, rdv.SlotFree)
	f.wantState(2, rdv.SlotBooked)
	f.wantState(3, rdv.SlotHeld)
	if got := len(f.planOf(1).Exceptions); got != 1 {
		t.Fatalf("a refused exception was stored: %d exceptions", got)
	}

	// Day 2's pediatrics (11:00–12:00) closed, its general morning kept.
	closed := rdv.PlanException{Date: Start.AddDays(2), StartMinute: 11 * 60, EndMinute: 12 * 60}
	eff, ch, err = d.AddException(f.ctx, rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: closed, Now: f.now})
	if err != nil || len(ch.Taken) != 3 {
		t.Fatalf("close day 2 from 11:00: %d taken, %v; want 3", len(ch.Taken), err)
	}
	if got := f.practitionerDay(d, 1, 2); len(got) != 8 || got["10:45"].State != rdv.SlotFree {
		t.Fatalf("day 2 after closing from 11:00: %d slots, want the 8 of the morning", len(got))
	}

	tests := []struct {
		name string
		r    rdv.ExceptionRequest
		want string
	}{
		{"another clinic's practitioner", rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 3, Exception: rdv.PlanException{Date: Start, AllDay: true}}, rdv.ENOTFOUND},
		{"no day", rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: rdv.PlanException{AllDay: true}}, rdv.EINVALID},
		{"in the past", rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: rdv.PlanException{Date: Start.AddDays(-2), AllDay: true}}, rdv.EINVALID},
		{"end before start", rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: rdv.PlanException{Date: Start.AddDays(1), StartMinute: 600, EndMinute: 540}}, rdv.EINVALID},
	}
	for _, tt := range tests {
		tt.r.Now = f.now
		_, ch, err := d.AddException(f.ctx, tt.r)
		wantCode(t, tt.name, err, tt.want)
		if len(ch.Taken)+len(ch.Freed) != 0 {
			t.Errorf("%s: refused exception reports %+v", tt.name, ch)
		}
	}
}

package storetest

import (
	"testing"
	"time"

	"rdv"
)

// runDesk runs the conformance suite of rdv.DeskStore: what clinic staff
// do with their agenda, always confined to their own clinic. open returns
// a fresh, empty, migrated store.
//
// In SmallNetwork, practitioner 1 (clinic 1) has slots 1–11 on the first
// day: 1–8 general from 09:00 every 15 minutes (2 booked), 9–11 rostered
// pediatrics from 11:00 every 20 minutes; practitioner 2 (clinic 1) has
// 34–66, practitioner 3 (clinic 2) 67–99.
func runDesk(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture, d rdv.DeskStore)
	}{
		{"AgendaOfOneClinic", testAgenda},
		{"BlockAndReopen", testBlockAndReopen},
		{"BlockRefused", testBlockRefused},
		{"AddSlots", testAddSlots},
		{"AddSlotsRefused", testAddSlotsRefused},
		{"SavePlan", testSavePlan},
		{"SavePlanKeepsTakenSlots", testSavePlanKeepsTaken},
		{"SavePlanRefused", testSavePlanRefused},
		{"SavePlanKeepsExceptions", testSavePlanKeepsExceptions},
		{"AddAndRemoveException", testAddAndRemoveException},
		{"ExceptionKeepsAppointments", testExceptionKeepsAppointments},
		{"IdempotentException", testIdempotentException},
		{"AppointmentStatus", testAppointmentStatus},
		{"AppointmentStatusRefused", testAppointmentStatusRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, open)
			tt.fn(t, f, f.store)
		})
	}
}

// day returns the instants of the i-th day of the network.
func day(i int) (from, to time.Time) {
	return Start.AddDays(i).Start(rdv.Toronto), Start.AddDays(i + 1).Start(rdv.Toronto)
}

func (f *fixture) agenda(d rdv.DeskStore, clinicID int64, dayIndex int) []rdv.AgendaEntry {
	f.t.Helper()
	from, to := day(dayIndex)
	es, err := d.Agenda(f.ctx, clinicID, from, to)
	if err != nil {
		f.t.Fatalf("agenda of clinic %d: %v", clinicID, err)
	}
	return es
}

func testAgenda(t *testing.T, f *fixture, d rdv.DeskStore) {
	a := f.mustBook(5)
	es := f.agenda(d, 1, 0)
	if len(es) != 22 {
		t.Fatalf("agenda of clinic 1 on day 1 has %d slots, want 22", len(es))
	}
	booked := map[int64]*rdv.Appointment{}
	for i, e := range es {
		if e.Slot.ClinicID != 1 {
			t.Fatalf("agenda of clinic 1 lists slot %d of clinic %d", e.Slot.ID, e.Slot.ClinicID)
		}
		if i > 0 {
			p := es[i-1].Slot
			if p.PractitionerID > e.Slot.PractitionerID || (p.PractitionerID == e.Slot.PractitionerID && !p.Start.Before(e.Slot.Start)) {
				t.Fatalf("agenda out of order at %d: slot %d after slot %d", i, e.Slot.ID, p.ID)
			}
		}
		if e.Appointment != nil {
			booked[e.Slot.ID] = e.Appointment
		}
	}
	if len(booked) != 2 || booked[2] == nil || booked[5] == nil {
		t.Fatalf("agenda appointments on slots %v, want slots 2 and 5", booked)
	}
	if got := booked[2].Patient.LastName; got != "Lavoie" {
		t.Errorf("appointment of slot 2 for %q, want Lavoie", got)
	}
	if got := booked[5]; got.ID != a.ID || got.Patient.HealthNumber != a.Patient.HealthNumber || got.Status != rdv.Booked || got.Slot.ID != 5 {
		t.Errorf("appointment of slot 5 = %+v, want %+v", got, a)
	}
	// A cancelled appointment leaves the agenda; its slot stays, free.
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	for _, e := range f.agenda(d, 1, 0) {
		if e.Slot.ID == 5 && (e.Appointment != nil || e.Slot.State != rdv.SlotFree) {
			t.Fatalf("slot 5 after cancel: %+v", e)
		}
	}
	if got := len(f.agenda(d, 2, 1)); got != 11 {
		t.Errorf("agenda of clinic 2 on day 2 has %d slots, want 11", got)
	}
	if got := f.agenda(d, 99, 0); len(got) != 0 {
		t.Errorf("agenda of an unknown clinic: %d slots, want none", len(got))
	}
}

func testBlockAndReopen(t *testing.T, f *fixture, d rdv.DeskStore) {
	before := countBookable(t, f, f.now)
	sl, ch, err := d.SetSlotState(f.ctx, rdv.SlotStateRequest{ClinicID: 1, SlotID: 3, State: rdv.SlotBlocked, Now: f.now})
	if err != nil {
		t.Fatalf("block slot 3: %v", err)
	}
	if sl.State != rdv.SlotBlocked || len(ch.Taken) != 1 || ch.Taken[0].ID != 3 || len(ch.Freed) != 0 {
		t.Fatalf("block slot 3 = %+v, %+v", sl, ch)
	}
	f.wantState(3, rdv.SlotBlocked)
	if got := countBookable(t, f, f.now); got != before-1 {
		t.Fatalf("bookable after block = %d, want %d", got, before-1)
	}
	_, _, err = f.store.PlaceHold(f.ctx, f.holdReq(3, "c"))
	wantCode(t, "hold a blocked slot", err, rdv.ESLOTTAKEN)
	// Blocking again changes nothing.
	if _, ch, err := d.SetSlotState(f.ctx, rdv.SlotStateRequest{ClinicID: 1, SlotID: 3, State: rdv.SlotBlocked, Now: f.now}); err != nil || len(ch.Taken)+len(ch.Freed) != 0 {
		t.Fatalf("block twice = %+v, %v; want no change", ch, err)
	}
	sl, ch, err = d.SetSlotState(f.ctx, rdv.SlotStateRequest{ClinicID: 1, SlotID: 3, State: rdv.SlotFree, Now: f.now})
	if err != nil {
		t.Fatalf("reopen slot 3: %v", err)
	}
	if sl.State != rdv.SlotFree || len(ch.Freed) != 1 || ch.Freed[0].ID != 3 || ch.Freed[0].Service != rdv.General {
		t.Fatalf("reopen slot 3 = %+v, %+v", sl, ch)
	}
	if got := countBookable(t, f, f.now); got != before {
		t.Fatalf("bookable after reopen = %d, want %d", got, before)
	}
	// A hold that ran out does not stop a block.
	h := f.mustHold(4, "c")
	if _, _, err := d.SetSlotState(f.ctx, rdv.SlotStateRequest{ClinicID: 1, SlotID: 4, State: rdv.SlotBlocked, Now: h.ExpiresAt}); err != nil {
		t.Fatalf("block a slot whose hold ran out: %v", err)
	}
	f.wantState(4, rdv.SlotBlocked)
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(1)))
	if err == nil {
		t.Fatal("confirmed a hold on a slot blocked after it ran out")
	}
}

func testBlockRefused(t *testing.T, f *fixture, d rdv.DeskStore) {
	f.mustHold(6, "c")
	later := Start.AddDays(1).At(12*60, rdv.Toronto)
	tests := []struct {
		name string
		r    rdv.SlotStateRequest
		want string
	}{
		{"booked", rdv.SlotStateRequest{ClinicID: 1, SlotID: 2, State: rdv.SlotBlocked}, rdv.ECONFLICT},
		{"live hold", rdv.SlotStateRequest{ClinicID: 1, SlotID: 6, State: rdv.SlotBlocked}, rdv.ECONFLICT},
		{"another clinic", rdv.SlotStateRequest{ClinicID: 2, SlotID: 3, State: rdv.SlotBlocked}, rdv.ENOTFOUND},
		{"another clinic reopen", rdv.SlotStateRequest{ClinicID: 3, SlotID: 3, State: rdv.SlotFree}, rdv.ENOTFOUND},
		{"unknown slot", rdv.SlotStateRequest{ClinicID: 1, SlotID: 9999, State: rdv.SlotBlocked}, rdv.ENOTFOUND},
		{"booked by hand", rdv.SlotStateRequest{ClinicID: 1, SlotID: 3, State: rdv.SlotBooked}, rdv.EINVALID},
		{"held by hand", rdv.SlotStateRequest{ClinicID: 1, SlotID: 3, State: rdv.SlotHeld}, rdv.EINVALID},
		{"started", rdv.SlotStateRequest{ClinicID: 1, SlotID: 3, State: rdv.SlotBlocked, Now: later}, rdv.ECONFLICT},
	}
	for _, tt := range tests {
		if tt.r.Now.IsZero() {
			tt.r.Now = f.now
		}
		_, ch, err := d.SetSlotState(f.ctx, tt.r)
		wantCode(t, tt.name, err, tt.want)
		if len(ch.Freed)+len(ch.Taken) != 0 {
			t.Errorf("%s: refused change reports %+v", tt.name, ch)
		}
	}
	f.wantState(2, rdv.SlotBooked)
	f.wantState(3, rdv.SlotFree)
	f.wantState(6, rdv.SlotHeld)
}

func testAddSlots(t *testing.T, f *fixture, d rdv.DeskStore) {
	at := func(minute int) time.Time { return Start.At(minute, rdv.Toronto) }
	before := countBookable(t, f, f.now)
	added, ch, err := d.AddSlots(f.ctx, 1, []rdv.Slot{
		{PractitionerID: 1, Service: rdv.Vaccination, Start: at(13*60 + 10), End: at(13*60 + 20)},
		{PractitionerID: 1, Service: rdv.General, Start: at(12 * 60), End: at(12*60 + 15), Audience: rdv.Rostered},
		{PractitionerID: 2, Service: rdv.General, Start: at(12 * 60), End: at(12*60 + 15)},
		{ClinicID: 3, PractitionerID: 2, Service: rdv.General, Start: at(12*60 + 15), End: at(12*60 + 30), State: rdv.SlotBooked},
	})
	if err != nil {
		t.Fatalf("add slots: %v", err)
	}
	if len(added) != 4 || len(ch.Freed) != 4 || len(ch.Taken) != 0 {
		t.Fatalf("add 4 slots: %d added, changes %+v", len(added), ch)
	}
	seen := map[int64]bool{}
	for _, s := range added {
		if s.ID == 0 || seen[s.ID] || s.ClinicID != 1 || s.State != rdv.SlotFree || s.Audience == "" {
			t.Fatalf("added slot %+v: want a new ID, clinic 1, free, an audience", s)
		}
		seen[s.ID] = true
		got := f.slot(s.ID)
		if !got.Start.Equal(s.Start) || !got.End.Equal(s.End) || got.Service != s.Service || got.PractitionerID != s.PractitionerID || got.State != rdv.SlotFree {
			t.Fatalf("slot %d reads %+v, added %+v", s.ID, got, s)
		}
	}
	if got := countBookable(t, f, f.now); got != before+4 {
		t.Fatalf("bookable after adding 4 = %d, want %d", got, before+4)
	}
	vacc := f.firstAdded(added, rdv.Vaccination)
	if vacc.Audience != rdv.Public {
		t.Errorf("added slot without audience is %q, want public", vacc.Audience)
	}
	h := f.mustHold(vacc.ID, "c")
	if _, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(3))); err != nil {
		t.Fatalf("book an added slot: %v", err)
	}
	if got := len(f.agenda(d, 1, 0)); got != 22+4 {
		t.Errorf("agenda after adding 4 slots to clinic 1 on day 1 has %d, want 26", got)
	}
}

func (f *fixture) firstAdded(slots []rdv.Slot, s rdv.Service) rdv.Slot {
	f.t.Helper()
	for _, sl := range slots {
		if sl.Service == s {
			return sl
		}
	}
	f.t.Fatalf("no added slot of %s", s)
	return rdv.Slot{}
}

func testAddSlotsRefused(t *testing.T, f *fixture, d rdv.DeskStore) {
	at := func(minute int) time.Time { return Start.At(minute, rdv.Toronto) }
	one := func(practitioner int64, from, to int) []rdv.Slot {
		return []rdv.Slot{{PractitionerID: practitioner, Service: rdv.General, Start: at(from), End: at(to)}}
	}
	before := countBookable(t, f, f.now)
	tests := []struct {
		name   string
		clinic int64
		slots  []rdv.Slot
		want   string
	}{
		{"overlaps a free slot", 1, one(1, 9*60+5, 9*60+20), rdv.ECONFLICT},
		{"overlaps a booked slot", 1, one(1, 9*60+20, 9*60+25), rdv.ECONFLICT},
		{"covers slots", 1, one(1, 8*60, 12*60), rdv.ECONFLICT},
		{"overlap each other", 1, []rdv.Slot{
			{PractitionerID: 1, Service: rdv.General, Start: at(14 * 60), End: at(14*60 + 30)},
			{PractitionerID: 1, Service: rdv.General, Start: at(14*60 + 15), End: at(14*60 + 45)},
		}, rdv.ECONFLICT},
		{"the second overlaps", 1, []rdv.Slot{
			{PractitionerID: 1, Service: rdv.General, Start: at(14 * 60), End: at(14*60 + 30)},
			{PractitionerID: 1, Service: rdv.General, Start: at(10 * 60), End: at(10*60 + 15)},
		}, rdv.ECONFLICT},
		{"another clinic's practitioner", 2, one(1, 14*60, 14*60+15), rdv.ENOTFOUND},
		{"unknown practitioner", 1, one(77, 14*60, 14*60+15), rdv.ENOTFOUND},
		{"end before start", 1, one(1, 14*60, 13*60), rdv.EINVALID},
		{"unknown service", 1, []rdv.Slot{{PractitionerID: 1, Service: "massage", Start: at(14 * 60), End: at(14*60 + 15)}}, rdv.EINVALID},
		{"nothing", 1, nil, rdv.EINVALID},
	}
	for _, tt := range tests {
		added, ch, err := d.AddSlots(f.ctx, tt.clinic, tt.slots)
		wantCode(t, tt.name, err, tt.want)
		if len(added) != 0 || len(ch.Freed)+len(ch.Taken) != 0 {
			t.Errorf("%s: refused addition returned %v, %+v", tt.name, added, ch)
		}
	}
	if got := countBookable(t, f, f.now); got != before {
		t.Fatalf("bookable after refused additions = %d, want %d (a refused batch adds nothing)", got, before)
	}
}

// halfHourPlan is practitioner 1's new plan: 10:00–12:00 every day in
// public general consultations of 30 minutes.
func halfHourPlan() rdv.WorkingPlan {
	var blocks []rdv.PlanBlock
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		blocks = append(blocks, rdv.PlanBlock{Weekday: wd, StartMinute: 10 * 60, EndMinute: 12 * 60, Service: rdv.General, SlotMinutes: 30, Audience: rdv.Public})
	}
	return rdv.WorkingPlan{PractitionerID: 1, Blocks: blocks}
}

func testSavePlan(t *testing.T, f *fixture, d rdv.DeskStore) {
	c := rdv.PlanChange{ClinicID: 1, Plan: halfHourPlan(), From: Start, To: Start.AddDays(3), Now: f.now}
	ch, err := d.SavePlan(f.ctx, c)
	if err != nil {
		t.Fatalf("save plan: %v", err)
	}
	// 32 old slots go (33 less the booked one), 12 new ones come.
	if len(ch.Taken) != 32 || len(ch.Freed) != 12 {
		t.Fatalf("save plan: %d taken, %d freed; want 32 and 12", len(ch.Taken), len(ch.Freed))
	}
	for _, s := range ch.Taken {
		if s.PractitionerID != 1 || s.ID == 2 {
			t.Fatalf("save plan took slot %+v", s)
		}
		if got := f.slot(s.ID).State; got == rdv.SlotFree {
			t.Fatalf("withdrawn slot %d still free", s.ID)
		}
		_, _, err := f.store.PlaceHold(f.ctx, f.holdReq(s.ID, "c"))
		if err == nil {
			t.Fatalf("held withdrawn slot %d", s.ID)
		}
	}
	for _, s := range ch.Freed {
		if s.ID == 0 || s.PractitionerID != 1 || s.ClinicID != 1 || s.End.Sub(s.Start) != 30*time.Minute || s.State != rdv.SlotFree {
			t.Fatalf("save plan made slot %+v", s)
		}
	}
	var starts []string
	for _, e := range f.agenda(d, 1, 0) {
		if e.Slot.PractitionerID == 1 {
			starts = append(starts, e.Slot.Start.In(rdv.Toronto).Format("15:04"))
		}
	}
	if got, want := starts, []string{"09:15", "10:00", "10:30", "11:00", "11:30"}; !equalStrings(got, want) {
		t.Fatalf("practitioner 1's day after the new plan: %v, want %v", got, want)
	}
	_, _, err = d.SetSlotState(f.ctx, rdv.SlotStateRequest{ClinicID: 1, SlotID: ch.Taken[0].ID, State: rdv.SlotFree, Now: f.now})
	wantCode(t, "reopen a withdrawn slot", err, rdv.ENOTFOUND)
	plans, err := f.store.Plans(f.ctx, 1)
	if err != nil {
		t.Fatalf("plans: %v", err)
	}
	var saved rdv.WorkingPlan
	for _, p := range plans {
		if p.PractitionerID == 1 {
			saved = p
		}
	}
	if len(plans) != 2 || len(saved.Blocks) != 7 || saved.Blocks[0].SlotMinutes != 30 || saved.ClinicID != 1 {
		t.Fatalf("plans of clinic 1 after save: %+v", plans)
	}
	// Saving the same plan again changes no slot.
	ch, err = d.SavePlan(f.ctx, c)
	if err != nil || len(ch.Taken)+len(ch.Freed) != 0 {
		t.Fatalf("save the same plan again = %+v, %v; want no change", ch, err)
	}
	// Other practitioners keep their slots.
	if got := len(f.agenda(d, 1, 0)); got != 5+11 {
		t.Fatalf("clinic 1's day after the new plan has %d slots, want 16", got)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testSavePlanKeepsTaken(t *testing.T, f *fixture, d rdv.DeskStore) {
	// On the second day (slots 12–22): 15 (09:45) held, 17 (10:15) booked,
	// 19 (10:45) blocked; the past (the first day at noon) is not rewritten.
	now := Start.At(12*60, rdv.Toronto)
	hold := f.holdReq(15, "c")
	hold.Now = now.Add(-time.Minute)
	if _, _, err := f.store.PlaceHold(f.ctx, hold); err != nil {
		t.Fatalf("hold: %v", err)
	}
	f.mustBook(17)
	if _, _, err := d.SetSlotState(f.ctx, rdv.SlotStateRequest{ClinicID: 1, SlotID: 19, State: rdv.SlotBlocked, Now: f.now}); err != nil {
		t.Fatalf("block: %v", err)
	}
	c := rdv.PlanChange{ClinicID: 1, Plan: halfHourPlan(), From: Start, To: Start.AddDays(2), Now: now}
	if _, err := d.SavePlan(f.ctx, c); err != nil {
		t.Fatalf("save plan: %v", err)
	}
	got := map[string]rdv.SlotState{}
	for _, e := range f.agenda(d, 1, 1) {
		if e.Slot.PractitionerID == 1 {
			got[e.Slot.Start.In(rdv.Toronto).Format("15:04")] = e.Slot.State
		}
	}
	// 10:00 and 10:30 would overlap the held, booked and blocked slots.
	want := map[string]rdv.SlotState{"09:45": rdv.SlotHeld, "10:15": rdv.SlotBooked, "10:45": rdv.SlotBlocked, "11:00": rdv.SlotFree, "11:30": rdv.SlotFree}
	if len(got) != len(want) {
		t.Fatalf("second day after the new plan: %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("second day after the new plan: %v, want %v", got, want)
		}
	}
	if got := len(f.agenda(d, 1, 0)); got != 22 {
		t.Fatalf("the first day (past) has %d slots after the new plan, want 22 untouched", got)
	}
	if got := len(f.agenda(d, 1, 2)); got != 11+11 {
		t.Fatalf("the third day (outside the horizon) has %d slots, want 22 untouched", got)
	}
}

func testSavePlanRefused(t *testing.T, f *fixture, d rdv.DeskStore) {
	bad := halfHourPlan()
	bad.Blocks[0].SlotMinutes = 0
	other := halfHourPlan()
	other.PractitionerID = 3
	tests := []struct {
		name string
		c    rdv.PlanChange
		want string
	}{
		{"another clinic's practitioner", rdv.PlanChange{ClinicID: 1, Plan: other, From: Start, To: Start.AddDays(3)}, rdv.ENOTFOUND},
		{"bad block", rdv.PlanChange{ClinicID: 1, Plan: bad, From: Start, To: Start.AddDays(3)}, rdv.EINVALID},
		{"empty horizon", rdv.PlanChange{ClinicID: 1, Plan: halfHourPlan(), From: Start, To: Start}, rdv.EINVALID},
	}
	for _, tt := range tests {
		tt.c.Now = f.now
		ch, err := d.SavePlan(f.ctx, tt.c)
		wantCode(t, tt.name, err, tt.want)
		if len(ch.Freed)+len(ch.Taken) != 0 {
			t.Errorf("%s: refused plan reports %+v", tt.name, ch)
		}
	}
	if got := len(f.agenda(d, 2, 0)); got != 11 {
		t.Fatalf("clinic 2's day after refused plans has %d slots, want 11", got)
	}
}

func testAppointmentStatus(t *testing.T, f *fixture, d rdv.DeskStore) {
	a := f.mustBook(5)
	steps := []rdv.AppointmentStatus{rdv.Arrived, rdv.Arrived, rdv.Fulfilled, rdv.Fulfilled}
	for _, st := range steps {
		got, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: a.ID, Status: st, Now: f.now})
		if err != nil {
			t.Fatalf("mark %s: %v", st, err)
		}
		if got.Status != st || got.ID != a.ID || got.Slot.ID != 5 {
			t.Fatalf("mark %s = %+v", st, got)
		}
		if f.appointment(a.ID).Status != st {
			t.Fatalf("appointment reads %s after marking %s", f.appointment(a.ID).Status, st)
		}
	}
	b := f.mustBook(6)
	if got, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: b.ID, Status: rdv.NoShow, Now: f.now}); err != nil || got.Status != rdv.NoShow {
		t.Fatalf("mark no-show = %+v, %v", got, err)
	}
	// A no-show still occupies its slot.
	f.wantState(6, rdv.SlotBooked)
	for _, e := range f.agenda(d, 1, 0) {
		if e.Slot.ID == 6 && (e.Appointment == nil || e.Appointment.Status != rdv.NoShow) {
			t.Fatalf("agenda entry of slot 6: %+v", e.Appointment)
		}
	}
}

func testAppointmentStatusRefused(t *testing.T, f *fixture, d rdv.DeskStore) {
	cancelled := f.mustBook(5)
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: cancelled.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	seen := f.mustBook(6)
	if _, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: seen.ID, Status: rdv.Fulfilled, Now: f.now}); err != nil {
		t.Fatalf("mark fulfilled: %v", err)
	}
	booked := f.mustBook(7)
	tests := []struct {
		name   string
		clinic int64
		id     int64
		status rdv.AppointmentStatus
		want   string
	}{
		{"cancelled", 1, cancelled.ID, rdv.Arrived, rdv.ECONFLICT},
		{"cancelled no-show", 1, cancelled.ID, rdv.NoShow, rdv.ECONFLICT},
		{"fulfilled then no-show", 1, seen.ID, rdv.NoShow, rdv.ECONFLICT},
		{"another clinic", 2, booked.ID, rdv.Arrived, rdv.ENOTFOUND},
		{"unknown", 1, 99999, rdv.Arrived, rdv.ENOTFOUND},
		{"cancel at the desk", 1, booked.ID, rdv.Cancelled, rdv.EINVALID},
		{"back to booked", 1, booked.ID, rdv.Booked, rdv.EINVALID},
	}
	for _, tt := range tests {
		_, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: tt.clinic, AppointmentID: tt.id, Status: tt.status, Now: f.now})
		wantCode(t, tt.name, err, tt.want)
	}
	// Tomorrow's appointment (the second day's 10:15) cannot be marked
	// today, late as it is in Montréal (already tomorrow in UTC).
	tomorrow := f.mustBook(17)
	lateTonight := Start.At(23*60+30, rdv.Toronto)
	for _, st := range []rdv.AppointmentStatus{rdv.Arrived, rdv.Fulfilled, rdv.NoShow} {
		_, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: tomorrow.ID, Status: st, Now: lateTonight})
		wantCode(t, "tomorrow's "+string(st), err, rdv.ETOOEARLY)
	}
	if _, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: tomorrow.ID, Status: rdv.Arrived, Now: Start.AddDays(1).At(9*60, rdv.Toronto)}); err != nil {
		t.Fatalf("mark arrived on the day: %v", err)
	}
	if got := f.appointment(booked.ID).Status; got != rdv.Booked {
		t.Fatalf("appointment after refused changes is %s, want booked", got)
	}
}

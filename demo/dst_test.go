package demo

import (
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/places"
)

// TestDaylightSaving builds a week around each change of the clocks and
// checks that every practitioner's slots are exactly the wall-clock grid of
// the plan: a 09:00 block starts at 09:00 local on both sides of the
// change, and no slot is lost or made twice.
func TestDaylightSaving(t *testing.T) {
	tests := []struct {
		name   string
		start  string
		change rdv.Date
		before int // UTC hour of 09:00 local before the change
		after  int // and after
	}{
		{"fall back", "2026-10-29", rdv.Date{Year: 2026, Month: time.November, Day: 1}, 13, 14},
		{"spring forward", "2027-03-11", rdv.Date{Year: 2027, Month: time.March, Day: 14}, 14, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := build(Options{Seed: 7, Start: mustDate(t, tt.start), Weeks: 1, Patients: 200}, places.All())
			if err != nil {
				t.Fatal(err)
			}
			plans := n.load.Plans
			var run []rdv.Slot // the current plan's slots
			count := 0
			nineBefore, nineAfter := 0, 0
			check := func() {
				if len(run) == 0 {
					return
				}
				checkPlanSlots(t, plans[run[0].PractitionerID-1], n.from, n.to, run)
				run = run[:0]
			}
			for s := range n.load.Slots {
				count++
				if len(run) > 0 && s.PractitionerID != run[0].PractitionerID {
					check()
				}
				run = append(run, s)
				local := s.Start.In(rdv.Toronto)
				if local.Hour() != 9 || local.Minute() != 0 {
					continue
				}
				want := tt.after
				if rdv.DateOf(s.Start).Before(tt.change) {
					want = tt.before
					nineBefore++
				} else {
					nineAfter++
				}
				if s.Start.Hour() != want {
					t.Fatalf("slot %d at 09:00 local on %s is %s UTC, want %02d:00", s.ID, rdv.DateOf(s.Start), s.Start.Format("15:04"), want)
				}
			}
			check()
			if nineBefore == 0 || nineAfter == 0 {
				t.Errorf("09:00 slots: %d before the change, %d after", nineBefore, nineAfter)
			}
			if count != n.load.SlotCount {
				t.Errorf("Slots yields %d slots, SlotCount says %d", count, n.load.SlotCount)
			}
		})
	}
}

// checkPlanSlots compares one plan's slots, day by day, with the wall-clock
// times its blocks call for. Days with an exception are skipped.
func checkPlanSlots(t *testing.T, p rdv.WorkingPlan, from, to rdv.Date, slots []rdv.Slot) {
	t.Helper()
	for d := from; d.Before(to); d = d.AddDays(1) {
		if slices.ContainsFunc(p.Exceptions, func(e rdv.PlanException) bool { return e.Date == d }) {
			continue
		}
		var want []time.Time
		for _, b := range p.Blocks {
			if b.Weekday != d.Weekday() {
				continue
			}
			for m := b.StartMinute; m+b.SlotMinutes <= b.EndMinute; m += b.SlotMinutes {
				want = append(want, time.Date(d.Year, d.Month, d.Day, m/60, m%60, 0, 0, rdv.Toronto))
			}
		}
		var got []time.Time
		for _, s := range slots {
			if rdv.DateOf(s.Start) == d {
				got = append(got, s.Start)
			}
		}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Fatalf("plan %d on %s: %d slots %v, want %d %v", p.ID, d, len(got), got, len(want), want)
		}
	}
}

// TestCountSlots holds countSlots to Expand on plans the demo never makes
// but the rules allow: night blocks across the clock changes, partial
// exceptions, slot lengths that leave a remainder.
func TestCountSlots(t *testing.T) {
	night := rdv.PlanBlock{Weekday: time.Saturday, StartMinute: 22 * 60, EndMinute: 30 * 60, Service: rdv.Urgent, SlotMinutes: 15, Audience: rdv.Public}
	day := rdv.PlanBlock{Weekday: time.Monday, StartMinute: 8*60 + 10, EndMinute: 12 * 60, Service: rdv.Prenatal, SlotMinutes: 30, Audience: rdv.Public}
	sunday := rdv.PlanBlock{Weekday: time.Sunday, StartMinute: 60, EndMinute: 4 * 60, Service: rdv.General, SlotMinutes: 20, Audience: rdv.Rostered}
	tests := []struct {
		name       string
		from       string
		blocks     []rdv.PlanBlock
		exceptions []rdv.PlanException
	}{
		{"night across fall back", "2026-10-26", []rdv.PlanBlock{night, sunday}, nil},
		{"night across spring forward", "2027-03-08", []rdv.PlanBlock{night, sunday}, nil},
		{"remainder", "2026-10-26", []rdv.PlanBlock{day}, nil},
		{"partial exception", "2026-10-26", []rdv.PlanBlock{day, night}, []rdv.PlanException{
			{Date: rdv.Date{Year: 2026, Month: time.November, Day: 2}, StartMinute: 9 * 60, EndMinute: 10*60 + 5},
			{Date: rdv.Date{Year: 2026, Month: time.October, Day: 31}, StartMinute: 23 * 60, EndMinute: 24 * 60},
		}},
		{"whole day", "2027-03-08", []rdv.PlanBlock{day, sunday}, []rdv.PlanException{
			{Date: rdv.Date{Year: 2027, Month: time.March, Day: 14}, AllDay: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rdv.WorkingPlan{ID: 1, PractitionerID: 1, ClinicID: 1, Blocks: tt.blocks, Exceptions: tt.exceptions}
			from := mustDate(t, tt.from)
			to := from.AddDays(14)
			if got, want := countSlots(p, from, to, rdv.Toronto), len(p.Expand(from, to, rdv.Toronto)); got != want {
				t.Errorf("countSlots = %d, Expand makes %d", got, want)
			}
		})
	}
}

package storetest

import (
	"reflect"
	"testing"
	"time"

	"rdv"
)

func testLoadAndRead(t *testing.T, f *fixture) {
	empty, err := f.store.Empty(f.ctx)
	if err != nil || empty {
		t.Fatalf("loaded store: Empty() = %v, %v; want false, nil", empty, err)
	}
	clinics, err := f.store.Clinics(f.ctx)
	if err != nil {
		t.Fatalf("clinics: %v", err)
	}
	if !reflect.DeepEqual(clinics, f.net.Clinics) {
		t.Fatalf("clinics read back\n%+v\nwant\n%+v", clinics, f.net.Clinics)
	}
	practitioners, err := f.store.Practitioners(f.ctx)
	if err != nil {
		t.Fatalf("practitioners: %v", err)
	}
	if !reflect.DeepEqual(practitioners, f.net.Practitioners) {
		t.Fatalf("practitioners read back\n%+v\nwant\n%+v", practitioners, f.net.Practitioners)
	}
	plans, err := f.store.Plans(f.ctx, 1)
	if err != nil {
		t.Fatalf("plans of clinic 1: %v", err)
	}
	if !reflect.DeepEqual(plans, f.net.Plans[:2]) {
		t.Fatalf("plans of clinic 1 read back\n%+v\nwant\n%+v", plans, f.net.Plans[:2])
	}
	if plans, err := f.store.Plans(f.ctx, 99); err != nil || len(plans) != 0 {
		t.Fatalf("plans of unknown clinic = %v, %v; want none", plans, err)
	}
	// The booked slots of the load carry appointments that occupy them.
	for i, s := range f.slots {
		if f.patients[i] == 0 {
			continue
		}
		f.wantState(s.ID, rdv.SlotBooked)
		_, _, err := f.store.PlaceHold(f.ctx, f.holdReq(s.ID, "c"))
		wantCode(t, "hold a slot booked by the load", err, rdv.ESLOTTAKEN)
	}
}

func testLoadTwice(t *testing.T, f *fixture) {
	if err := f.store.LoadNetwork(f.ctx, SmallNetwork(Start), nil); err == nil {
		t.Fatal("second LoadNetwork into a loaded store succeeded, want an error")
	}
	if n := countBookable(t, f, f.now); n != len(f.slots)-2 {
		t.Fatalf("after a refused second load %d bookable slots, want %d", n, len(f.slots)-2)
	}
}

func testSlot(t *testing.T, f *fixture) {
	want := f.slots[0]
	got := f.slot(want.ID)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("slot read back\n%+v\nwant\n%+v", got, want)
	}
	if !got.Start.Equal(Start.At(9*60, rdv.Toronto)) || got.Start.Location() != time.UTC {
		t.Fatalf("slot start %v, want 09:00 Toronto in UTC", got.Start)
	}
	_, err := f.store.Slot(f.ctx, 1_000_000)
	wantCode(t, "unknown slot", err, rdv.ENOTFOUND)
	_, err = f.store.Hold(f.ctx, "no-such-hold")
	wantCode(t, "unknown hold", err, rdv.ENOTFOUND)
	_, err = f.store.Appointment(f.ctx, 1_000_000)
	wantCode(t, "unknown appointment", err, rdv.ENOTFOUND)
}

func countBookable(t *testing.T, f *fixture, from time.Time) int {
	t.Helper()
	n := 0
	err := f.store.ScanBookable(f.ctx, from, f.now, func(s rdv.Slot) error {
		if !s.FreeAt(f.now) {
			t.Errorf("ScanBookable yielded slot %d in state %q (hold until %v) at %v", s.ID, s.State, s.HoldExpires, f.now)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatalf("scan bookable: %v", err)
	}
	return n
}

func testScanBookable(t *testing.T, f *fixture) {
	all := len(f.slots) - 2 // two slots booked by the load
	if n := countBookable(t, f, f.now); n != all {
		t.Fatalf("bookable slots %d, want %d", n, all)
	}
	// Slots starting before from are left out.
	second := Start.AddDays(1).Start(rdv.Toronto)
	later := 0
	for i, s := range f.slots {
		if !s.Start.Before(second) && f.patients[i] == 0 {
			later++
		}
	}
	if n := countBookable(t, f, second); n != later {
		t.Fatalf("bookable slots from day 2: %d, want %d", n, later)
	}
	// A live hold hides its slot; a run-out hold does not, sweep or not.
	ids := f.freePublic(2)
	f.mustHold(ids[0], "a")
	f.mustBook(ids[1])
	if n := countBookable(t, f, f.now); n != all-2 {
		t.Fatalf("bookable slots with one held and one booked: %d, want %d", n, all-2)
	}
	f.now = f.now.Add(5 * time.Minute)
	if n := countBookable(t, f, f.now); n != all-1 {
		t.Fatalf("bookable slots after the hold ran out: %d, want %d", n, all-1)
	}
	// fn's error stops the scan and is returned.
	stop := rdv.Errorf(rdv.EINTERNAL, "stop")
	calls := 0
	err := f.store.ScanBookable(f.ctx, f.now, f.now, func(rdv.Slot) error { calls++; return stop })
	if err == nil || calls != 1 {
		t.Fatalf("scan with failing fn: %d calls, err %v; want 1 call and the error", calls, err)
	}
}

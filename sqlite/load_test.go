package sqlite_test

import (
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
)

// TestLoadNetworkProgress loads a network big enough for several progress
// reports and checks them and what was written.
func TestLoadNetworkProgress(t *testing.T) {
	const nslots, bookedEvery = 25_000, 4
	start := time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC)
	s := MustOpen(t, sqlite.Options{})
	var calls [][2]int
	if err := s.LoadNetwork(t.Context(), syntheticNetwork(start, nslots, bookedEvery), func(done, total int) {
		calls = append(calls, [2]int{done, total})
	}); err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(calls) < 3 || calls[len(calls)-1] != [2]int{nslots, nslots} {
		t.Fatalf("progress calls %v, want several ending with %d of %d", calls, nslots, nslots)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Fatalf("progress went back: %v", calls)
		}
	}
	bookable := 0
	if err := s.ScanBookable(t.Context(), start, start, func(rdv.Slot) error { bookable++; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := nslots - nslots/bookedEvery; bookable != want {
		t.Fatalf("%d bookable slots after the load, want %d", bookable, want)
	}
	a, err := s.Appointment(t.Context(), 1)
	if err != nil || a.Status != rdv.Booked || a.Slot.ID != 1 || a.Slot.State != rdv.SlotBooked {
		t.Fatalf("first loaded appointment: %+v, %v; want booked on slot 1", a, err)
	}
}

// TestLoadNetworkRefusesDanglingReferences: a slot of an unknown
// practitioner fails the load, which leaves the store empty.
func TestLoadNetworkRefusesDanglingReferences(t *testing.T) {
	start := time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC)
	s := MustOpen(t, sqlite.Options{})
	n := syntheticNetwork(start, 1000, 0)
	n.Practitioners = n.Practitioners[:10]
	err := s.LoadNetwork(t.Context(), n, nil)
	if rdv.ErrorCode(err) != rdv.EINVALID {
		t.Fatalf("load with unknown practitioners: %v, want %s", err, rdv.EINVALID)
	}
	if empty, err := s.Empty(t.Context()); err != nil || !empty {
		t.Fatalf("after a failed load Empty() = %v, %v; want true", empty, err)
	}
}

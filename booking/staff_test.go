package booking_test

import (
	"context"
	"slices"
	"testing"

	"rdv"
	"rdv/booking"
)

// TestCancelByStaff: the clinic's staff cancel without the token and the
// slot comes back to search; another clinic's staff, or no clinic, reach
// nothing.
func TestCancelByStaff(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	slot := w.offered()[0]
	sl, err := w.store.Slot(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := w.engine.Hold(ctx, slot, "a", nil)
	a, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, clinic := range []int64{0, sl.ClinicID + 1} {
		_, err := w.engine.CancelByStaff(ctx, clinic, a.ID)
		mustCode(t, err, rdv.ENOTFOUND)
	}
	if slices.Contains(w.offered(), slot) {
		t.Fatal("a refused cancellation offered the booked slot")
	}
	got, err := w.engine.CancelByStaff(ctx, sl.ClinicID, a.ID)
	if err != nil {
		t.Fatalf("cancel by the clinic's staff: %v", err)
	}
	if got.Status != rdv.Cancelled {
		t.Fatalf("appointment is %s", got.Status)
	}
	if !slices.Contains(w.offered(), slot) {
		t.Fatal("a slot cancelled by staff is not offered again")
	}
}

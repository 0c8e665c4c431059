package booking_test

import (
	"context"
	"slices"
	"testing"

	"rdv"
	"rdv/booking"
)

// TestReleaseOffersSlotAtOnce: a hold given back is offered in search at
// once, with no sweep, and no longer counts against its client's cap;
// only the browser (or, without one, the address) that placed it can
// give it back.
func TestReleaseOffersSlotAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	mine := booking.HoldInput{ClientKey: "browser:parent", Address: "192.0.2.1"}
	var holds []rdv.Hold
	for _, slot := range w.offered()[:3] {
		in := mine
		in.SlotID = slot
		h, err := w.engine.HoldFor(ctx, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		holds = append(holds, h)
	}
	fourth := mine
	fourth.SlotID = w.offered()[0]
	_, err := w.engine.HoldFor(ctx, fourth, nil)
	mustCode(t, err, rdv.ETOOMANYHOLDS)

	// Someone who learnt the hold's ID, from the same address too.
	stranger := booking.HoldInput{ClientKey: "browser:other", Address: "192.0.2.1"}
	mustCode(t, w.engine.Release(ctx, holds[0].ID, stranger), rdv.ENOTFOUND)
	mustCode(t, w.engine.Release(ctx, holds[0].ID, booking.HoldInput{Address: "192.0.2.1"}), rdv.ENOTFOUND)
	if slices.Contains(w.offered(), holds[0].SlotID) {
		t.Fatal("a hold released by a stranger is offered again")
	}

	if err := w.engine.Release(ctx, holds[0].ID, mine); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(w.offered(), holds[0].SlotID) {
		t.Fatal("a released slot is not offered at once")
	}
	if _, err := w.engine.HoldFor(ctx, fourth, nil); err != nil {
		t.Fatalf("a fourth choice after a release: %v", err)
	}

	// A browser without an id is known by its address alone.
	bare := booking.HoldInput{SlotID: w.offered()[0], Address: "198.51.100.7"}
	h, err := w.engine.HoldFor(ctx, bare, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustCode(t, w.engine.Release(ctx, h.ID, booking.HoldInput{Address: "198.51.100.8"}), rdv.ENOTFOUND)
	if err := w.engine.Release(ctx, h.ID, booking.HoldInput{Address: "198.51.100.7"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(w.offered(), h.SlotID) {
		t.Fatal("the address's released slot is not offered at once")
	}
}

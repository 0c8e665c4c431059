package storetest

import (
	"testing"
	"time"

	"rdv"
)

// testReleaseHold: a hold given back frees its slot at once, for search
// (the changes name it) and for the next hold, and lifts the client's
// count of live holds; only the client that placed it can release it,
// and releasing never frees a booked slot or another client's new hold.
func testReleaseHold(t *testing.T, f *fixture) {
	free := f.freePublic(4)
	release := func(id, client string) (rdv.SlotChanges, error) {
		return f.store.ReleaseHold(f.ctx, rdv.ReleaseRequest{HoldID: id, ClientKey: client, Now: f.now})
	}
	r := f.holdReq(free[0], "parent")
	r.MaxLiveHolds = 1
	h, _, err := f.store.PlaceHold(f.ctx, r)
	if err != nil {
		t.Fatalf("hold: %v", err)
	}

	for _, tc := range []struct{ name, id, client string }{
		{"another client", h.ID, "stranger"},
		{"no client", h.ID, ""},
		{"unknown hold", "h-unknown", "parent"},
	} {
		ch, err := release(tc.id, tc.client)
		wantCode(t, "release by "+tc.name, err, rdv.ENOTFOUND)
		if len(ch.Freed) != 0 {
			t.Fatalf("release by %s freed %v", tc.name, ids(ch.Freed))
		}
	}
	if s := f.slot(free[0]); s.State != rdv.SlotHeld || s.HoldID != h.ID {
		t.Fatalf("slot after refused releases %+v, want still held by %s", s, h.ID)
	}

	ch, err := release(h.ID, "parent")
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	if len(ch.Freed) != 1 || ch.Freed[0].ID != free[0] || ch.Freed[0].State != rdv.SlotFree || len(ch.Taken) != 0 {
		t.Fatalf("changes %+v, want slot %d freed", ch, free[0])
	}
	if s := f.slot(free[0]); s.State != rdv.SlotFree || s.HoldID != "" || !s.FreeAt(f.now) {
		t.Fatalf("released slot read back %+v, want free", s)
	}
	found := false
	if err := f.store.ScanBookable(f.ctx, f.now, f.now, func(s rdv.Slot) error {
		found = found || s.ID == free[0]
		return nil
	}); err != nil || !found {
		t.Fatalf("released slot %d bookable: %v, %v; want found", free[0], found, err)
	}
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(1)))
	if err == nil {
		t.Fatal("a released hold was confirmed")
	}
	f.wantState(free[0], rdv.SlotFree)

	// Twice: nothing more happens.
	if ch, err := release(h.ID, "parent"); err != nil || len(ch.Freed)+len(ch.Taken) != 0 {
		t.Fatalf("second release: %+v, %v; want no change", ch, err)
	}
	// The cap of one live hold no longer counts the released one, and
	// the slot is anyone's at once.
	r = f.holdReq(free[1], "parent")
	r.MaxLiveHolds = 1
	if _, _, err := f.store.PlaceHold(f.ctx, r); err != nil {
		t.Fatalf("hold after release within a cap of one: %v", err)
	}
	f.mustHold(free[0], "other")

	// A confirmed hold stays booked.
	a := f.mustHold(free[2], "booker")
	if _, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(a.ID, TestPatient(2))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if ch, err := release(a.ID, "booker"); err != nil || len(ch.Freed) != 0 {
		t.Fatalf("release of a confirmed hold: %+v, %v; want no change", ch, err)
	}
	f.wantState(free[2], rdv.SlotBooked)

	// A run-out hold whose slot another client holds now frees nothing.
	old := f.mustHold(free[3], "slow")
	f.now = old.ExpiresAt.Add(time.Second)
	next := f.mustHold(free[3], "fast")
	if ch, err := release(old.ID, "slow"); err != nil || len(ch.Freed) != 0 {
		t.Fatalf("release of a replaced hold: %+v, %v; want no change", ch, err)
	}
	if s := f.slot(free[3]); s.HoldID != next.ID {
		t.Fatalf("slot held by %q after the old hold's release, want %q", s.HoldID, next.ID)
	}
}

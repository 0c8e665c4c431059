package storetest

import (
	"testing"
	"time"

	"rdv"
)

func testPlaceHold(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	held := f.mustHold(free[1], "other")
	booked := f.firstWhere(func(s rdv.Slot, p int64) bool { return p != 0 })
	rostered := f.firstWhere(func(s rdv.Slot, p int64) bool { return s.Audience == rdv.Rostered && p == 0 })
	first := f.slots[0]

	cases := []struct {
		name  string
		edit  func(r *rdv.HoldRequest)
		want  string
		check func(t *testing.T, h rdv.Hold, ch rdv.SlotChanges)
	}{
		{name: "unknown slot", edit: func(r *rdv.HoldRequest) { r.SlotID = 1_000_000 }, want: rdv.ENOTFOUND},
		{name: "started slot", edit: func(r *rdv.HoldRequest) { r.SlotID = first.ID; r.Now = first.Start }, want: rdv.ECONFLICT},
		{name: "rostered without right", edit: func(r *rdv.HoldRequest) { r.SlotID = rostered.ID }, want: rdv.EFORBIDDEN},
		{name: "booked slot", edit: func(r *rdv.HoldRequest) { r.SlotID = booked.ID }, want: rdv.ESLOTTAKEN},
		{name: "slot held by another", edit: func(r *rdv.HoldRequest) { r.SlotID = held.SlotID }, want: rdv.ESLOTTAKEN},
		{name: "slot held by the same client", edit: func(r *rdv.HoldRequest) { r.SlotID = held.SlotID; r.ClientKey = "other" }, want: rdv.ESLOTTAKEN},
		{name: "rostered with right", edit: func(r *rdv.HoldRequest) { r.SlotID = rostered.ID; r.AllowRostered = true }},
		{name: "free slot", edit: func(r *rdv.HoldRequest) { r.SlotID = free[0] }, check: func(t *testing.T, h rdv.Hold, ch rdv.SlotChanges) {
			if h.SlotID != free[0] || h.ClientKey != "me" || !h.ExpiresAt.Equal(f.now.Add(5*time.Minute)) {
				t.Fatalf("hold %+v, want slot %d for me until %v", h, free[0], f.now.Add(5*time.Minute))
			}
			if len(ch.Taken) != 1 || ch.Taken[0].ID != free[0] || len(ch.Freed) != 0 || ch.Replayed {
				t.Fatalf("changes %+v, want slot %d taken", ch, free[0])
			}
			got, err := f.store.Hold(f.ctx, h.ID)
			if err != nil || got.ID != h.ID || got.SlotID != h.SlotID || got.ClientKey != h.ClientKey || !got.ExpiresAt.Equal(h.ExpiresAt) {
				t.Fatalf("hold read back %+v, %v; want %+v", got, err, h)
			}
			s := f.slot(free[0])
			if s.State != rdv.SlotHeld || s.HoldID != h.ID || !s.HoldExpires.Equal(h.ExpiresAt) || s.FreeAt(f.now) {
				t.Fatalf("held slot read back %+v, want held by %s until %v", s, h.ID, h.ExpiresAt)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.holdReq(0, "me")
			r.MaxLiveHolds = 0
			tc.edit(&r)
			h, ch, err := f.store.PlaceHold(f.ctx, r)
			if tc.want != "" {
				wantCode(t, tc.name, err, tc.want)
				if _, err := f.store.Hold(f.ctx, r.HoldID); !isCode(err, rdv.ENOTFOUND) {
					t.Fatalf("refused hold %s was stored: %v", r.HoldID, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if h.ID != r.HoldID {
				t.Fatalf("hold ID %q, want %q", h.ID, r.HoldID)
			}
			if tc.check != nil {
				tc.check(t, h, ch)
			}
		})
	}
}

func testLiveHoldCap(t *testing.T, f *fixture) {
	free := f.freePublic(4)
	r := f.holdReq(free[0], "capped")
	r.MaxLiveHolds = 2
	first, _, err := f.store.PlaceHold(f.ctx, r)
	if err != nil {
		t.Fatalf("first hold: %v", err)
	}
	f.now = f.now.Add(time.Minute)
	r = f.holdReq(free[1], "capped")
	r.MaxLiveHolds = 2
	if _, _, err := f.store.PlaceHold(f.ctx, r); err != nil {
		t.Fatalf("second hold: %v", err)
	}
	r = f.holdReq(free[2], "capped")
	r.MaxLiveHolds = 2
	_, _, err = f.store.PlaceHold(f.ctx, r)
	wantCode(t, "third live hold", err, rdv.ETOOMANYHOLDS)
	f.wantState(free[2], rdv.SlotFree)

	// Another client is not capped by this one's holds.
	r2 := f.holdReq(free[2], "someone else")
	r2.MaxLiveHolds = 2
	if _, _, err := f.store.PlaceHold(f.ctx, r2); err != nil {
		t.Fatalf("other client's hold: %v", err)
	}
	// A confirmed hold no longer counts, nor does a run-out one.
	if _, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(first.ID, TestPatient(1))); err != nil {
		t.Fatalf("confirm first hold: %v", err)
	}
	r = f.holdReq(free[3], "capped")
	r.MaxLiveHolds = 2
	if _, _, err := f.store.PlaceHold(f.ctx, r); err != nil {
		t.Fatalf("hold after confirming one: %v", err)
	}
	f.now = f.now.Add(10 * time.Minute)
	for _, id := range f.freePublic(6)[4:] {
		r = f.holdReq(id, "capped")
		r.MaxLiveHolds = 2
		if _, _, err := f.store.PlaceHold(f.ctx, r); err != nil {
			t.Fatalf("hold after the others ran out: %v", err)
		}
	}
}

func testExpiredHoldFreesSlot(t *testing.T, f *fixture) {
	id := f.freePublic(1)[0]
	old := f.mustHold(id, "slow")
	// One second before expiry the slot is still taken.
	f.now = old.ExpiresAt.Add(-time.Second)
	_, _, err := f.store.PlaceHold(f.ctx, f.holdReq(id, "fast"))
	wantCode(t, "hold before expiry", err, rdv.ESLOTTAKEN)
	// At expiry, with no sweep, another client takes it at once.
	f.now = old.ExpiresAt
	h, ch, err := f.store.PlaceHold(f.ctx, f.holdReq(id, "fast"))
	if err != nil {
		t.Fatalf("hold right after expiry: %v", err)
	}
	if len(ch.Taken) != 1 || ch.Taken[0].ID != id {
		t.Fatalf("changes %+v, want slot %d taken", ch, id)
	}
	if s := f.slot(id); s.HoldID != h.ID {
		t.Fatalf("slot held by %q, want the new hold %q", s.HoldID, h.ID)
	}
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(old.ID, TestPatient(1)))
	wantCode(t, "confirm the run-out hold", err, rdv.EGONE)
	if _, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(2))); err != nil {
		t.Fatalf("confirm the new hold: %v", err)
	}
	// A run-out hold nobody replaced cannot be confirmed either.
	id2 := f.freePublic(2)[1]
	h2 := f.mustHold(id2, "late")
	f.now = h2.ExpiresAt.Add(time.Second)
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(h2.ID, TestPatient(3)))
	wantCode(t, "confirm a run-out hold", err, rdv.EGONE)
	if s := f.slot(id2); !s.FreeAt(f.now) {
		t.Fatalf("slot of a run-out hold %+v not free at %v", s, f.now)
	}
}

func testExpireHolds(t *testing.T, f *fixture) {
	free := f.freePublic(3)
	early := f.mustHold(free[0], "a")
	f.now = f.now.Add(2 * time.Minute)
	late := f.mustHold(free[1], "b")
	confirmed := f.mustHold(free[2], "c")
	if _, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(confirmed.ID, TestPatient(1))); err != nil {
		t.Fatalf("confirm: %v", err)
	}

	ch, err := f.store.ExpireHolds(f.ctx, early.ExpiresAt.Add(-time.Second))
	if err != nil || len(ch.Freed) != 0 {
		t.Fatalf("expire before any hold ran out: %+v, %v; want nothing freed", ch, err)
	}
	ch, err = f.store.ExpireHolds(f.ctx, early.ExpiresAt)
	if err != nil {
		t.Fatalf("expire holds: %v", err)
	}
	if got := ids(ch.Freed); len(got) != 1 || got[0] != free[0] || ch.Freed[0].State != rdv.SlotFree {
		t.Fatalf("freed %+v, want slot %d free", ch.Freed, free[0])
	}
	f.wantState(free[0], rdv.SlotFree)
	f.wantState(free[1], rdv.SlotHeld)
	f.wantState(free[2], rdv.SlotBooked)
	ch, err = f.store.ExpireHolds(f.ctx, early.ExpiresAt)
	if err != nil || len(ch.Freed) != 0 {
		t.Fatalf("second sweep: %+v, %v; want nothing freed", ch, err)
	}
	f.now = early.ExpiresAt
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(early.ID, TestPatient(2)))
	wantCode(t, "confirm a swept hold", err, rdv.EGONE)

	// A hold replaced after it ran out is not freed again by the sweep.
	f.now = late.ExpiresAt
	again := f.mustHold(free[1], "d")
	ch, err = f.store.ExpireHolds(f.ctx, late.ExpiresAt)
	if err != nil || len(ch.Freed) != 0 {
		t.Fatalf("sweep after the slot was held again: %+v, %v; want nothing freed", ch, err)
	}
	if s := f.slot(free[1]); s.HoldID != again.ID || s.State != rdv.SlotHeld {
		t.Fatalf("slot %+v, want held by %s", s, again.ID)
	}
}

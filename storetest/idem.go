package storetest

import (
	"reflect"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

func idem(scope, key, body string) *rdv.IdemKey {
	return &rdv.IdemKey{Scope: scope, Key: key, BodyHash: auth.HashToken(body)}
}

func testIdempotentHold(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	r := f.holdReq(free[0], "me")
	r.MaxLiveHolds = 1
	r.Idem = idem("POST /api/v1/holds", "k1", "slot 1")
	h, ch, err := f.store.PlaceHold(f.ctx, r)
	if err != nil || ch.Replayed {
		t.Fatalf("first hold: %+v, %v", ch, err)
	}
	// The retry carries a new hold ID, as a new request would.
	retry := r
	retry.HoldID = f.nextID("h")
	h2, ch2, err := f.store.PlaceHold(f.ctx, retry)
	if err != nil {
		t.Fatalf("replayed hold: %v", err)
	}
	if !ch2.Replayed || len(ch2.Taken)+len(ch2.Freed) != 0 {
		t.Fatalf("replay changes %+v, want Replayed and nothing else", ch2)
	}
	if h2.ID != h.ID || h2.SlotID != h.SlotID || !h2.ExpiresAt.Equal(h.ExpiresAt) {
		t.Fatalf("replayed hold %+v, want %+v", h2, h)
	}
	if _, err := f.store.Hold(f.ctx, retry.HoldID); !isCode(err, rdv.ENOTFOUND) {
		t.Fatalf("replay stored a second hold: %v", err)
	}
	// One effect: the cap of one live hold is reached by the first only.
	other := f.holdReq(free[1], "me")
	other.MaxLiveHolds = 1
	_, _, err = f.store.PlaceHold(f.ctx, other)
	wantCode(t, "second live hold", err, rdv.ETOOMANYHOLDS)
	// Same key, another body.
	mismatch := f.holdReq(free[1], "me")
	mismatch.Idem = idem("POST /api/v1/holds", "k1", "slot 2")
	_, _, err = f.store.PlaceHold(f.ctx, mismatch)
	wantCode(t, "key reused with another body", err, rdv.EIDEMPOTENCY)
	f.wantState(free[1], rdv.SlotFree)
	// The same key in another scope is another key.
	scoped := f.holdReq(free[1], "you")
	scoped.Idem = idem("POST /fhir/Slot/$hold", "k1", "slot 2")
	if _, _, err := f.store.PlaceHold(f.ctx, scoped); err != nil {
		t.Fatalf("same key in another scope: %v", err)
	}
}

func testIdempotentConfirm(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	h := f.mustHold(free[0], "me")
	r := f.confirmReq(h.ID, TestPatient(3))
	r.Idem = idem("POST /api/v1/appointments", "c1", "confirm")
	a, _, err := f.store.ConfirmHold(f.ctx, r)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	// A retry of the same request: a new token is drawn but the first
	// answer, with the first token, comes back.
	retry := f.confirmReq(h.ID, TestPatient(3))
	retry.Idem = r.Idem
	a2, ch, err := f.store.ConfirmHold(f.ctx, retry)
	if err != nil {
		t.Fatalf("replayed confirm: %v", err)
	}
	if !ch.Replayed || len(ch.Taken)+len(ch.Freed) != 0 {
		t.Fatalf("replay changes %+v, want Replayed only", ch)
	}
	if a2.ID != a.ID || a2.CancelToken != a.CancelToken || a2.Slot.ID != a.Slot.ID || a2.Patient.ID != a.Patient.ID || a2.Status != rdv.Booked {
		t.Fatalf("replayed appointment %+v, want %+v", a2, a)
	}
	if _, err := f.store.AppointmentByToken(f.ctx, a.ID, auth.HashToken(retry.CancelToken)); !isCode(err, rdv.ENOTFOUND) {
		t.Fatalf("the replay's token opens the appointment: %v", err)
	}
	h2 := f.mustHold(free[1], "me")
	mismatch := f.confirmReq(h2.ID, TestPatient(4))
	mismatch.Idem = idem("POST /api/v1/appointments", "c1", "another confirm")
	_, _, err = f.store.ConfirmHold(f.ctx, mismatch)
	wantCode(t, "confirm key reused with another body", err, rdv.EIDEMPOTENCY)
	f.wantState(free[1], rdv.SlotHeld)
}

func testIdempotentCancel(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	a := f.mustBook(free[0])
	r := rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), Now: f.now,
		Idem: idem("POST /api/v1/appointments/{id}/cancel", "x1", "cancel")}
	c, ch, err := f.store.Cancel(f.ctx, r)
	if err != nil || len(ch.Freed) != 1 {
		t.Fatalf("cancel: %+v, %v", ch, err)
	}
	// Rebook the slot: a replayed cancel must not free it again.
	b := f.mustBook(free[0])
	c2, ch, err := f.store.Cancel(f.ctx, r)
	if err != nil || !ch.Replayed || len(ch.Freed) != 0 || !reflect.DeepEqual(c2.Slot, c.Slot) || c2.Status != rdv.Cancelled {
		t.Fatalf("replayed cancel: %+v, %+v, %v; want the first answer, replayed", c2, ch, err)
	}
	if got := f.appointment(b.ID); got.Status != rdv.Booked {
		t.Fatalf("rebooking after a replayed cancel has status %q, want booked", got.Status)
	}
	f.wantState(free[0], rdv.SlotBooked)
	mismatch := r
	mismatch.AppointmentID = b.ID
	mismatch.Idem = idem("POST /api/v1/appointments/{id}/cancel", "x1", "cancel b")
	_, _, err = f.store.Cancel(f.ctx, mismatch)
	wantCode(t, "cancel key reused with another body", err, rdv.EIDEMPOTENCY)
}

func testIdempotentReschedule(t *testing.T, f *fixture) {
	free := f.freePublic(3)
	a := f.mustBook(free[0])
	h := f.mustHold(free[1], "me")
	r := rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), HoldID: h.ID, Now: f.now,
		Idem: idem("POST /api/v1/appointments/{id}/reschedule", "r1", "move")}
	m, _, err := f.store.Reschedule(f.ctx, r)
	if err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	// Someone books the freed old slot; the replay must not touch it.
	other := f.mustBook(free[0])
	m2, ch, err := f.store.Reschedule(f.ctx, r)
	if err != nil || !ch.Replayed || len(ch.Freed)+len(ch.Taken) != 0 || m2.Slot.ID != m.Slot.ID || m2.ID != m.ID {
		t.Fatalf("replayed reschedule: %+v, %+v, %v; want the first answer, replayed", m2, ch, err)
	}
	f.wantState(free[0], rdv.SlotBooked)
	if got := f.appointment(other.ID); got.Status != rdv.Booked || got.Slot.ID != free[0] {
		t.Fatalf("the old slot's new booking is %+v after a replay", got)
	}
	h2 := f.mustHold(free[2], "me")
	mismatch := r
	mismatch.HoldID = h2.ID
	mismatch.Idem = idem("POST /api/v1/appointments/{id}/reschedule", "r1", "move elsewhere")
	_, _, err = f.store.Reschedule(f.ctx, mismatch)
	wantCode(t, "reschedule key reused with another body", err, rdv.EIDEMPOTENCY)
	f.wantState(free[2], rdv.SlotHeld)
}

func testFailedWriteStoresNoKey(t *testing.T, f *fixture) {
	booked := f.firstWhere(func(s rdv.Slot, p int64) bool { return p != 0 })
	key := idem("POST /api/v1/holds", "fail", "body")
	r := f.holdReq(booked.ID, "me")
	r.Idem = key
	_, _, err := f.store.PlaceHold(f.ctx, r)
	wantCode(t, "hold a booked slot", err, rdv.ESLOTTAKEN)
	// The retry runs again (and fails again) rather than replaying a failure.
	r.HoldID = f.nextID("h")
	_, ch, err := f.store.PlaceHold(f.ctx, r)
	wantCode(t, "retry of the failed hold", err, rdv.ESLOTTAKEN)
	if ch.Replayed {
		t.Fatal("a failed write was replayed")
	}
	// No row was kept: the key is free for a request that succeeds.
	ok := f.holdReq(f.freePublic(1)[0], "me")
	ok.Idem = &rdv.IdemKey{Scope: key.Scope, Key: key.Key, BodyHash: auth.HashToken("other body")}
	if _, _, err := f.store.PlaceHold(f.ctx, ok); err != nil {
		t.Fatalf("key of a failed write reused: %v", err)
	}
}

// testIdempotencyKeysForgotten: keys last a day. Within it a retry gets
// the first answer; ExpireHolds then forgets older keys, so that the key
// table stays small, and the same key runs as new, whatever its body.
func testIdempotencyKeysForgotten(t *testing.T, f *fixture) {
	free := f.freePublic(4)
	start := f.now.Add(-48 * time.Hour)
	hold := func(slotID int64, at time.Time, key *rdv.IdemKey) (rdv.SlotChanges, error) {
		r := f.holdReq(slotID, "c")
		r.TTL, r.Now, r.Idem = time.Minute, at, key
		_, ch, err := f.store.PlaceHold(f.ctx, r)
		return ch, err
	}
	expire := func(at time.Time) {
		t.Helper()
		if _, err := f.store.ExpireHolds(f.ctx, at); err != nil {
			t.Fatalf("expire holds at %s: %v", at, err)
		}
	}
	same := idem("POST /api/v1/holds", "k", "first")
	other := idem("POST /api/v1/holds", "k2", "first")
	for i, key := range []*rdv.IdemKey{same, other} {
		if _, err := hold(free[i], start, key); err != nil {
			t.Fatalf("hold with key %s: %v", key.Key, err)
		}
	}
	expire(start.Add(23 * time.Hour))
	if ch, err := hold(free[2], start.Add(23*time.Hour), same); err != nil || !ch.Replayed {
		t.Fatalf("retry within a day: %+v, %v; want a replay", ch, err)
	}
	expire(start.Add(25 * time.Hour))
	if ch, err := hold(free[2], start.Add(25*time.Hour), same); err != nil || ch.Replayed {
		t.Fatalf("same key after a day: %+v, %v; want a new hold", ch, err)
	}
	reused := idem("POST /api/v1/holds", "k2", "second")
	if _, err := hold(free[3], start.Add(25*time.Hour), reused); err != nil {
		t.Fatalf("key reused with another body after a day: %v", err)
	}
}

package storetest

import (
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

func testConfirmHold(t *testing.T, f *fixture) {
	id := f.freePublic(1)[0]
	h := f.mustHold(id, "me")
	p := TestPatient(7)
	r := f.confirmReq(h.ID, p)
	r.FeeCents = 1500
	a, ch, err := f.store.ConfirmHold(f.ctx, r)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if a.ID == 0 || a.Status != rdv.Booked || a.Slot.ID != id || a.Slot.State != rdv.SlotBooked ||
		a.CancelToken != r.CancelToken || a.BookedBy != rdv.BySelf || a.Channel != rdv.API || a.FeeCents != 1500 {
		t.Fatalf("appointment %+v, want slot %d booked with the request's token", a, id)
	}
	if a.Patient.ID == 0 || a.Patient.HealthNumber != p.HealthNumber || a.Patient.LastName != p.LastName || a.Patient.BirthDate != p.BirthDate || a.Guardian != nil {
		t.Fatalf("appointment patient %+v, want %+v with an ID", a.Patient, p)
	}
	if !a.CreatedAt.Equal(f.now) {
		t.Fatalf("created at %v, want %v", a.CreatedAt, f.now)
	}
	if len(ch.Freed) != 0 || ch.Replayed {
		t.Fatalf("changes %+v, want nothing freed, not replayed", ch)
	}
	f.wantState(id, rdv.SlotBooked)

	got := f.appointment(a.ID)
	if got.CancelToken != "" {
		t.Fatalf("appointment read back carries the cancel token %q", got.CancelToken)
	}
	got.CancelToken = a.CancelToken
	if got.ID != a.ID || got.Slot != a.Slot || got.Patient != a.Patient || got.Status != a.Status || !got.CreatedAt.Equal(a.CreatedAt) || got.FeeCents != 1500 {
		t.Fatalf("appointment read back\n%+v\nwant\n%+v", got, a)
	}

	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(8)))
	wantCode(t, "confirm twice", err, rdv.ECONFLICT)
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq("no-such-hold", TestPatient(8)))
	wantCode(t, "confirm unknown hold", err, rdv.ENOTFOUND)

	// The same health number is the same patient.
	a2 := f.mustBook(f.freePublic(2)[1])
	h3 := f.mustHold(f.freePublic(3)[2], "me")
	a3, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h3.ID, a2.Patient))
	if err != nil {
		t.Fatalf("confirm for a known patient: %v", err)
	}
	if a3.Patient.ID != a2.Patient.ID {
		t.Fatalf("patient booked twice got IDs %d and %d, want one patient", a2.Patient.ID, a3.Patient.ID)
	}
}

func testConfirmGuardian(t *testing.T, f *fixture) {
	// A public slot: a guardian's booking of a slot kept for registered
	// patients needs the child on the clinic's roster (Messages suite).
	h := f.mustHold(f.freePublic(1)[0], "parent")
	child := rdv.Patient{FirstName: "Léo", LastName: "Lavoie", BirthDate: rdv.Date{Year: 2024, Month: 6, Day: 1},
		HealthNumber: "LAVL24060118", Phone: "514-555-0111", Language: "fr"}
	parent := TestPatient(9)
	cr := f.confirmReq(h.ID, child)
	cr.Guardian = &parent
	cr.BookedBy = rdv.ByGuardian
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("confirm for a child: %v", err)
	}
	if a.Guardian == nil || a.Guardian.ID == 0 || a.Guardian.HealthNumber != parent.HealthNumber || a.Patient.GuardianID != a.Guardian.ID {
		t.Fatalf("child's appointment patient %+v guardian %+v, want the guardian linked", a.Patient, a.Guardian)
	}
	got := f.appointment(a.ID)
	if got.Guardian == nil || *got.Guardian != *a.Guardian || got.Patient.GuardianID != a.Guardian.ID || got.BookedBy != rdv.ByGuardian {
		t.Fatalf("child's appointment read back %+v (guardian %+v), want guardian %+v", got, got.Guardian, a.Guardian)
	}
}

func testAppointmentByToken(t *testing.T, f *fixture) {
	a := f.mustBook(f.freePublic(1)[0])
	got, err := f.store.AppointmentByToken(f.ctx, a.ID, auth.HashToken(a.CancelToken))
	if err != nil || got.ID != a.ID {
		t.Fatalf("by token: %+v, %v; want appointment %d", got, err, a.ID)
	}
	for _, hash := range []string{auth.HashToken("wrong"), "", auth.HashToken(a.CancelToken)[:10]} {
		_, err = f.store.AppointmentByToken(f.ctx, a.ID, hash)
		wantCode(t, "wrong token hash "+hash, err, rdv.ENOTFOUND)
	}
	_, err = f.store.AppointmentByToken(f.ctx, 1_000_000, auth.HashToken(a.CancelToken))
	wantCode(t, "unknown appointment", err, rdv.ENOTFOUND)
	// Appointments written by the load have no token: no hash opens them.
	_, err = f.store.AppointmentByToken(f.ctx, 1, "")
	wantCode(t, "loaded appointment with empty hash", err, rdv.ENOTFOUND)
}

func testCancel(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	a := f.mustBook(free[0])
	hash := auth.HashToken(a.CancelToken)

	_, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken("wrong"), Now: f.now})
	wantCode(t, "cancel with a wrong token", err, rdv.ENOTFOUND)
	_, _, err = f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: 1_000_000, TokenHash: hash, Now: f.now})
	wantCode(t, "cancel unknown", err, rdv.ENOTFOUND)
	_, _, err = f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: hash, Now: a.Slot.Start})
	wantCode(t, "cancel a started appointment", err, rdv.ECONFLICT)
	f.wantState(free[0], rdv.SlotBooked)

	c, ch, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: hash, Now: f.now})
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if c.Status != rdv.Cancelled || c.ID != a.ID || len(ch.Freed) != 1 || ch.Freed[0].ID != free[0] || ch.Freed[0].State != rdv.SlotFree || len(ch.Taken) != 0 {
		t.Fatalf("cancelled %+v changes %+v, want cancelled and slot %d freed", c, ch, free[0])
	}
	f.wantState(free[0], rdv.SlotFree)
	if got := f.appointment(a.ID); got.Status != rdv.Cancelled {
		t.Fatalf("appointment read back with status %q, want cancelled", got.Status)
	}
	// Cancelling again answers the same and changes nothing.
	c2, ch, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: hash, Now: f.now})
	if err != nil || c2.Status != rdv.Cancelled || len(ch.Freed)+len(ch.Taken) != 0 {
		t.Fatalf("cancel again: %+v, %+v, %v; want cancelled, no changes", c2, ch, err)
	}
	// The freed slot books again: the cancelled booking does not occupy it.
	again := f.mustBook(free[0])
	if again.Slot.ID != free[0] {
		t.Fatalf("rebooked slot %d, want %d", again.Slot.ID, free[0])
	}
	// Staff cancel without the token.
	b := f.mustBook(free[1])
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: b.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("staff cancel: %v", err)
	}
	f.wantState(free[1], rdv.SlotFree)
}

func testReschedule(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	a := f.mustBook(free[0])
	h := f.mustHold(free[1], "me")
	r, ch, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), HoldID: h.ID, Now: f.now})
	if err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	if r.ID != a.ID || r.Slot.ID != free[1] || r.Slot.State != rdv.SlotBooked || r.Status != rdv.Booked || r.Patient.ID != a.Patient.ID {
		t.Fatalf("rescheduled %+v, want appointment %d on slot %d", r, a.ID, free[1])
	}
	if got := ids(ch.Freed); len(got) != 1 || got[0] != free[0] || ch.Freed[0].State != rdv.SlotFree {
		t.Fatalf("freed %+v, want old slot %d", ch.Freed, free[0])
	}
	if got := ids(ch.Taken); len(got) != 1 || got[0] != free[1] {
		t.Fatalf("taken %+v, want new slot %d", ch.Taken, free[1])
	}
	f.wantState(free[0], rdv.SlotFree)
	f.wantState(free[1], rdv.SlotBooked)
	if got := f.appointment(a.ID); got.Slot.ID != free[1] {
		t.Fatalf("appointment read back on slot %d, want %d", got.Slot.ID, free[1])
	}
	_, _, err = f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(5)))
	wantCode(t, "confirm the hold used by a reschedule", err, rdv.ECONFLICT)
	// The token still works after the move.
	if _, err := f.store.AppointmentByToken(f.ctx, a.ID, auth.HashToken(a.CancelToken)); err != nil {
		t.Fatalf("by token after reschedule: %v", err)
	}
	// The old slot books again.
	f.mustBook(free[0])
}

func testRescheduleFailure(t *testing.T, f *fixture) {
	free := f.freePublic(6)
	a := f.mustBook(free[0])
	hash := auth.HashToken(a.CancelToken)
	live := f.mustHold(free[1], "me")
	runOut := f.mustHold(free[2], "me")
	cancelled := f.mustBook(free[4])
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: cancelled.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	confirmedHold := f.mustHold(free[5], "me")
	if _, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(confirmedHold.ID, TestPatient(40))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	later := f.now.Add(time.Minute)

	cases := []struct {
		name string
		r    rdv.RescheduleRequest
		want string
	}{
		{"wrong token", rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: auth.HashToken("x"), HoldID: live.ID, Now: f.now}, rdv.ENOTFOUND},
		{"unknown appointment", rdv.RescheduleRequest{AppointmentID: 1_000_000, TokenHash: hash, HoldID: live.ID, Now: f.now}, rdv.ENOTFOUND},
		{"unknown hold", rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: hash, HoldID: "no-such-hold", Now: f.now}, rdv.ENOTFOUND},
		{"run-out hold", rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: hash, HoldID: runOut.ID, Now: runOut.ExpiresAt}, rdv.EGONE},
		{"confirmed hold", rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: hash, HoldID: confirmedHold.ID, Now: f.now}, rdv.ECONFLICT},
		{"cancelled appointment", rdv.RescheduleRequest{AppointmentID: cancelled.ID, TokenHash: auth.HashToken(cancelled.CancelToken), HoldID: live.ID, Now: f.now}, rdv.ECONFLICT},
		{"started appointment", rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: hash, HoldID: live.ID, Now: a.Slot.Start}, rdv.ECONFLICT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.Now.IsZero() {
				tc.r.Now = later
			}
			_, ch, err := f.store.Reschedule(f.ctx, tc.r)
			wantCode(t, tc.name, err, tc.want)
			if len(ch.Freed)+len(ch.Taken) != 0 {
				t.Fatalf("failed reschedule reported changes %+v", ch)
			}
			if got := f.appointment(a.ID); got.Slot.ID != free[0] || got.Status != rdv.Booked {
				t.Fatalf("after a failed reschedule the appointment is %+v, want still on slot %d", got, free[0])
			}
			f.wantState(free[0], rdv.SlotBooked)
			if s := f.slot(free[1]); s.State != rdv.SlotHeld || s.HoldID != live.ID {
				t.Fatalf("after a failed reschedule the held slot is %+v, want held by %s", s, live.ID)
			}
		})
	}
	// The live hold still works afterwards.
	if _, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: hash, HoldID: live.ID, Now: f.now}); err != nil {
		t.Fatalf("reschedule after the failures: %v", err)
	}
}

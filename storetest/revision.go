package storetest

import (
	"testing"

	"rdv"
	"rdv/auth"
)

// runRevision runs the conformance suite of appointment revisions: a
// booking starts at 0 and every change of the appointment (reschedule,
// cancellation, status change) adds one in its own transaction; a write
// that changes nothing (refused, replayed or repeated) adds nothing.
// Calendar files carry the revision as their SEQUENCE, which must only
// grow. open returns a fresh, empty, migrated store; status changes need
// rdv.DeskStore.
//
// In SmallNetwork slot 5 is a free public slot of clinic 1 on the first
// day.
func runRevision(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"RescheduleThenCancel", testRevisionRescheduleCancel},
		{"StatusChanges", testRevisionStatus},
		{"RefusedAndReplayedWritesKeepIt", testRevisionUnchanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, open))
		})
	}
}

// wantRevision fails the test unless the write's answer and the stored
// appointment both have revision want.
func (f *fixture) wantRevision(what string, answer rdv.Appointment, want int) {
	f.t.Helper()
	if answer.Revision != want {
		f.t.Fatalf("%s answered revision %d, want %d", what, answer.Revision, want)
	}
	if got := f.appointment(answer.ID).Revision; got != want {
		f.t.Fatalf("after %s the stored revision is %d, want %d", what, got, want)
	}
	byToken, err := f.store.AppointmentByToken(f.ctx, answer.ID, auth.HashToken(answer.CancelToken))
	if answer.CancelToken != "" && (err != nil || byToken.Revision != want) {
		f.t.Fatalf("after %s the appointment by token reads revision %d (%v), want %d", what, byToken.Revision, err, want)
	}
}

func testRevisionRescheduleCancel(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	a := f.mustBook(free[0])
	token := a.CancelToken
	f.wantRevision("the booking", a, 0)

	h := f.mustHold(free[1], "me")
	moved, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(token), HoldID: h.ID, Now: f.now})
	if err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	if moved.ID != a.ID {
		t.Fatalf("reschedule made appointment %d of %d: the revision would start again", moved.ID, a.ID)
	}
	moved.CancelToken = token
	f.wantRevision("the reschedule", moved, 1)

	cancelled, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(token), Now: f.now})
	if err != nil || cancelled.Status != rdv.Cancelled {
		t.Fatalf("cancel: %v, %s", err, cancelled.Status)
	}
	cancelled.CancelToken = token
	f.wantRevision("the cancellation", cancelled, 2)

	// Cancelling again changes nothing, so the revision stays.
	again, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(token), Now: f.now})
	if err != nil {
		t.Fatalf("cancel again: %v", err)
	}
	again.CancelToken = token
	f.wantRevision("a second cancellation", again, 2)
}

func testRevisionStatus(t *testing.T, f *fixture) {
	d := f.store
	a := f.mustBook(5)
	set := func(status rdv.AppointmentStatus, want int) {
		t.Helper()
		got, err := d.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: a.ID, Status: status, Now: f.now})
		if err != nil {
			t.Fatalf("mark %s: %v", status, err)
		}
		got.CancelToken = a.CancelToken
		f.wantRevision("marking "+string(status), got, want)
	}
	set(rdv.Arrived, 1)
	set(rdv.Arrived, 1) // the same status again is no change
	set(rdv.Fulfilled, 2)
}

func testRevisionUnchanged(t *testing.T, f *fixture) {
	free := f.freePublic(2)
	a := f.mustBook(free[0])
	hash := auth.HashToken(a.CancelToken)

	// A refused reschedule (a hold that ran out) leaves the revision.
	runOut := f.mustHold(free[1], "me")
	_, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: hash, HoldID: runOut.ID, Now: runOut.ExpiresAt})
	wantCode(t, "reschedule on a hold that ran out", err, rdv.EGONE)
	f.wantRevision("a refused reschedule", a, 0)

	// A refused cancel (a wrong token) leaves it too.
	_, _, err = f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken("wrong"), Now: f.now})
	wantCode(t, "cancel with a wrong token", err, rdv.ENOTFOUND)
	f.wantRevision("a refused cancellation", a, 0)

	// A replayed cancel answers the first one's revision and adds none.
	key := idem("POST /api/v1/appointments/cancel", f.nextID("idem"), "cancel")
	first, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: hash, Idem: key, Now: f.now})
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	replay, ch, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: hash, Idem: key, Now: f.now})
	if err != nil || !ch.Replayed {
		t.Fatalf("replayed cancel: %v, replayed %v", err, ch.Replayed)
	}
	if first.Revision != 1 || replay.Revision != 1 {
		t.Fatalf("cancel answered revision %d, its replay %d; want 1 and 1", first.Revision, replay.Revision)
	}
	first.CancelToken = a.CancelToken
	f.wantRevision("a replayed cancellation", first, 1)
}

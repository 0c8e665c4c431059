package storetest

import (
	"testing"

	"rdv"
	"rdv/auth"
)

// runAccountActs runs the conformance suite of a signed-in patient acting
// on the account's appointments: rdv.CancelRequest and
// rdv.RescheduleRequest with an AccountID need no token on an appointment
// of that account, and reach no other appointment, whatever token comes
// with them. Accounts are made by signing in (rdv.PatientStore).
func runAccountActs(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *patientsFixture)
	}{
		{"BookingBelongsToTheAccount", testAccountBooking},
		{"CancelWithoutToken", testAccountCancel},
		{"RescheduleWithoutToken", testAccountReschedule},
		{"OtherAppointmentsNotFound", testAccountOthersNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &patientsFixture{fixture: newFixture(t, open), key: []byte("fedcba9876543210fedcba9876543210")})
		})
	}
}

// bookFor books a free public slot of the third day for the account (0:
// none), by email.
func (f *patientsFixture) bookFor(account int64, skip int) rdv.Appointment {
	f.t.Helper()
	return f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, skip).ID, func(r *rdv.ConfirmRequest) {
		r.AccountID, r.Notify = account, rdv.Notify{Email: true}
	})
}

func testAccountBooking(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.bookFor(acc.ID, 0)
	if a.AccountID != acc.ID {
		t.Fatalf("booking answered account %d, want %d", a.AccountID, acc.ID)
	}
	if got := f.appointment(a.ID); got.AccountID != acc.ID || got.Notify != (rdv.Notify{Email: true}) {
		t.Fatalf("booking read back with account %d, channels %+v", got.AccountID, got.Notify)
	}
	guest := f.bookFor(0, 1)
	if got := f.appointment(guest.ID); got.AccountID != 0 {
		t.Fatalf("a guest's booking read back with account %d", got.AccountID)
	}
}

func testAccountCancel(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.bookFor(acc.ID, 0)
	got, ch, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, AccountID: acc.ID, Now: f.now})
	if err != nil || got.Status != rdv.Cancelled || len(ch.Freed) != 1 {
		t.Fatalf("cancel by the account: %+v, %v, freed %v", got, err, ids(ch.Freed))
	}
	ms := f.messages(a.ID)
	if last := ms[len(ms)-1]; last.Kind != rdv.MessageCancelled {
		t.Fatalf("cancel by the account wrote %+v, want the patient's cancellation", briefs(ms))
	}
}

func testAccountReschedule(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.bookFor(acc.ID, 0)
	h := f.mustHold(f.freeSlot(2, 1, rdv.Public, 1).ID, "lea")
	moved, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, AccountID: acc.ID, HoldID: h.ID, Now: f.now})
	if err != nil || moved.Slot.ID != h.SlotID || moved.Revision != 1 {
		t.Fatalf("reschedule by the account: %+v, %v", moved, err)
	}
	// Moved without the token, the notice carries no link.
	ms := f.messages(a.ID)
	if last := f.message(ms[len(ms)-1].ID); last.Kind != rdv.MessageRescheduled || last.Secret != "" {
		t.Fatalf("reschedule by the account wrote %+v (secret %q)", briefs(ms), last.Secret)
	}
}

func testAccountOthersNotFound(t *testing.T, f *patientsFixture) {
	lea := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	sam := f.mustSignIn(rdv.ByEmail, "sam@example.org")
	leas := f.bookFor(lea.ID, 0)
	guest := f.bookFor(0, 1)
	h := f.mustHold(f.freeSlot(2, 1, rdv.Public, 2).ID, "sam")
	tests := []struct {
		name      string
		a         rdv.Appointment
		account   int64
		tokenHash string
	}{
		{"another account's", leas, sam.ID, ""},
		{"another account's, with its token", leas, sam.ID, auth.HashToken(leas.CancelToken)},
		{"a guest's", guest, sam.ID, ""},
		{"a guest's, with its token", guest, sam.ID, auth.HashToken(guest.CancelToken)},
		{"an unknown account", leas, lea.ID + sam.ID + 1000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: tt.a.ID, AccountID: tt.account, TokenHash: tt.tokenHash, Now: f.now})
			wantCode(t, "cancel of "+tt.name+" appointment", err, rdv.ENOTFOUND)
			_, _, err = f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: tt.a.ID, AccountID: tt.account, TokenHash: tt.tokenHash,
				HoldID: h.ID, Now: f.now})
			wantCode(t, "reschedule of "+tt.name+" appointment", err, rdv.ENOTFOUND)
			if got := f.appointment(tt.a.ID); got.Status != rdv.Booked || got.Revision != 0 {
				t.Fatalf("appointment after refused changes: %s, revision %d", got.Status, got.Revision)
			}
		})
	}
	f.wantState(h.SlotID, rdv.SlotHeld)
}

package storetest

import (
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runWaitlist is the conformance suite of the waitlist of one's own
// clinic (rdv's waitlist.go): a place on it is stored only for a booked
// appointment of its account, once per appointment; it takes only earlier
// slots of the appointment's clinic (and practitioner, when asked), kept
// ones only with the roster; accepting its proposal moves the appointment
// in one transaction; the appointment cancelled or moved otherwise ends
// it.
func runWaitlist(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *patientsFixture)
	}{
		{"OnePlacePerAppointment", testWaitlistAdd},
		{"OnlyEarlierAtTheClinic", testWaitlistPropose},
		{"AcceptMovesTheAppointment", testWaitlistAccept},
		{"CancelOrMoveEndsIt", testWaitlistEnds},
		{"SweepEndsWhatChanged", testWaitlistSweep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &patientsFixture{fixture: newFixture(t, open), key: []byte("fedcba9876543210fedcba9876543210")})
		})
	}
}

// waitlistReq is the place on the waitlist that acc asks for appointment
// a, as the store reads the appointment now.
func (f *patientsFixture) waitlistReq(acc rdv.PatientAccount, a rdv.Appointment, ref string, same bool) (rdv.AppointmentRequest, error) {
	a = f.appointment(a.ID)
	return rdv.WaitlistInput{Appointment: a, Clinic: f.net.Clinics[a.Slot.ClinicID-1], SamePractitioner: same, Account: acc,
		Reference: ref, TokenHash: auth.HashToken(RequestToken(ref)), Now: f.now}.Request()
}

func (f *patientsFixture) mustWaitlist(acc rdv.PatientAccount, a rdv.Appointment, ref string, same bool) rdv.AppointmentRequest {
	f.t.Helper()
	r, err := f.waitlistReq(acc, a, ref, same)
	if err == nil {
		r, err = f.store.AddRequest(f.ctx, r)
	}
	if err != nil {
		f.t.Fatalf("waitlist appointment %d: %v", a.ID, err)
	}
	return r
}

// lateAppointment books for the account a public general slot of
// practitioner 1 at clinic 1, at 10:00 on the third day: slots of the
// first two days and of that morning are earlier.
func (f *patientsFixture) lateAppointment(acc rdv.PatientAccount) rdv.Appointment {
	f.t.Helper()
	return f.bookFor(acc.ID, 4)
}

// earlier returns a free public general slot of clinic 1 (practitioner
// p) on the second day, after skip others.
func (f *patientsFixture) earlier(p int64, skip int) rdv.Slot {
	f.t.Helper()
	for _, s := range f.slots {
		if s.PractitionerID == p && s.Service == rdv.General && s.Audience == rdv.Public &&
			rdv.DateOf(s.Start.In(rdv.Toronto)) == Start.AddDays(1) && f.slot(s.ID).State == rdv.SlotFree {
			if skip == 0 {
				return s
			}
			skip--
		}
	}
	f.t.Fatalf("no free general slot of practitioner %d on the second day", p)
	return rdv.Slot{}
}

func testWaitlistAdd(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.lateAppointment(acc)
	r := f.mustWaitlist(acc, a, "W-ADD", false)
	if r.MovesAppointment != a.ID || r.ClinicID != 1 || r.PractitionerID != 0 || r.Scope != rdv.ScopeOwnClinic ||
		!r.To.Equal(a.Slot.Start) || r.Status != rdv.RequestOpen || r.AccountID != acc.ID || r.Service != rdv.General {
		t.Fatalf("place on the waitlist stored as %+v", r)
	}
	if again := f.mustWaitlist(acc, a, "W-ADD", false); again.ID != r.ID {
		t.Fatalf("the same reference again stored request %d, want %d", again.ID, r.ID)
	}
	second, err := f.waitlistReq(acc, a, "W-ADD-2", true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.store.AddRequest(f.ctx, second)
	wantCode(t, "a second place on the waitlist for one appointment", err, rdv.ECONFLICT)
	if rdv.ErrorField(err) != "waitlist" {
		t.Fatalf("a second place: field %q, want waitlist", rdv.ErrorField(err))
	}
	// Another account's appointment, as a request that says otherwise.
	other := f.mustSignIn(rdv.ByEmail, "noe@example.org")
	b := f.bookFor(other.ID, 5)
	if _, err := f.waitlistReq(acc, b, "W-NOT-MINE", false); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("another account's appointment: %v, want not found", err)
	}
	forged, err := f.waitlistReq(other, b, "W-FORGED", false)
	if err != nil {
		t.Fatal(err)
	}
	forged.AccountID = acc.ID
	_, err = f.store.AddRequest(f.ctx, forged)
	wantCode(t, "a place on the waitlist for an appointment of another account", err, rdv.ECONFLICT)

	list, err := f.store.WaitlistRequests(f.ctx, acc.ID)
	if err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("the account's waitlist: %+v, %v", list, err)
	}
	if list, err := f.store.WaitlistRequests(f.ctx, other.ID); err != nil || len(list) != 0 {
		t.Fatalf("the other account's waitlist: %+v, %v", list, err)
	}
	// A cancelled appointment waits for nothing.
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: b.ID, AccountID: other.ID, Now: f.now}); err != nil {
		t.Fatal(err)
	}
	stale, err := f.waitlistReq(other, b, "W-CANCELLED", false)
	if rdv.ErrorCode(err) != rdv.ECONFLICT {
		// WaitlistInput refuses it before the store: the store must too.
		t.Fatalf("waitlist a cancelled appointment: %+v, %v", stale, err)
	}
	stale, _ = f.waitlistReq(other, f.bookFor(other.ID, 6), "W-CANCELLED", false)
	stale.MovesAppointment = b.ID
	_, err = f.store.AddRequest(f.ctx, stale)
	wantCode(t, "the store given a place for a cancelled appointment", err, rdv.ECONFLICT)
}

func testWaitlistPropose(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.lateAppointment(acc)
	r := f.mustWaitlist(acc, a, "W-PROPOSE", true)
	later := f.freeSlot(2, 1, rdv.Public, 5)
	_, _, err := f.propose(r.ID, later.ID)
	wantCode(t, "a slot later than the appointment", err, rdv.EINVALID)
	_, _, err = f.propose(r.ID, f.freeSlot(1, 2, rdv.Public, 0).ID)
	wantCode(t, "an earlier slot of another clinic", err, rdv.EINVALID)
	_, _, err = f.propose(r.ID, f.earlier(2, 0).ID)
	wantCode(t, "an earlier slot of another practitioner, the same one asked for", err, rdv.EINVALID)

	// Any practitioner of the clinic: a public slot needs no roster, a
	// kept one does.
	b := f.bookFor(acc.ID, 5)
	anyone := f.mustWaitlist(acc, b, "W-ANY", false)
	at := Start.AddDays(1).At(13*60, rdv.Toronto)
	added, _, err := f.store.AddSlots(f.ctx, 1, []rdv.Slot{{PractitionerID: 2, Service: rdv.General, Start: at, End: at.Add(15 * time.Minute), Audience: rdv.Rostered}})
	if err != nil {
		t.Fatalf("add a kept slot: %v", err)
	}
	_, _, err = f.propose(anyone.ID, added[0].ID)
	wantCode(t, "a kept slot to a patient off the roster", err, rdv.ENOTROSTERED)
	if _, _, err := f.propose(anyone.ID, f.earlier(2, 0).ID); err != nil {
		t.Fatalf("an earlier public slot of another practitioner: %v", err)
	}
	if _, _, err := f.propose(r.ID, f.earlier(1, 0).ID); err != nil {
		t.Fatalf("an earlier slot of the same practitioner: %v", err)
	}
	third := f.bookFor(acc.ID, 6)
	f.mustRoster(f.rosterEntry(1, f.appointment(third.ID).Patient, 0))
	kept := f.mustWaitlist(acc, third, "W-KEPT", false)
	if _, _, err := f.propose(kept.ID, added[0].ID); err != nil {
		t.Fatalf("a kept slot to a patient on the roster: %v", err)
	}
}

func testWaitlistAccept(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.lateAppointment(acc)
	r := f.mustWaitlist(acc, a, "W-ACCEPT", false)
	to := f.earlier(2, 3)
	p := f.mustPropose(r.ID, to.ID)
	before := len(f.messages(a.ID))
	moved, ch, err := f.store.AcceptProposal(f.ctx, rdv.AcceptProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash,
		ProposalID: p.ID, CancelToken: "unused", CancelTokenHash: auth.HashToken("unused"), RemindBefore: remindBefore, Now: f.now})
	if err != nil {
		t.Fatalf("accept the move: %v", err)
	}
	if moved.ID != a.ID || moved.Slot.ID != to.ID || moved.Status != rdv.Booked || moved.Revision != a.Revision+1 ||
		moved.BookedBy != a.BookedBy || moved.Patient.LastName != a.Patient.LastName {
		t.Fatalf("moved appointment %+v, want appointment %d on slot %d, revision %d", moved, a.ID, to.ID, a.Revision+1)
	}
	if len(ch.Taken) != 1 || ch.Taken[0].ID != to.ID || len(ch.Freed) != 1 || ch.Freed[0].ID != a.Slot.ID {
		t.Fatalf("changes of the move: %+v", ch)
	}
	f.wantState(to.ID, rdv.SlotBooked)
	f.wantState(a.Slot.ID, rdv.SlotFree)
	if got := f.request(r.ID); got.Status != rdv.RequestBooked || got.AppointmentID != a.ID {
		t.Fatalf("request after the move: %s, appointment %d", got.Status, got.AppointmentID)
	}
	ms := f.messages(a.ID)
	if len(ms) != before+1 || ms[len(ms)-1].Kind != rdv.MessageRescheduled || ms[len(ms)-1].Revision != moved.Revision ||
		ms[len(ms)-1].ReminderAt.IsZero() {
		t.Fatalf("messages of the move: %+v, want the notice of the new time with its reminder", briefs(ms))
	}
	if _, err := f.store.Charge(f.ctx, r.ID); !rdv.IsNoCharge(err) {
		t.Fatalf("the fee of a move: %v, want none", err)
	}
	// Accepting again answers the same; the appointment may wait and move
	// again, the old slot is bookable by anyone.
	if again, ch, err := f.store.AcceptProposal(f.ctx, rdv.AcceptProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash,
		ProposalID: p.ID, Now: f.now}); err != nil || again.ID != a.ID || !ch.Replayed {
		t.Fatalf("accept again: %+v, %+v, %v", again, ch, err)
	}
	r2 := f.mustWaitlist(acc, moved, "W-ACCEPT-2", false)
	p2 := f.mustPropose(r2.ID, f.earlier(1, 0).ID)
	if twice, err := f.accept(r2, p2.ID); err != nil || twice.ID != a.ID || twice.Revision != a.Revision+2 {
		t.Fatalf("move a second time: %+v, %v", twice, err)
	}
	if got := f.request(r2.ID); got.Status != rdv.RequestBooked || got.AppointmentID != a.ID {
		t.Fatalf("second request after the move: %s, appointment %d", got.Status, got.AppointmentID)
	}
	f.mustHold(a.Slot.ID, "someone")
}

func testWaitlistEnds(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.lateAppointment(acc)
	r := f.mustWaitlist(acc, a, "W-CANCEL", false)
	p := f.mustPropose(r.ID, f.earlier(1, 0).ID)
	_, ch, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, AccountID: acc.ID, Now: f.now})
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if len(ch.Freed) != 2 || ch.Freed[0].ID != a.Slot.ID || ch.Freed[1].ID != p.Slot.ID {
		t.Fatalf("a cancellation freed %v, want its slot and its proposal's", ids(ch.Freed))
	}
	f.wantState(p.Slot.ID, rdv.SlotFree)
	if got := f.request(r.ID); got.Status != rdv.RequestClosed || got.CloseReason != rdv.CloseAppointmentChanged {
		t.Fatalf("place after the cancellation: %s (%s)", got.Status, got.CloseReason)
	}
	if ps, _ := f.store.Proposals(f.ctx, r.ID); len(ps) != 1 || ps[0].Status != rdv.ProposalDeclined {
		t.Fatalf("proposal after the cancellation: %+v", ps)
	}

	// Moved by its patient to another time: the place for the old one ends.
	b := f.bookFor(acc.ID, 5)
	rb := f.mustWaitlist(acc, b, "W-MOVED", false)
	h := f.mustHold(f.earlier(2, 0).ID, "lea")
	if _, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: b.ID, AccountID: acc.ID, HoldID: h.ID, Now: f.now}); err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	if got := f.request(rb.ID); got.Status != rdv.RequestClosed || got.CloseReason != rdv.CloseAppointmentChanged {
		t.Fatalf("place after the reschedule: %s (%s)", got.Status, got.CloseReason)
	}
	_, _, err = f.propose(rb.ID, f.earlier(1, 1).ID)
	wantCode(t, "propose to an ended place", err, rdv.ECONFLICT)
	// Withdrawn by the account, without the token.
	c := f.bookFor(acc.ID, 6)
	rc := f.mustWaitlist(acc, c, "W-WITHDRAW", false)
	other := f.mustSignIn(rdv.ByEmail, "noe@example.org")
	_, _, err = f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: rc.Reference, AccountID: other.ID, Now: f.now})
	wantCode(t, "withdraw another account's place", err, rdv.ENOTFOUND)
	if got, _, err := f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: rc.Reference, AccountID: acc.ID, Now: f.now}); err != nil || got.Status != rdv.RequestWithdrawn {
		t.Fatalf("withdraw by the account: %s, %v", got.Status, err)
	}
	if list, err := f.store.WaitlistRequests(f.ctx, acc.ID); err != nil || len(list) != 0 {
		t.Fatalf("the account's waitlist once all ended: %+v, %v", list, err)
	}
}

func testWaitlistSweep(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	// Today's, so that the desk may mark it arrived.
	a := f.mustBookNotified(f.freeSlot(0, 1, rdv.Public, 4).ID, func(r *rdv.ConfirmRequest) {
		r.AccountID, r.Notify = acc.ID, rdv.Notify{Email: true}
	})
	r := f.mustWaitlist(acc, a, "W-SWEEP", false)
	plain := f.addMatchRequest("D-PLAIN", nil)
	matchable := func() map[int64]bool {
		rs, err := f.store.MatchableRequests(f.ctx, f.now)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]bool{}
		for _, r := range rs {
			out[r.ID] = true
		}
		return out
	}
	if m := matchable(); !m[r.ID] || !m[plain.ID] {
		t.Fatalf("matchable before: %v", m)
	}
	// Marked arrived early by the desk, which ends no request itself.
	if _, err := f.store.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: a.ID, Status: rdv.Arrived, Now: f.now}); err != nil {
		t.Fatalf("mark arrived: %v", err)
	}
	if m := matchable(); m[r.ID] || !m[plain.ID] {
		t.Fatalf("matchable once the appointment changed: %v", m)
	}
	_, _, err := f.propose(r.ID, f.freeSlot(0, 1, rdv.Public, 0).ID)
	wantCode(t, "propose to a place whose appointment changed", err, rdv.ECONFLICT)
	if n, err := f.store.ExpireRequests(f.ctx, f.now); err != nil || n != 1 {
		t.Fatalf("expire requests: %d, %v; want the place ended", n, err)
	}
	if got := f.request(r.ID); got.Status != rdv.RequestClosed || got.CloseReason != rdv.CloseAppointmentChanged {
		t.Fatalf("place after the sweep: %s (%s)", got.Status, got.CloseReason)
	}
	if got := f.request(plain.ID); got.Status != rdv.RequestOpen {
		t.Fatalf("another request after the sweep: %s", got.Status)
	}
}

package storetest

import (
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runFeeLife is the conformance suite of the finder fee's life through
// the writes of requests and proposals, each movement made in the
// transaction of the write that decides it: authorised with the request
// stored, captured when a proposal is accepted (its receipt queued with
// it), voided when the request is withdrawn, expires or ends otherwise,
// refunded when the clinic cancels the appointment booked, and kept when
// the patient cancels. Free requests move nothing.
func runFeeLife(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"AuthorizedWithTheRequest", testFeeAuthorizedWithRequest},
		{"AuthorizedAllOrNothing", testFeeAuthorizedAllOrNothing},
		{"CapturedWhenAccepted", testFeeCapturedWhenAccepted},
		{"DeclineTakesNothing", testFeeDeclineTakesNothing},
		{"VoidedWhenWithdrawn", testFeeVoidedWhenWithdrawn},
		{"VoidedWhenExpired", testFeeVoidedWhenExpired},
		{"VoidedWhenAnAgentEnds", testFeeVoidedWhenAgentEnds},
		{"RefundedWhenTheClinicCancels", testFeeRefundedWhenClinicCancels},
		{"KeptWhenThePatientCancels", testFeeKeptWhenPatientCancels},
		{"FreeRequestsMoveNothing", testFreeRequestsMoveNothing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newFixture(t, open)) })
	}
}

// testFee is the fee of the requests of this suite, as a provider
// authorised it a minute before the request was stored.
func testFee(ref string, now time.Time) *rdv.RequestFee {
	return &rdv.RequestFee{Quote: rdv.DefaultFeeConfig().Quote(), ProviderRef: "auth-" + ref, AuthorizedAt: now.Add(-time.Minute)}
}

// addPaidRequest adds a network request that the matcher works, with its
// fee authorised.
func (f *fixture) addPaidRequest(ref string) rdv.AppointmentRequest {
	f.t.Helper()
	return f.addMatchRequest(ref, func(r *rdv.AppointmentRequest) { r.Fee = testFee(ref, f.now) })
}

// wantFee checks the status of a request's fee and that the ledger
// balances.
func (f *fixture) wantFee(requestID int64, want rdv.ChargeStatus) rdv.Charge {
	f.t.Helper()
	c, err := f.store.Charge(f.ctx, requestID)
	if err != nil || c.Status != want {
		f.t.Fatalf("fee of request %d: %s, %v; want %s", requestID, c.Status, err, want)
	}
	sum, err := f.store.LedgerSummary(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if ok, why := sum.Balanced(); !ok {
		f.t.Fatalf("ledger after the fee of request %d became %s: %s", requestID, want, why)
	}
	return c
}

// wantMoves checks the movements in the ledger of a request's fee, in
// order.
func (f *fixture) wantMoves(requestID int64, want ...rdv.ChargeMove) {
	f.t.Helper()
	entries, err := f.store.Ledger(f.ctx, rdv.LedgerQuery{Limit: rdv.MaxLedgerPage})
	if err != nil {
		f.t.Fatal(err)
	}
	var got []rdv.ChargeMove
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		if entries[i].RequestID == requestID {
			got = append(got, entries[i].Move)
		}
	}
	if !slices.Equal(got, want) {
		f.t.Fatalf("ledger of request %d: %v, want %v", requestID, got, want)
	}
}

// receipts returns the receipts' messages about an appointment.
func (f *fixture) receipts(appointmentID int64) []rdv.Message {
	f.t.Helper()
	return f.messagesOf(appointmentID, rdv.MessageReceipt)
}

// messagesOf returns the messages of a kind about an appointment.
func (f *fixture) messagesOf(appointmentID int64, kind rdv.MessageKind) []rdv.Message {
	f.t.Helper()
	ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{AppointmentID: appointmentID})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []rdv.Message
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// acceptPaid proposes a slot of clinic 1 to r and accepts it.
func (f *fixture) acceptPaid(r rdv.AppointmentRequest, slot int) rdv.Appointment {
	f.t.Helper()
	p := f.mustPropose(r.ID, f.clinicSlots()[slot].ID)
	a, err := f.accept(r, p.ID)
	if err != nil {
		f.t.Fatalf("accept the proposal of request %s: %v", r.Reference, err)
	}
	return a
}

func testFeeAuthorizedWithRequest(t *testing.T, f *fixture) {
	r := f.addPaidRequest("D-PAID")
	c := f.wantFee(r.ID, rdv.ChargeAuthorized)
	fee := testFee("D-PAID", f.now)
	if c.FeeQuote != fee.Quote || c.ProviderRef != fee.ProviderRef || !c.AuthorizedAt.Equal(fee.AuthorizedAt) || c.Reference != r.Reference {
		t.Fatalf("fee recorded: %+v, want %+v", c, fee)
	}
	f.wantMoves(r.ID, rdv.MoveAuthorize)
	// The spool replays a request after a crash between the store's
	// commit and its checkpoint: one request, one fee, one movement.
	again := MatchRequest("D-PAID", f.now)
	again.Fee = fee
	if got, err := f.store.AddRequest(f.ctx, again); err != nil || got.ID != r.ID {
		t.Fatalf("add the request again: %+v, %v", got, err)
	}
	f.wantFee(r.ID, rdv.ChargeAuthorized)
	f.wantMoves(r.ID, rdv.MoveAuthorize)
	// Nothing to settle: the provider authorised before the store knew.
	if pending, err := f.store.UnsettledMovements(f.ctx, 10); err != nil || len(pending) != 0 {
		t.Fatalf("unsettled after an authorisation: %+v, %v", pending, err)
	}
}

// testFeeAuthorizedAllOrNothing: a request whose fee cannot be recorded
// is not stored either, so that nothing matches a request that pays
// before its fee is recorded; and a request of one's own clinic, free,
// carries no fee.
func testFeeAuthorizedAllOrNothing(t *testing.T, f *fixture) {
	tests := []struct {
		name string
		edit func(*rdv.AppointmentRequest)
	}{
		{"own clinic", func(r *rdv.AppointmentRequest) { r.Scope = rdv.ScopeOwnClinic }},
		{"no provider reference", func(r *rdv.AppointmentRequest) { r.Fee.ProviderRef = "" }},
		{"lines that do not add up", func(r *rdv.AppointmentRequest) { r.Fee.Quote.TotalCents++ }},
		{"another currency", func(r *rdv.AppointmentRequest) { r.Fee.Quote.Currency = "USD" }},
	}
	for i, tt := range tests {
		ref := f.nextID("D-REFUSED")
		r := MatchRequest(ref, f.now)
		r.Fee = testFee(ref, f.now)
		tt.edit(&r)
		_, err := f.store.AddRequest(f.ctx, r)
		if rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != "fee" {
			t.Fatalf("%s: add a request with its fee: %v, want invalid fee", tt.name, err)
		}
		if _, err := f.store.RequestByReference(f.ctx, ref, r.TokenHash); rdv.ErrorCode(err) != rdv.ENOTFOUND {
			t.Fatalf("%s (case %d): the request was stored without its fee: %v", tt.name, i, err)
		}
	}
	if sum, err := f.store.LedgerSummary(f.ctx); err != nil || sum.Entries != 0 {
		t.Fatalf("ledger after refused requests: %+v, %v", sum, err)
	}
}

func testFeeCapturedWhenAccepted(t *testing.T, f *fixture) {
	r := f.addPaidRequest("D-TAKEN")
	a := f.acceptPaid(r, 0)
	c := f.wantFee(r.ID, rdv.ChargeCaptured)
	if !c.CapturedAt.Equal(f.now) {
		t.Fatalf("captured at %v, want %v", c.CapturedAt, f.now)
	}
	f.wantMoves(r.ID, rdv.MoveAuthorize, rdv.MoveCapture)
	// The provider hears of it after the commit (rdv/fees): unsettled.
	pending, err := f.store.UnsettledMovements(f.ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].Move != rdv.MoveCapture || pending[0].RequestID != r.ID ||
		pending[0].Key != rdv.MovementKey(r.Reference, rdv.MoveCapture) {
		t.Fatalf("unsettled after the accept: %+v, %v", pending, err)
	}
	// Its receipt is in the outbox, by email, in the request's language.
	got := f.receipts(a.ID)
	if len(got) != 1 || got[0].Channel != rdv.ByEmail || got[0].To != r.Email || got[0].Language != r.Language ||
		got[0].Status != rdv.MessageQueued || got[0].Secret != "" {
		t.Fatalf("receipts of appointment %d: %+v", a.ID, got)
	}
	if byAppt, err := f.store.AppointmentCharge(f.ctx, a.ID); err != nil || byAppt.ID != c.ID || byAppt.Status != rdv.ChargeCaptured {
		t.Fatalf("fee of appointment %d: %+v, %v", a.ID, byAppt, err)
	}
	// A second click answers the same booking: nothing taken twice, no
	// second receipt.
	if again, err := f.accept(r, ""); err != nil || again.ID != a.ID {
		t.Fatalf("accept again: %+v, %v", again, err)
	}
	f.wantMoves(r.ID, rdv.MoveAuthorize, rdv.MoveCapture)
	if got := f.receipts(a.ID); len(got) != 1 {
		t.Fatalf("receipts after a second accept: %d, want 1", len(got))
	}
}

// testFeeDeclineTakesNothing: a declined proposal, or one that ran out,
// leaves the fee authorised for the next; only an accept takes it.
func testFeeDeclineTakesNothing(t *testing.T, f *fixture) {
	r := f.addPaidRequest("D-DECLINE")
	slots := f.clinicSlots()
	p := f.mustPropose(r.ID, slots[0].ID)
	if _, _, err := f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash,
		ProposalID: p.ID, Now: f.now}); err != nil {
		t.Fatalf("decline: %v", err)
	}
	f.wantFee(r.ID, rdv.ChargeAuthorized)
	p = f.mustPropose(r.ID, slots[1].ID)
	if _, _, err := f.store.ExpireProposals(f.ctx, p.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	f.wantFee(r.ID, rdv.ChargeAuthorized)
	f.wantMoves(r.ID, rdv.MoveAuthorize)
}

func testFeeVoidedWhenWithdrawn(t *testing.T, f *fixture) {
	r := f.addPaidRequest("D-GONE")
	f.mustPropose(r.ID, f.clinicSlots()[0].ID)
	in := rdv.WithdrawRequestInput{Reference: r.Reference, TokenHash: r.TokenHash, Now: f.now}
	if _, _, err := f.store.WithdrawRequest(f.ctx, in); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	c := f.wantFee(r.ID, rdv.ChargeVoided)
	if !c.VoidedAt.Equal(f.now) {
		t.Fatalf("voided at %v, want %v", c.VoidedAt, f.now)
	}
	in.Now = f.now.Add(time.Minute)
	if _, _, err := f.store.WithdrawRequest(f.ctx, in); err != nil {
		t.Fatalf("withdraw again: %v", err)
	}
	f.wantMoves(r.ID, rdv.MoveAuthorize, rdv.MoveVoid)
	// A request booked by accepting is not withdrawn: its fee stays taken.
	b := f.addPaidRequest("D-KEPT")
	f.acceptPaid(b, 1)
	_, _, err := f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: b.Reference, TokenHash: b.TokenHash, Now: f.now})
	wantCode(t, "withdraw a booked request", err, rdv.ECONFLICT)
	f.wantFee(b.ID, rdv.ChargeCaptured)
}

func testFeeVoidedWhenExpired(t *testing.T, f *fixture) {
	ended := f.addPaidRequest("D-ENDED")
	later := f.addMatchRequest("D-LATER", func(r *rdv.AppointmentRequest) {
		r.Fee, r.To = testFee("D-LATER", f.now), ended.To.Add(24*time.Hour)
	})
	if n, err := f.store.ExpireRequests(f.ctx, ended.To.Add(-time.Millisecond)); err != nil || n != 0 {
		t.Fatalf("expire before the end: %d, %v", n, err)
	}
	f.wantFee(ended.ID, rdv.ChargeAuthorized)
	if n, err := f.store.ExpireRequests(f.ctx, ended.To); err != nil || n != 1 {
		t.Fatalf("expire at the end: %d, %v; want 1", n, err)
	}
	c := f.wantFee(ended.ID, rdv.ChargeVoided)
	if !c.VoidedAt.Equal(ended.To) {
		t.Fatalf("voided at %v, want the range's end %v", c.VoidedAt, ended.To)
	}
	f.wantFee(later.ID, rdv.ChargeAuthorized)
	f.wantMoves(ended.ID, rdv.MoveAuthorize, rdv.MoveVoid)
}

// testFeeVoidedWhenAgentEnds: a request an agent closes, or books for
// by phone, ends without a proposal the person accepted: its fee is
// released, not taken.
func testFeeVoidedWhenAgentEnds(t *testing.T, f *fixture) {
	closed := f.addPaidRequest("D-CLOSED")
	if _, err := f.store.CloseRequest(f.ctx, rdv.CloseRequestInput{ID: closed.ID, Reason: rdv.CloseUnreachable, Now: f.now}); err != nil {
		t.Fatalf("close: %v", err)
	}
	f.wantFee(closed.ID, rdv.ChargeVoided)
	booked := f.addPaidRequest("D-BY-PHONE")
	cr := f.confirmReq(f.mustHold(f.clinicSlots()[0].ID, "agent").ID, TestPatient(3))
	cr.BookedBy, cr.Channel, cr.ForRequest = rdv.ByAgent, rdv.Phone, booked.ID
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("book for request %d: %v", booked.ID, err)
	}
	f.wantFee(booked.ID, rdv.ChargeVoided)
	if len(f.receipts(a.ID)) != 0 {
		t.Fatal("a receipt for a fee not taken")
	}
	// Cancelled by the clinic after: nothing was taken, nothing to give.
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatal(err)
	}
	f.wantFee(booked.ID, rdv.ChargeVoided)
	f.wantMoves(booked.ID, rdv.MoveAuthorize, rdv.MoveVoid)
	if got := f.messagesOf(a.ID, rdv.MessageRefundReceipt); len(got) != 0 {
		t.Fatalf("a refund's receipt for a fee never taken: %+v", got)
	}
}

func testFeeRefundedWhenClinicCancels(t *testing.T, f *fixture) {
	r := f.addPaidRequest("D-REFUND")
	a := f.acceptPaid(r, 0)
	f.now = f.now.Add(time.Minute)
	in := rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, ClinicID: a.Slot.ClinicID, Now: f.now}
	if _, _, err := f.store.Cancel(f.ctx, in); err != nil {
		t.Fatalf("the clinic cancels: %v", err)
	}
	c := f.wantFee(r.ID, rdv.ChargeRefunded)
	if !c.RefundedAt.Equal(f.now) {
		t.Fatalf("refunded at %v, want %v", c.RefundedAt, f.now)
	}
	// Cancelling again changes nothing, and refunds nothing twice.
	in.Now = f.now.Add(time.Minute)
	if _, _, err := f.store.Cancel(f.ctx, in); err != nil {
		t.Fatalf("cancel again: %v", err)
	}
	f.wantMoves(r.ID, rdv.MoveAuthorize, rdv.MoveCapture, rdv.MoveRefund)
	// The refund's receipt is in the outbox, once.
	if got := f.messagesOf(a.ID, rdv.MessageRefundReceipt); len(got) != 1 || got[0].To != r.Email || got[0].Channel != rdv.ByEmail {
		t.Fatalf("refund's receipts of appointment %d: %+v", a.ID, got)
	}
	sum, err := f.store.LedgerSummary(f.ctx)
	if err != nil || sum.Net != 0 || sum.Held != 0 {
		t.Fatalf("ledger after a refund: net %d, held %d, %v; want nothing taken or held", sum.Net, sum.Held, err)
	}
}

// testFeeKeptWhenPatientCancels: the fee paid for the finding, which
// happened; a patient who cancels the appointment found keeps none of it
// back (the clinic's cancellation alone refunds).
func testFeeKeptWhenPatientCancels(t *testing.T, f *fixture) {
	r := f.addPaidRequest("D-CHANGED-MIND")
	a := f.acceptPaid(r, 0)
	link := "appt-" + r.Reference
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(link), Now: f.now}); err != nil {
		t.Fatalf("the patient cancels: %v", err)
	}
	f.wantFee(r.ID, rdv.ChargeCaptured)
	f.wantMoves(r.ID, rdv.MoveAuthorize, rdv.MoveCapture)
	if got := f.messagesOf(a.ID, rdv.MessageRefundReceipt); len(got) != 0 {
		t.Fatalf("a refund's receipt for a patient's cancellation: %+v", got)
	}
}

// testFreeRequestsMoveNothing: requests without a fee (their own
// clinic's, or taken while no fee was charged) go through every end the
// same, with no charge, no ledger row and no receipt.
func testFreeRequestsMoveNothing(t *testing.T, f *fixture) {
	booked := f.addMatchRequest("D-FREE", nil)
	a := f.acceptPaid(booked, 0)
	if len(f.receipts(a.ID)) != 0 {
		t.Fatal("a receipt for a free request")
	}
	if _, err := f.store.AppointmentCharge(f.ctx, a.ID); !rdv.IsNoCharge(err) {
		t.Fatalf("fee of a free request's appointment: %v, want none", err)
	}
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("the clinic cancels a free request's appointment: %v", err)
	}
	withdrawn := f.addMatchRequest("D-FREE-GONE", nil)
	if _, _, err := f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: withdrawn.Reference,
		TokenHash: withdrawn.TokenHash, Now: f.now}); err != nil {
		t.Fatalf("withdraw a free request: %v", err)
	}
	expired := f.addMatchRequest("D-FREE-ENDED", nil)
	if n, err := f.store.ExpireRequests(f.ctx, expired.To); err != nil || n != 1 {
		t.Fatalf("expire a free request: %d, %v", n, err)
	}
	for _, r := range []rdv.AppointmentRequest{booked, withdrawn, expired} {
		if _, err := f.store.Charge(f.ctx, r.ID); !rdv.IsNoCharge(err) {
			t.Fatalf("fee of free request %s: %v, want none", r.Reference, err)
		}
	}
	if sum, err := f.store.LedgerSummary(f.ctx); err != nil || sum.Entries != 0 {
		t.Fatalf("ledger after free requests: %+v, %v", sum, err)
	}
}

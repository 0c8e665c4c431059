package storetest

import (
	"testing"

	"rdv"
	"rdv/auth"
)

// proposeWithToken makes a proposal with its own token, as the matcher
// does, so that its messages carry it.
func (f *fixture) proposeWithToken(requestID, slotID int64, token string) (rdv.Proposal, error) {
	p, _, err := f.store.Propose(f.ctx, rdv.ProposeRequest{ProposalID: f.nextID("p"), RequestID: requestID, SlotID: slotID,
		TTL: rdv.DefaultProposalTTL, Now: f.now, Token: token, TokenHash: auth.HashToken(token)})
	return p, err
}

// proposalMessages lists the messages that offer a proposal, with their
// secret.
func (f *fixture) proposalMessages(proposalID string) []rdv.Message {
	f.t.Helper()
	ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{Limit: rdv.MaxMessages})
	if err != nil {
		f.t.Fatalf("list messages: %v", err)
	}
	var out []rdv.Message
	for _, m := range ms {
		if m.ProposalID != proposalID {
			continue
		}
		if m.Secret != "" {
			f.t.Fatalf("message %d listed with its secret", m.ID)
		}
		full, err := f.store.Message(f.ctx, m.ID)
		if err != nil {
			f.t.Fatalf("read message %d: %v", m.ID, err)
		}
		out = append(out, full)
	}
	return out
}

// testProposalMessages: a proposal writes, in its transaction, one message
// a channel of the request (its email and its phone), in the request's
// language, naming the proposal and carrying the proposal's own token;
// that token reads the request and answers that proposal only, and never
// withdraws the request. A refused proposal writes nothing.
func testProposalMessages(t *testing.T, f *fixture) {
	r := f.addMatchRequest("D-MESSAGES", func(r *rdv.AppointmentRequest) { r.Language = "en" })
	slots := f.clinicSlots()
	p, err := f.proposeWithToken(r.ID, slots[0].ID, "proposal-token-1")
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	ms := f.proposalMessages(p.ID)
	if len(ms) != 2 {
		t.Fatalf("%d messages for the proposal, want an email and a text message: %+v", len(ms), ms)
	}
	for _, m := range ms {
		want := map[rdv.MessageChannel]string{rdv.ByEmail: r.Email, rdv.BySMS: r.Phone}[m.Channel]
		if m.Kind != rdv.MessageProposal || m.To != want || m.Language != "en" || m.Secret != "proposal-token-1" ||
			m.Status != rdv.MessageQueued || m.AppointmentID != 0 || !m.DueAt.Equal(f.now) {
			t.Fatalf("proposal message %+v, want a queued %s to %q in English carrying the token", m, m.Channel, want)
		}
	}
	due, err := f.store.UndispatchedMessages(f.ctx, f.now, 100)
	if err != nil || len(due) < 2 {
		t.Fatalf("undispatched %d (%v), want the proposal's messages due now", len(due), err)
	}
	got, err := f.store.Proposal(f.ctx, p.ID)
	if err != nil || got.Status != rdv.ProposalLive || got.Slot.ID != slots[0].ID || got.RequestID != r.ID || !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Fatalf("proposal %+v (%v), want it as made", got, err)
	}
	_, err = f.store.Proposal(f.ctx, "p-none")
	wantCode(t, "an unknown proposal", err, rdv.ENOTFOUND)

	// A refused proposal (the request has a live one) writes no message.
	if _, err := f.proposeWithToken(r.ID, slots[1].ID, "proposal-token-refused"); rdv.ErrorCode(err) != rdv.ECONFLICT {
		t.Fatalf("a second proposal: %v, want a conflict", err)
	}
	all, err := f.store.Messages(f.ctx, rdv.MessageFilter{Limit: rdv.MaxMessages})
	if err != nil || len(all) != 2 {
		t.Fatalf("%d messages after a refused proposal (%v), want the first proposal's 2", len(all), err)
	}

	// The proposal's token reads the request, never withdraws it, and
	// answers its own proposal only.
	ptoken := auth.HashToken("proposal-token-1")
	if got, err := f.store.RequestByReference(f.ctx, r.Reference, ptoken); err != nil || got.ID != r.ID {
		t.Fatalf("the request read with its proposal's token: %+v (%v)", got, err)
	}
	_, err = f.store.RequestByReference(f.ctx, r.Reference, auth.HashToken("another"))
	wantCode(t, "the request read with another token", err, rdv.ENOTFOUND)
	_, _, err = f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: r.Reference, TokenHash: ptoken, Now: f.now})
	wantCode(t, "a withdrawal with a proposal's token", err, rdv.ENOTFOUND)
	_, _, err = f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: ptoken, ProposalID: "p-other", Now: f.now})
	wantCode(t, "a proposal's token naming another proposal", err, rdv.ECONFLICT)
	for range 2 { // declining again changes nothing
		got, _, err := f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: ptoken, Now: f.now})
		if err != nil || got.Status != rdv.RequestOpen {
			t.Fatalf("declined with the proposal's token: %+v (%v), want the request open", got, err)
		}
	}
	f.wantState(slots[0].ID, rdv.SlotFree)

	// The next proposal has its own token: the first one's cannot
	// accept it; its own does, once, and again answers the same booking.
	p2, err := f.proposeWithToken(r.ID, slots[1].ID, "proposal-token-2")
	if err != nil {
		t.Fatalf("propose again: %v", err)
	}
	acceptWith := func(token string) (rdv.Appointment, error) {
		a, _, err := f.store.AcceptProposal(f.ctx, rdv.AcceptProposalRequest{Reference: r.Reference, TokenHash: auth.HashToken(token),
			CancelToken: "appt-token", CancelTokenHash: auth.HashToken("appt-token"), Now: f.now})
		return a, err
	}
	_, err = acceptWith("proposal-token-1")
	wantCode(t, "the first proposal's token accepting the second", err, rdv.ECONFLICT)
	a, err := acceptWith("proposal-token-2")
	if err != nil || a.Slot.ID != slots[1].ID {
		t.Fatalf("accepted with its token: %+v (%v), want slot %d booked", a, err, slots[1].ID)
	}
	again, err := acceptWith("proposal-token-2")
	if err != nil || again.ID != a.ID {
		t.Fatalf("accepted again: %+v (%v), want appointment %d", again, err, a.ID)
	}
	_, err = acceptWith("proposal-token-1")
	wantCode(t, "a declined proposal's token after the booking", err, rdv.ECONFLICT)
	if p2.ID == p.ID || len(f.proposalMessages(p2.ID)) != 2 {
		t.Fatalf("the second proposal's messages: want 2 of its own")
	}
}

package match

import (
	"context"

	"rdv"
	"rdv/auth"
)

// The person's answers to a proposal, and their withdrawal: the store
// decides in one transaction, the index learns of the slots, and the
// queue of the request's new place.

// Accept books the slot of the request's live proposal (proposalID, or
// whichever is live when ""), for the holder of the request's token. The
// answer carries the appointment's link token, the only time it is shown.
func (e *Engine) Accept(ctx context.Context, reference, token, proposalID string) (rdv.Appointment, error) {
	if token == "" {
		return rdv.Appointment{}, rdv.FieldError("token", "token is required")
	}
	link := auth.RandomToken(24)
	r, err := e.store.RequestByReference(ctx, reference, auth.HashToken(token))
	if err != nil {
		return rdv.Appointment{}, err
	}
	a, ch, err := e.store.AcceptProposal(ctx, rdv.AcceptProposalRequest{
		Reference: reference, TokenHash: auth.HashToken(token), ProposalID: proposalID,
		CancelToken: link, CancelTokenHash: auth.HashToken(link),
		Notify: rdv.Notify{Email: r.Email != ""}, RemindBefore: max(e.cfg.RemindBefore, 0), Now: e.Now(),
	})
	if err != nil {
		return rdv.Appointment{}, err
	}
	e.index.Apply(ch)
	e.mu.Lock()
	e.q.remove(r.ID)
	e.mu.Unlock()
	return a, nil
}

// Decline gives the live proposal's slot back (to the next fitting
// request, or to search) and puts the request back in the queue, in its
// first place.
func (e *Engine) Decline(ctx context.Context, reference, token, proposalID string) (rdv.AppointmentRequest, error) {
	if token == "" {
		return rdv.AppointmentRequest{}, rdv.FieldError("token", "token is required")
	}
	r, ch, err := e.store.DeclineProposal(ctx, rdv.DeclineProposalRequest{Reference: reference, TokenHash: auth.HashToken(token),
		ProposalID: proposalID, Now: e.Now()})
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	e.mu.Lock()
	if w, ok := e.q.byID[r.ID]; ok {
		for _, s := range ch.Freed {
			w.offered[s.ID] = true
		}
		e.q.reopen(w)
	}
	e.mu.Unlock()
	// The slot comes back to the index, which tells Freed: the next
	// fitting request gets it. The request seeks another.
	e.index.Apply(ch)
	e.Arrived(r)
	return r, nil
}

// Withdraw ends the request at its person's word, freeing a live
// proposal's slot.
func (e *Engine) Withdraw(ctx context.Context, reference, token string) (rdv.AppointmentRequest, error) {
	if token == "" {
		return rdv.AppointmentRequest{}, rdv.FieldError("token", "token is required")
	}
	return e.withdraw(ctx, rdv.WithdrawRequestInput{Reference: reference, TokenHash: auth.HashToken(token), Now: e.Now()})
}

// WithdrawAs ends a request as the signed-in patient account it belongs
// to, without its token: a place on the waitlist left from the account's
// appointments.
func (e *Engine) WithdrawAs(ctx context.Context, reference string, accountID int64) (rdv.AppointmentRequest, error) {
	if accountID == 0 {
		return rdv.AppointmentRequest{}, rdv.FieldError("account", "account is required")
	}
	return e.withdraw(ctx, rdv.WithdrawRequestInput{Reference: reference, AccountID: accountID, Now: e.Now()})
}

func (e *Engine) withdraw(ctx context.Context, in rdv.WithdrawRequestInput) (rdv.AppointmentRequest, error) {
	r, ch, err := e.store.WithdrawRequest(ctx, in)
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	e.mu.Lock()
	e.q.remove(r.ID)
	e.mu.Unlock()
	e.index.Apply(ch)
	return r, nil
}

// Feed returns rs with its AddRequest telling the matcher of each request
// stored: the spool replays into it, so the requests of the form, the API
// and agents, and those spooled while the database was down, all enter
// the one queue.
func (e *Engine) Feed(rs rdv.RequestStore) rdv.RequestStore { return feed{rs, e} }

type feed struct {
	rdv.RequestStore
	e *Engine
}

func (f feed) AddRequest(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	got, err := f.RequestStore.AddRequest(ctx, r)
	if err == nil && got.Matchable() {
		f.e.Arrived(got)
	}
	return got, err
}

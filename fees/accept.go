package fees

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

// The fee of a request is authorised before the request is accepted,
// not after it is stored. Requests reach the store through the spool (a
// local file, fsync'd, replayed into the store a few milliseconds later,
// or much later while the database is down), so "after it is stored" is
// too late to tell the person that their payment was refused, and a
// request stored first could be matched before its fee is recorded. So:
//
//  1. The reference is chosen here, and the provider asked to authorise
//     under the reference's key (rdv.MovementKey): a retry is the same
//     authorisation.
//  2. A refused payment is answered at once (an invalid field "payment")
//     and nothing is spooled: the request never exists.
//  3. The authorisation (the provider's reference, never the payment
//     token) travels with the request through the spool, and the store
//     records it in the transaction that stores the request: a request
//     that pays is never matched unpaid, and a crash anywhere leaves
//     either both or neither.
//
// The payment token is handed to the provider once and forgotten: the
// spool never holds it (rdv.AppointmentRequest.PaymentToken is never
// encoded). A spool that fails after the authorisation (its disk) voids
// it at once; if even that fails, the authorisation lapses by itself at
// the provider, nothing taken.

// Acceptor puts the finder fee in front of the acceptor of requests
// (the spool): requests to the whole network are authorised first,
// requests to one's own clinic pass free.
type Acceptor struct {
	fees      *Fees
	next      rdv.RequestAcceptor
	reference func() string
	now       func() time.Time
}

// Acceptor returns next with the fee authorised in front of it.
// reference chooses a new request's reference (the spool's), now reads
// the clock (nil: time.Now).
func (f *Fees) Acceptor(next rdv.RequestAcceptor, reference func() string, now func() time.Time) *Acceptor {
	if now == nil {
		now = time.Now
	}
	return &Acceptor{fees: f, next: next, reference: reference, now: now}
}

var _ rdv.RequestAcceptor = (*Acceptor)(nil)

// ErrPaymentNeeded is the error of a request to the whole network
// without a payment token: an invalid field "payment".
var ErrPaymentNeeded = rdv.FieldError("payment", "a request to the whole network needs a payment")

// ErrCardNumber is the error of a card number given where a payment
// token goes: an invalid field "payment".
var ErrCardNumber = rdv.FieldError("payment", "a card number was sent instead of a payment token: card data never reaches the platform")

// Accept authorises the fee of a network request, then hands it on with
// its authorisation; a request for one's own clinic is handed on as it
// is, free.
func (a *Acceptor) Accept(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	token := r.PaymentToken
	r.PaymentToken, r.Fee = "", nil
	if r.Scope == rdv.ScopeOwnClinic {
		return a.next.Accept(ctx, r)
	}
	if token == "" {
		return rdv.AppointmentRequest{}, ErrPaymentNeeded
	}
	r.Reference = a.reference()
	fee, err := a.fees.Reserve(ctx, r.Reference, token, a.now())
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	r.Fee = &fee
	got, err := a.next.Accept(ctx, r)
	if err != nil {
		a.fees.release(ctx, r.Reference, fee)
		return rdv.AppointmentRequest{}, err
	}
	return got, nil
}

// Reserve asks the provider to authorise the fee of the request with
// reference ref on the payment method of paymentToken, and returns the
// authorisation for the store to record with the request. A refused
// payment is an invalid field "payment"; a provider that cannot answer
// is EUNAVAILABLE on the same field.
func (f *Fees) Reserve(ctx context.Context, ref, paymentToken string, now time.Time) (rdv.RequestFee, error) {
	if looksLikeCard(paymentToken) {
		// Refused whatever the provider: card data never leaves for
		// anywhere, not even for the provider, from the platform.
		return rdv.RequestFee{}, ErrCardNumber
	}
	q := f.Quote()
	pref, err := f.provider.Authorize(ctx, Authorization{Key: rdv.MovementKey(ref, rdv.MoveAuthorize),
		PaymentToken: paymentToken, AmountCents: q.TotalCents, Currency: q.Currency})
	switch {
	case err == nil:
		return rdv.RequestFee{Quote: q, ProviderRef: pref, AuthorizedAt: now}, nil
	case rdv.ErrorCode(err) == rdv.EINTERNAL:
		// Not the person's payment: the provider did not answer.
		return rdv.RequestFee{}, &rdv.Error{Code: rdv.EUNAVAILABLE, Field: "payment",
			Detail: "the payment provider does not answer", Err: fmt.Errorf("authorize the fee of request %s: %w", ref, err)}
	}
	return rdv.RequestFee{}, fmt.Errorf("authorize the fee of request %s: %w", ref, err)
}

// release voids at the provider an authorisation whose request was not
// accepted after all. The store never knew of it, so the ledger has
// nothing to record; a failure is logged, and the authorisation lapses
// by itself.
func (f *Fees) release(ctx context.Context, ref string, fee rdv.RequestFee) {
	_, err := f.provider.Move(context.WithoutCancel(ctx), Movement{Key: rdv.MovementKey(ref, rdv.MoveVoid), Move: rdv.MoveVoid,
		AuthorizationRef: fee.ProviderRef, AmountCents: fee.Quote.TotalCents, Currency: fee.Quote.Currency})
	if err != nil {
		f.log.WarnContext(ctx, "fees: an authorisation whose request was not accepted lapses by itself", "reference", ref, "err", err)
	}
}

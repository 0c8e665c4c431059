// Package fees takes the finder fee: it hides which payment provider
// moves the money, and how the platform and the provider are kept in
// step when either may crash between two steps.
//
// The store is the authority on a fee's status; the provider moves the
// money. The two meet through idempotency keys (rdv.MovementKey), one per
// movement of a fee, the same at every attempt:
//
//   - Authorisation comes first at the provider, whose answer (its
//     reference) the store then records with the request. A retry after a
//     crash in between asks the provider again with the same key and gets
//     the same authorisation; a request never stored leaves an
//     authorisation that lapses by itself, nothing taken.
//   - Capture, void and refund come first in the store, in the
//     transaction that decides them (the accept of a proposal, the expiry
//     of a request, a clinic's cancellation): the ledger row is written
//     unsettled. Settle then tells the provider, with the movement's key,
//     and records its acknowledgement. A crash before that leaves the row
//     unsettled for the next sweep, and a sweep that repeats a movement
//     the provider already made is answered with the first result: no fee
//     is ever captured twice.
//
// No card data passes through the platform: the patient's browser gives
// its card to the provider's own form, and the platform gets an opaque
// payment token at most, which it hands to the provider once and never
// keeps.
package fees

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"rdv"
)

// Authorization asks the provider to reserve an amount on the payment
// method that a token stands for.
type Authorization struct {
	Key          string // rdv.MovementKey(reference, rdv.MoveAuthorize)
	PaymentToken string // opaque, from the provider's payment form; never card data
	AmountCents  int64  // the total, taxes included
	Currency     string
}

// Movement asks the provider to capture, void or refund an
// authorisation it made.
type Movement struct {
	Key              string // rdv.MovementKey(reference, Move)
	Move             rdv.ChargeMove
	AuthorizationRef string // the provider's reference of the authorisation
	AmountCents      int64
	Currency         string
}

// Provider moves money. Both calls are idempotent on the key: a call with
// a key already used answers as the first did, and moves nothing more.
type Provider interface {
	// Authorize reserves the amount and returns the provider's reference
	// of the authorisation; a refused payment is ErrDeclined.
	Authorize(ctx context.Context, a Authorization) (ref string, err error)
	// Move makes a capture, void or refund and returns the provider's
	// reference of it.
	Move(ctx context.Context, m Movement) (ref string, err error)
}

// ErrDeclined is the error of a payment that the provider refused: an
// invalid field "payment", which the person can change.
var ErrDeclined = rdv.FieldError("payment", "payment declined")

// Fees takes the finder fee of requests: the configured amount, the
// provider and the store, kept in step.
type Fees struct {
	store    rdv.FeeStore
	provider Provider
	config   rdv.FeeConfig
	log      *slog.Logger
	wake     chan struct{}
}

// New returns the fees taken with config through provider, recorded in
// store. log receives the provider's failures (default: slog.Default()).
func New(store rdv.FeeStore, provider Provider, config rdv.FeeConfig, log *slog.Logger) (*Fees, error) {
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Fees{store: store, provider: provider, config: config, log: log, wake: make(chan struct{}, 1)}, nil
}

// Config returns the fee charged.
func (f *Fees) Config() rdv.FeeConfig { return f.config }

// Quote returns the fee charged with its taxes, as a request form shows
// it before the person pays.
func (f *Fees) Quote() rdv.FeeQuote { return f.config.Quote() }

// Authorize reserves the fee of a stored request (its ID and reference)
// on the payment method of paymentToken, and records it. Called again for
// the same request (a retry), it moves nothing more and returns the fee
// as recorded. A refused payment is ErrDeclined, and records nothing.
// Requests are authorised before they are stored (Acceptor); this is for
// a request stored without its fee.
func (f *Fees) Authorize(ctx context.Context, requestID int64, reference, paymentToken string, now time.Time) (rdv.Charge, error) {
	fee, err := f.Reserve(ctx, reference, paymentToken, now)
	if err != nil {
		return rdv.Charge{}, err
	}
	return f.store.AuthorizeCharge(ctx, fee.Authorization(requestID))
}

// Capture, Void and Refund make that movement on a request's fee in the
// store, on its own, then tell the provider. A movement made by another
// write's transaction (the accept of a proposal) is told by Settle.

// Capture takes a request's fee.
func (f *Fees) Capture(ctx context.Context, requestID int64, now time.Time) (rdv.Charge, error) {
	c, err := f.store.CaptureCharge(ctx, requestID, now)
	return f.tell(ctx, c, err, now)
}

// Void releases a request's fee untaken.
func (f *Fees) Void(ctx context.Context, requestID int64, now time.Time) (rdv.Charge, error) {
	c, err := f.store.VoidCharge(ctx, requestID, now)
	return f.tell(ctx, c, err, now)
}

// Refund gives a request's captured fee back.
func (f *Fees) Refund(ctx context.Context, requestID int64, now time.Time) (rdv.Charge, error) {
	c, err := f.store.RefundCharge(ctx, requestID, now)
	return f.tell(ctx, c, err, now)
}

// tell settles after a movement that the store recorded (err nil). The
// movement stands once recorded: a provider that fails now is tried again
// by the next sweep, so its failure is logged, not returned.
func (f *Fees) tell(ctx context.Context, c rdv.Charge, err error, now time.Time) (rdv.Charge, error) {
	if err != nil {
		return rdv.Charge{}, err
	}
	if _, err := f.Settle(ctx, now); err != nil {
		f.log.WarnContext(ctx, "fees: the provider will be told later", "request", c.RequestID, "err", err)
	}
	return c, nil
}

// Settle tells the provider of every movement it has not acknowledged,
// oldest first, and records each acknowledgement. It returns how many it
// settled, and stops at the first failure, which it returns: the
// movements after it wait for the next sweep, in order.
func (f *Fees) Settle(ctx context.Context, now time.Time) (int, error) {
	settled := 0
	for {
		pending, err := f.store.UnsettledMovements(ctx, 100)
		if err != nil || len(pending) == 0 {
			return settled, err
		}
		for _, e := range pending {
			if err := f.settle(ctx, e, now); err != nil {
				return settled, err
			}
			settled++
		}
	}
}

func (f *Fees) settle(ctx context.Context, e rdv.LedgerEntry, now time.Time) error {
	c, err := f.store.Charge(ctx, e.RequestID)
	if err != nil {
		return fmt.Errorf("settle %s of request %s: %w", e.Move, e.Reference, err)
	}
	ref, err := f.provider.Move(ctx, Movement{Key: e.Key, Move: e.Move, AuthorizationRef: c.ProviderRef,
		AmountCents: c.TotalCents, Currency: c.Currency})
	if err != nil {
		return fmt.Errorf("settle %s of request %s: %w", e.Move, e.Reference, err)
	}
	if err := f.store.SettleMovement(ctx, e.ID, ref, now); err != nil {
		return fmt.Errorf("settle %s of request %s: %w", e.Move, e.Reference, err)
	}
	return nil
}

// Wake asks Run for a sweep now: a write that moved a fee in its own
// transaction calls it once committed, so that the provider hears of the
// movement at once rather than at the next tick.
func (f *Fees) Wake() {
	select {
	case f.wake <- struct{}{}:
	default: // a sweep is due already
	}
}

// Run sweeps every interval, and when woken, until ctx ends; now gives
// the time of each sweep. It returns ctx's error.
func (f *Fees) Run(ctx context.Context, every time.Duration, now func() time.Time) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case <-f.wake:
		}
		if n, err := f.Settle(ctx, now()); err != nil && !errors.Is(err, context.Canceled) {
			f.log.WarnContext(ctx, "fees: settling with the provider", "settled", n, "err", err)
		}
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"rdv"
	"rdv/fees"
	"rdv/flagenv"
)

// feeFlags are the settings of the finder fee that rdv serve charges.
type feeFlags struct {
	Cents     int
	GSTNumber string
	QSTNumber string
	Provider  string
	Settle    time.Duration
}

func (f *feeFlags) register(fs *flag.FlagSet, env *flagenv.Reader) {
	fs.IntVar(&f.Cents, "fee-cents", env.Int("RDV_FEE_CENTS", rdv.DefaultFeeCents), "the finder fee of a request to the whole network, in cents before taxes (GST and QST are added) (env RDV_FEE_CENTS)")
	fs.StringVar(&f.GSTNumber, "gst-number", env.String("RDV_GST_NUMBER", ""), "the platform's GST registration number, printed on receipts (env RDV_GST_NUMBER)")
	fs.StringVar(&f.QSTNumber, "qst-number", env.String("RDV_QST_NUMBER", ""), "the platform's QST registration number, printed on receipts (env RDV_QST_NUMBER)")
	fs.StringVar(&f.Provider, "payment-provider", env.String("RDV_PAYMENT_PROVIDER", "local"), "who moves the fees' money; local: nobody, a ledger kept in memory for development and tests (env RDV_PAYMENT_PROVIDER)")
	fs.DurationVar(&f.Settle, "fee-settle-every", env.Duration("RDV_FEE_SETTLE_EVERY", time.Minute), "how often the fees' movements that the payment provider has not yet acknowledged are sent again (env RDV_FEE_SETTLE_EVERY)")
}

// check validates the settings.
func (f *feeFlags) check() error {
	if err := f.config().Validate(); err != nil {
		return fmt.Errorf("--fee-cents %d: want 1 to %d", f.Cents, rdv.MaxFeeCents)
	}
	if f.Provider != "local" {
		return fmt.Errorf("--payment-provider %q: only local is built in", f.Provider)
	}
	if f.Settle < time.Second {
		return fmt.Errorf("--fee-settle-every %s: want at least 1s", f.Settle)
	}
	return nil
}

func (f *feeFlags) config() rdv.FeeConfig {
	return rdv.FeeConfig{AmountCents: int64(f.Cents), GSTNumber: f.GSTNumber, QSTNumber: f.QSTNumber}
}

// open returns the fees taken through the provider the settings name,
// recorded in store.
func (f *feeFlags) open(store rdv.FeeStore, log *slog.Logger) (*fees.Fees, error) {
	log.Warn("payment provider: local, no money moves; its ledger lasts until the instance stops", "fee_cents", f.Cents)
	return fees.New(store, fees.NewLocal(), f.config(), log)
}

// feeWaking is the store as rdv serve's writes see it: once a write that
// may move a fee in its own transaction commits (a proposal accepted, a
// request withdrawn, expired, closed or booked by an agent, a clinic's
// cancellation), the fees' sweeper is woken, so that the provider hears
// of the capture, void or refund at once rather than at the next sweep.
// A wake with nothing to settle costs one read.
type feeWaking struct {
	rdv.Store
	fees interface{ Wake() }
}

func (s feeWaking) wake(err error) {
	if err == nil {
		s.fees.Wake()
	}
}

func (s feeWaking) AcceptProposal(ctx context.Context, r rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, ch, err := s.Store.AcceptProposal(ctx, r)
	s.wake(err)
	return a, ch, err
}

func (s feeWaking) WithdrawRequest(ctx context.Context, r rdv.WithdrawRequestInput) (rdv.AppointmentRequest, rdv.SlotChanges, error) {
	out, ch, err := s.Store.WithdrawRequest(ctx, r)
	s.wake(err)
	return out, ch, err
}

func (s feeWaking) ExpireRequests(ctx context.Context, now time.Time) (int, error) {
	n, err := s.Store.ExpireRequests(ctx, now)
	if n > 0 {
		s.wake(err)
	}
	return n, err
}

func (s feeWaking) CloseRequest(ctx context.Context, in rdv.CloseRequestInput) (rdv.AppointmentRequest, error) {
	out, err := s.Store.CloseRequest(ctx, in)
	s.wake(err)
	return out, err
}

func (s feeWaking) ConfirmHold(ctx context.Context, r rdv.ConfirmRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, ch, err := s.Store.ConfirmHold(ctx, r)
	if r.ForRequest != 0 {
		s.wake(err)
	}
	return a, ch, err
}

func (s feeWaking) Cancel(ctx context.Context, r rdv.CancelRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, ch, err := s.Store.Cancel(ctx, r)
	if r.ByStaff {
		s.wake(err)
	}
	return a, ch, err
}

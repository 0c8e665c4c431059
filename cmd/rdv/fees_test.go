package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv"
)

func TestServeFeeFlags(t *testing.T) {
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	f, err := m.parseServe([]string{"--fee-cents", "2500", "--gst-number", "123456789 RT0001", "--qst-number", "1234567890 TQ0001"})
	if err != nil {
		t.Fatal(err)
	}
	want := rdv.FeeConfig{AmountCents: 2500, GSTNumber: "123456789 RT0001", QSTNumber: "1234567890 TQ0001"}
	if got := f.Fees.config(); got != want {
		t.Fatalf("fee %+v, want %+v", got, want)
	}
	if f, err := m.parseServe(nil); err != nil || f.Fees.config() != rdv.DefaultFeeConfig() {
		t.Fatalf("default fee %+v, %v", f.Fees.config(), err)
	}
	for _, args := range [][]string{
		{"serve", "--fee-cents", "0"},
		{"serve", "--fee-cents", "-1999"},
		{"serve", "--fee-cents", "100001"},
		{"serve", "--payment-provider", "stripe"},
		{"serve", "--fee-settle-every", "1ms"},
	} {
		m := NewMain()
		m.Stdout, m.Stderr = io.Discard, io.Discard
		if err := m.Run(context.Background(), args); err == nil || !strings.Contains(err.Error(), args[1]) {
			t.Errorf("%v: %v, want an error naming %s", args, err, args[1])
		}
	}
	t.Setenv("RDV_DB", filepath.Join(t.TempDir(), "never.db"))
	t.Setenv("RDV_FEE_CENTS", "19.99")
	m = NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if err := m.Run(t.Context(), []string{"serve"}); err == nil || !strings.Contains(err.Error(), "RDV_FEE_CENTS") {
		t.Fatalf("RDV_FEE_CENTS=19.99: %v; want an error naming it", err)
	}
}

// stubWrites answers the writes that move fees with err, and expires
// expired requests.
type stubWrites struct {
	rdv.Store
	err     error
	expired int
}

func (s stubWrites) AcceptProposal(context.Context, rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	return rdv.Appointment{}, rdv.SlotChanges{}, s.err
}

func (s stubWrites) WithdrawRequest(context.Context, rdv.WithdrawRequestInput) (rdv.AppointmentRequest, rdv.SlotChanges, error) {
	return rdv.AppointmentRequest{}, rdv.SlotChanges{}, s.err
}

func (s stubWrites) ExpireRequests(context.Context, time.Time) (int, error) { return s.expired, s.err }

func (s stubWrites) CloseRequest(context.Context, rdv.CloseRequestInput) (rdv.AppointmentRequest, error) {
	return rdv.AppointmentRequest{}, s.err
}

func (s stubWrites) ConfirmHold(context.Context, rdv.ConfirmRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	return rdv.Appointment{}, rdv.SlotChanges{}, s.err
}

func (s stubWrites) Cancel(context.Context, rdv.CancelRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	return rdv.Appointment{}, rdv.SlotChanges{}, s.err
}

type wakes int

func (w *wakes) Wake() { *w++ }

// TestFeeWakingStore: the writes that may move a fee wake the fees'
// sweeper once they commit, and only those.
func TestFeeWakingStore(t *testing.T) {
	ctx := t.Context()
	failed := rdv.Errorf(rdv.ECONFLICT, "refused")
	for _, tt := range []struct {
		name  string
		err   error
		write func(s rdv.Store) error
		want  int
	}{
		{"accept", nil, func(s rdv.Store) error { _, _, err := s.AcceptProposal(ctx, rdv.AcceptProposalRequest{}); return err }, 1},
		{"accept refused", failed, func(s rdv.Store) error { _, _, err := s.AcceptProposal(ctx, rdv.AcceptProposalRequest{}); return err }, 0},
		{"withdraw", nil, func(s rdv.Store) error { _, _, err := s.WithdrawRequest(ctx, rdv.WithdrawRequestInput{}); return err }, 1},
		{"expire some", nil, func(s rdv.Store) error { _, err := s.ExpireRequests(ctx, time.Now()); return err }, 1},
		{"close", nil, func(s rdv.Store) error { _, err := s.CloseRequest(ctx, rdv.CloseRequestInput{}); return err }, 1},
		{"book for a request", nil, func(s rdv.Store) error {
			_, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{ForRequest: 7})
			return err
		}, 1},
		{"book", nil, func(s rdv.Store) error { _, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{}); return err }, 0},
		{"the clinic cancels", nil, func(s rdv.Store) error { _, _, err := s.Cancel(ctx, rdv.CancelRequest{ByStaff: true}); return err }, 1},
		{"the patient cancels", nil, func(s rdv.Store) error { _, _, err := s.Cancel(ctx, rdv.CancelRequest{}); return err }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var w wakes
			if err := tt.write(feeWaking{stubWrites{err: tt.err, expired: 2}, &w}); err != tt.err {
				t.Fatalf("write: %v, want %v", err, tt.err)
			}
			if int(w) != tt.want {
				t.Fatalf("%d wakes, want %d", w, tt.want)
			}
		})
	}
	var w wakes
	if _, err := (feeWaking{stubWrites{}, &w}).ExpireRequests(ctx, time.Now()); err != nil || w != 0 {
		t.Fatalf("nothing expired: %d wakes, %v", w, err)
	}
}

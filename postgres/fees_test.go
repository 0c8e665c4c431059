package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// paidBooking opens a store with the small network, a request with an
// authorised fee, and an appointment booked for it.
func paidBooking(t *testing.T, now time.Time) (*Store, string, rdv.AppointmentRequest, rdv.Appointment) {
	t.Helper()
	ctx := t.Context()
	dbURL := mustCreateDB(t)
	s := mustOpen(t, dbURL, Options{})
	storetest.MustLoad(t, s, storetest.SmallNetwork(storetest.Start))
	r, err := s.AddRequest(ctx, storetest.SampleRequest("D-PAID-0001", now))
	if err != nil {
		t.Fatal(err)
	}
	var slot rdv.Slot
	_ = s.ScanBookable(ctx, now, now, func(sl rdv.Slot) error {
		if slot.ID == 0 && sl.Audience == rdv.Public {
			slot = sl
		}
		return nil
	})
	h, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: "h-paid", SlotID: slot.ID, ClientKey: "matcher", TTL: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: storetest.TestPatient(1), BookedBy: rdv.ByMatcher,
		Channel: rdv.Request, CancelTokenHash: auth.HashToken("t"), CancelToken: "t", Now: now, ForRequest: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The fee is authorised once the appointment is booked: booked for
	// the request in one step, not by an accepted proposal, the booking
	// would release a fee authorised before it.
	if _, err := s.AuthorizeCharge(ctx, rdv.ChargeAuthorization{RequestID: r.ID, Quote: rdv.QuoteFee(1999), ProviderRef: "auth-1", Now: now}); err != nil {
		t.Fatal(err)
	}
	return s, dbURL, r, a
}

// TestFeeMovesInsideAnotherWrite moves a fee from inside other
// transactions, as the accept of a proposal and a clinic's cancellation
// do: the movement commits with the transaction or not at all.
func TestFeeMovesInsideAnotherWrite(t *testing.T) {
	serverURL(t)
	ctx := t.Context()
	now := storetest.Start.At(8*60, rdv.Toronto).UTC()
	s, _, r, appt := paidBooking(t, now)

	boom := errors.New("the booking failed after the capture")
	err := s.inTx(ctx, "failing accept", func(tx pgx.Tx) error {
		if _, err := captureCharge(ctx, tx, r.ID, now); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	if c, err := s.Charge(ctx, r.ID); err != nil || c.Status != rdv.ChargeAuthorized {
		t.Fatalf("a capture in a failed write stayed: %+v, %v", c, err)
	}
	if es, _ := s.Ledger(ctx, rdv.LedgerQuery{}); len(es) != 1 {
		t.Fatalf("a failed write left ledger rows: %+v", es)
	}

	err = s.inTx(ctx, "accept", func(tx pgx.Tx) error {
		_, err := captureCharge(ctx, tx, r.ID, now.Add(time.Minute))
		return err
	})
	if c, _ := s.Charge(ctx, r.ID); err != nil || c.Status != rdv.ChargeCaptured {
		t.Fatalf("capture inside a write: %+v, %v", c, err)
	}

	var refundedCharge rdv.Charge
	var refunded, none bool
	err = s.inTx(ctx, "cancel", func(tx pgx.Tx) (err error) {
		if _, none, err = refundAppointmentFee(ctx, tx, appt.ID+1000, now); err != nil {
			return err
		}
		refundedCharge, refunded, err = refundAppointmentFee(ctx, tx, appt.ID, now.Add(2*time.Minute))
		return err
	})
	if err != nil || none || !refunded || refundedCharge.Status != rdv.ChargeRefunded || refundedCharge.RequestID != r.ID {
		t.Fatalf("refund for the appointment: %+v, refunded %v (and %v for another), %v", refundedCharge, refunded, none, err)
	}

	err = s.inTx(ctx, "expire", func(tx pgx.Tx) error {
		_, err := voidCharge(ctx, tx, r.ID, now)
		return err
	})
	if rdv.ErrorCode(err) != rdv.ECONFLICT || rdv.ErrorField(err) != "fee" {
		t.Fatalf("void of a refunded fee inside a write: %v, want a conflict on the fee", err)
	}
	sum, err := s.LedgerSummary(ctx)
	if ok, why := sum.Balanced(); err != nil || !ok || sum.Entries != 3 || sum.Net != 0 {
		t.Fatalf("ledger %+v, %v: %s", sum, err, why)
	}
}

// TestLedgerIsAppendOnly bypasses the store: the database itself refuses
// to delete a ledger row or rewrite its movement, and lets the provider's
// acknowledgement be written.
func TestLedgerIsAppendOnly(t *testing.T) {
	serverURL(t)
	_, dbURL, _, _ := paidBooking(t, storetest.Start.At(8*60, rdv.Toronto).UTC())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`DELETE FROM fee_ledger`,
		`UPDATE fee_ledger SET held_cents = 0`,
		`UPDATE fee_ledger SET paid_cents = paid_cents + 1`,
		`UPDATE fee_ledger SET move = 'void'`,
		`UPDATE fee_ledger SET idem_key = 'other'`,
	} {
		if _, err := conn.Exec(ctx, q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE fee_ledger SET provider_ref = 'ack', settled_at = now()`); err != nil {
		t.Errorf("the provider's acknowledgement refused: %v", err)
	}
}

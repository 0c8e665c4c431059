package sqlite

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// paidBooking is a request with an authorised fee, and an appointment
// booked for it.
func paidBooking(t *testing.T, s *Store, now time.Time) (rdv.AppointmentRequest, rdv.Appointment) {
	t.Helper()
	ctx := t.Context()
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
	return r, a
}

// TestFeeMovesInsideAnotherWrite moves a fee from inside other writes,
// as the accept of a proposal and a clinic's cancellation do: the
// movement commits with the write or not at all.
func TestFeeMovesInsideAnotherWrite(t *testing.T) {
	s, _ := openLoaded(t)
	ctx := t.Context()
	now := storetest.Start.At(8*60, rdv.Toronto).UTC()
	r, appt := paidBooking(t, s, now)

	boom := errors.New("the booking failed after the capture")
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		if _, err := captureCharge(tx, r.ID, now); err != nil {
			return err
		}
		return boom
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	if c, err := s.Charge(ctx, r.ID); err != nil || c.Status != rdv.ChargeAuthorized {
		t.Fatalf("a capture in a failed write stayed: %+v, %v", c, err)
	}
	if es, _ := s.Ledger(ctx, rdv.LedgerQuery{}); len(es) != 1 {
		t.Fatalf("a failed write left ledger rows: %+v", es)
	}

	err = s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := captureCharge(tx, r.ID, now.Add(time.Minute))
		return err
	}})
	if c, _ := s.Charge(ctx, r.ID); err != nil || c.Status != rdv.ChargeCaptured {
		t.Fatalf("capture inside a write: %+v, %v", c, err)
	}

	var other rdv.Charge
	var refunded, none bool
	err = s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		if _, none, err = refundAppointmentFee(tx, appt.ID+1000, now); err != nil {
			return err
		}
		other, refunded, err = refundAppointmentFee(tx, appt.ID, now.Add(2*time.Minute))
		return err
	}})
	if err != nil || none || !refunded || other.Status != rdv.ChargeRefunded || other.RequestID != r.ID {
		t.Fatalf("refund for the appointment: %+v, refunded %v (and %v for another), %v", other, refunded, none, err)
	}

	err = s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := voidCharge(tx, r.ID, now)
		return err
	}})
	wantConflict := rdv.ErrorCode(err) == rdv.ECONFLICT && rdv.ErrorField(err) == "fee"
	if !wantConflict {
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
	s, path := openLoaded(t)
	now := storetest.Start.At(8*60, rdv.Toronto).UTC()
	paidBooking(t, s, now)
	s.Close()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`DELETE FROM fee_ledger`,
		`UPDATE fee_ledger SET held_cents = 0`,
		`UPDATE fee_ledger SET paid_cents = paid_cents + 1`,
		`UPDATE fee_ledger SET move = 'void'`,
		`UPDATE fee_ledger SET idem_key = 'other'`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	if _, err := db.Exec(`UPDATE fee_ledger SET provider_ref = 'ack', settled_at = 1`); err != nil {
		t.Errorf("the provider's acknowledgement refused: %v", err)
	}
}

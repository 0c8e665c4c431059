package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"rdv"
)

// runFees is the conformance suite of rdv.FeeStore: each step of a fee's
// life (authorised, then captured or voided; a captured one refunded),
// the movements its status refuses, retries that move nothing twice, and
// a ledger that pages and balances.
func runFees(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *feeFixture)
	}{
		{"AuthorizeThenCapture", testAuthorizeThenCapture},
		{"AuthorizeThenVoid", testAuthorizeThenVoid},
		{"CaptureThenRefund", testCaptureThenRefund},
		{"IllegalMovesRefused", testIllegalMovesRefused},
		{"RetriesMoveOnce", testFeeRetriesMoveOnce},
		{"RacedCapturesMoveOnce", testRacedCapturesMoveOnce},
		{"AuthorizeRefused", testAuthorizeRefused},
		{"NoFeeNoMove", testNoFeeNoMove},
		{"LedgerPages", testLedgerPages},
		{"SettleMovements", testSettleMovements},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			tt.fn(t, &feeFixture{t: t, s: s, now: time.Date(2031, time.March, 4, 15, 30, 0, 0, time.UTC)})
		})
	}
}

// feeFixture is a store with requests to charge, and a clock that each
// step moves on by a minute.
type feeFixture struct {
	t   *testing.T
	s   rdv.Store
	now time.Time
	seq int
}

func (f *feeFixture) tick() time.Time {
	f.now = f.now.Add(time.Minute)
	return f.now
}

// request adds a request and returns it.
func (f *feeFixture) request() rdv.AppointmentRequest {
	f.t.Helper()
	f.seq++
	return mustAddRequest(f.t, f.s, fmt.Sprintf("D-FEE-%04d", f.seq))
}

// authorize adds a request and authorises the default fee on it.
func (f *feeFixture) authorize() rdv.Charge {
	f.t.Helper()
	r := f.request()
	c, err := f.s.AuthorizeCharge(f.t.Context(), f.authorization(r.ID))
	if err != nil {
		f.t.Fatalf("authorize the fee of request %d: %v", r.ID, err)
	}
	return c
}

func (f *feeFixture) authorization(requestID int64) rdv.ChargeAuthorization {
	return rdv.ChargeAuthorization{RequestID: requestID, Quote: rdv.DefaultFeeConfig().Quote(),
		ProviderRef: fmt.Sprintf("auth-%d", requestID), Now: f.tick()}
}

// move makes movement m on the fee of requestID and fails on an error.
func (f *feeFixture) move(requestID int64, m rdv.ChargeMove) rdv.Charge {
	f.t.Helper()
	c, err := f.try(requestID, m)
	if err != nil {
		f.t.Fatalf("%s the fee of request %d: %v", m, requestID, err)
	}
	return c
}

func (f *feeFixture) try(requestID int64, m rdv.ChargeMove) (rdv.Charge, error) {
	ctx, now := f.t.Context(), f.tick()
	switch m {
	case rdv.MoveCapture:
		return f.s.CaptureCharge(ctx, requestID, now)
	case rdv.MoveVoid:
		return f.s.VoidCharge(ctx, requestID, now)
	case rdv.MoveRefund:
		return f.s.RefundCharge(ctx, requestID, now)
	}
	f.t.Fatalf("no movement %q", m)
	return rdv.Charge{}, nil
}

// charge reads the fee of requestID back and checks it is c.
func (f *feeFixture) charge(c rdv.Charge) {
	f.t.Helper()
	got, err := f.s.Charge(f.t.Context(), c.RequestID)
	if err != nil || got != c {
		f.t.Fatalf("read back the fee of request %d:\n%+v, %v\nwant\n%+v", c.RequestID, got, err, c)
	}
}

// movements returns the moves of the ledger rows of a charge, oldest
// first, and checks each row's amounts and key.
func (f *feeFixture) movements(c rdv.Charge) []rdv.ChargeMove {
	f.t.Helper()
	all, err := f.s.Ledger(f.t.Context(), rdv.LedgerQuery{Limit: rdv.MaxLedgerPage})
	if err != nil {
		f.t.Fatal(err)
	}
	var moves []rdv.ChargeMove
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		if e.ChargeID != c.ID {
			continue
		}
		held, paid := rdv.MovementAmounts(e.Move, c.TotalCents)
		if e.HeldCents != held || e.PaidCents != paid || e.RequestID != c.RequestID || e.Reference != c.Reference ||
			e.Key != rdv.MovementKey(c.Reference, e.Move) || e.Currency != "CAD" || e.At.IsZero() {
			f.t.Fatalf("ledger entry %+v of charge %+v: want held %d, paid %d, its request and key", e, c, held, paid)
		}
		moves = append(moves, e.Move)
	}
	return moves
}

// balanced checks that the ledger balances and has the totals want.
func (f *feeFixture) balanced(want rdv.LedgerSummary) {
	f.t.Helper()
	got, err := f.s.LedgerSummary(f.t.Context())
	if err != nil {
		f.t.Fatal(err)
	}
	if ok, why := got.Balanced(); !ok {
		f.t.Fatalf("the ledger does not balance: %s\n%+v", why, got)
	}
	if got.Authorized != want.Authorized || got.Captured != want.Captured || got.Voided != want.Voided ||
		got.Refunded != want.Refunded || got.Held != want.Held || got.Net != want.Net || got.Entries != want.Entries ||
		got.NetFee != want.NetFee || got.NetGST != want.NetGST || got.NetQST != want.NetQST {
		f.t.Fatalf("ledger summary\n%+v\nwant\n%+v", got, want)
	}
}

func sameMoves(got []rdv.ChargeMove, want ...rdv.ChargeMove) bool {
	return fmt.Sprint(got) == fmt.Sprint(want)
}

func testAuthorizeThenCapture(t *testing.T, f *feeFixture) {
	r := f.request()
	a := f.authorization(r.ID)
	c, err := f.s.AuthorizeCharge(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	want := rdv.Charge{ID: c.ID, RequestID: r.ID, Reference: r.Reference,
		FeeQuote: rdv.FeeQuote{FeeCents: 1999, GSTCents: 100, QSTCents: 199, TotalCents: 2298, Currency: "CAD"},
		Status:   rdv.ChargeAuthorized, ProviderRef: a.ProviderRef, AuthorizedAt: a.Now}
	if c.ID == 0 || c != want {
		t.Fatalf("authorized\n%+v\nwant\n%+v", c, want)
	}
	f.charge(c)
	f.balanced(rdv.LedgerSummary{Entries: 1, Authorized: 2298, Held: 2298})

	captured := f.move(r.ID, rdv.MoveCapture)
	want.Status, want.CapturedAt = rdv.ChargeCaptured, f.now
	if captured != want {
		t.Fatalf("captured\n%+v\nwant\n%+v", captured, want)
	}
	f.charge(captured)
	if m := f.movements(c); !sameMoves(m, rdv.MoveAuthorize, rdv.MoveCapture) {
		t.Fatalf("ledger of the fee: %v", m)
	}
	f.balanced(rdv.LedgerSummary{Entries: 2, Authorized: 2298, Captured: 2298, Net: 2298, NetFee: 1999, NetGST: 100, NetQST: 199})
}

func testAuthorizeThenVoid(t *testing.T, f *feeFixture) {
	c := f.authorize()
	voided := f.move(c.RequestID, rdv.MoveVoid)
	if voided.Status != rdv.ChargeVoided || !voided.VoidedAt.Equal(f.now) || !voided.CapturedAt.IsZero() || voided.TotalCents != 2298 {
		t.Fatalf("voided %+v", voided)
	}
	f.charge(voided)
	if m := f.movements(c); !sameMoves(m, rdv.MoveAuthorize, rdv.MoveVoid) {
		t.Fatalf("ledger of the fee: %v", m)
	}
	f.balanced(rdv.LedgerSummary{Entries: 2, Authorized: 2298, Voided: 2298})
}

func testCaptureThenRefund(t *testing.T, f *feeFixture) {
	c := f.authorize()
	captured := f.move(c.RequestID, rdv.MoveCapture)
	refunded := f.move(c.RequestID, rdv.MoveRefund)
	if refunded.Status != rdv.ChargeRefunded || !refunded.RefundedAt.Equal(f.now) || !refunded.CapturedAt.Equal(captured.CapturedAt) {
		t.Fatalf("refunded %+v after %+v", refunded, captured)
	}
	f.charge(refunded)
	if m := f.movements(c); !sameMoves(m, rdv.MoveAuthorize, rdv.MoveCapture, rdv.MoveRefund) {
		t.Fatalf("ledger of the fee: %v", m)
	}
	// A second fee, captured and kept, shows in the net alone.
	kept := f.authorize()
	f.move(kept.RequestID, rdv.MoveCapture)
	f.balanced(rdv.LedgerSummary{Entries: 5, Authorized: 2 * 2298, Captured: 2 * 2298, Refunded: 2298, Net: 2298,
		NetFee: 1999, NetGST: 100, NetQST: 199})
}

func testIllegalMovesRefused(t *testing.T, f *feeFixture) {
	for _, tt := range []struct {
		name   string
		before []rdv.ChargeMove
		move   rdv.ChargeMove
	}{
		{"refund of an authorized fee", nil, rdv.MoveRefund},
		{"capture of a voided fee", []rdv.ChargeMove{rdv.MoveVoid}, rdv.MoveCapture},
		{"refund of a voided fee", []rdv.ChargeMove{rdv.MoveVoid}, rdv.MoveRefund},
		{"void of a captured fee", []rdv.ChargeMove{rdv.MoveCapture}, rdv.MoveVoid},
		{"void of a refunded fee", []rdv.ChargeMove{rdv.MoveCapture, rdv.MoveRefund}, rdv.MoveVoid},
	} {
		c := f.authorize()
		for _, m := range tt.before {
			c = f.move(c.RequestID, m)
		}
		before, err := f.s.LedgerSummary(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.try(c.RequestID, tt.move)
		wantCode(t, tt.name, err, rdv.ECONFLICT)
		if rdv.ErrorField(err) != "fee" {
			t.Fatalf("%s: field %q, want fee", tt.name, rdv.ErrorField(err))
		}
		f.charge(c) // unchanged
		after, err := f.s.LedgerSummary(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if after.Entries != before.Entries || after.Net != before.Net || after.Held != before.Held {
			t.Fatalf("%s: a refused movement changed the ledger: %+v, was %+v", tt.name, after, before)
		}
	}
	f.balanced(rdv.LedgerSummary{Entries: 5 + 5, Authorized: 5 * 2298, Held: 2298, Voided: 2 * 2298,
		Captured: 2 * 2298, Refunded: 2298, Net: 2298, NetFee: 1999, NetGST: 100, NetQST: 199})
}

// testFeeRetriesMoveOnce retries each movement, as a caller does whose
// answer was lost: the retry returns the charge as it stands, with the
// first attempt's time, and writes no row.
func testFeeRetriesMoveOnce(t *testing.T, f *feeFixture) {
	ctx := t.Context()
	r := f.request()
	a := f.authorization(r.ID)
	c, err := f.s.AuthorizeCharge(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := f.s.AuthorizeCharge(ctx, a); err != nil || again != c {
		t.Fatalf("authorize again: %+v, %v; want %+v", again, err, c)
	}
	captured := f.move(r.ID, rdv.MoveCapture)
	if again := f.move(r.ID, rdv.MoveCapture); again != captured {
		t.Fatalf("capture again: %+v, want %+v", again, captured)
	}
	refunded := f.move(r.ID, rdv.MoveRefund)
	if again := f.move(r.ID, rdv.MoveRefund); again != refunded {
		t.Fatalf("refund again: %+v, want %+v", again, refunded)
	}
	// The capture's answer lost before the refund: its retry comes after
	// and still moves nothing.
	if again := f.move(r.ID, rdv.MoveCapture); again != refunded {
		t.Fatalf("capture retried after the refund: %+v, want %+v", again, refunded)
	}
	if m := f.movements(c); !sameMoves(m, rdv.MoveAuthorize, rdv.MoveCapture, rdv.MoveRefund) {
		t.Fatalf("ledger after retries: %v", m)
	}

	voided := f.authorize()
	v := f.move(voided.RequestID, rdv.MoveVoid)
	if again := f.move(voided.RequestID, rdv.MoveVoid); again != v {
		t.Fatalf("void again: %+v, want %+v", again, v)
	}
	f.balanced(rdv.LedgerSummary{Entries: 5, Authorized: 2 * 2298, Captured: 2298, Refunded: 2298, Voided: 2298})
}

// testRacedCapturesMoveOnce captures one fee from many callers at once
// (instances retrying, a sweep and an accept): one capture row.
func testRacedCapturesMoveOnce(t *testing.T, f *feeFixture) {
	c := f.authorize()
	now := f.tick()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := f.s.CaptureCharge(t.Context(), c.RequestID, now)
			if err == nil && got.Status != rdv.ChargeCaptured {
				err = fmt.Errorf("captured to %+v", got)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("raced capture: %v", err)
		}
	}
	if m := f.movements(c); !sameMoves(m, rdv.MoveAuthorize, rdv.MoveCapture) {
		t.Fatalf("ledger after raced captures: %v", m)
	}
	f.balanced(rdv.LedgerSummary{Entries: 2, Authorized: 2298, Captured: 2298, Net: 2298, NetFee: 1999, NetGST: 100, NetQST: 199})
}

func testAuthorizeRefused(t *testing.T, f *feeFixture) {
	ctx := t.Context()
	r := f.request()
	good := f.authorization(r.ID)
	for _, tt := range []struct {
		name  string
		spoil func(a *rdv.ChargeAuthorization)
		code  string
	}{
		{"no request", func(a *rdv.ChargeAuthorization) { a.RequestID = 0 }, rdv.EINVALID},
		{"no provider reference", func(a *rdv.ChargeAuthorization) { a.ProviderRef = "" }, rdv.EINVALID},
		{"no time", func(a *rdv.ChargeAuthorization) { a.Now = time.Time{} }, rdv.EINVALID},
		{"a total that does not add up", func(a *rdv.ChargeAuthorization) { a.Quote.TotalCents++ }, rdv.EINVALID},
		{"a fee of zero", func(a *rdv.ChargeAuthorization) { a.Quote = rdv.QuoteFee(0) }, rdv.EINVALID},
		{"another currency", func(a *rdv.ChargeAuthorization) { a.Quote.Currency = "USD" }, rdv.EINVALID},
		{"a request that does not exist", func(a *rdv.ChargeAuthorization) { a.RequestID += 1000 }, rdv.ENOTFOUND},
	} {
		a := good
		tt.spoil(&a)
		_, err := f.s.AuthorizeCharge(ctx, a)
		wantCode(t, tt.name, err, tt.code)
	}
	if _, err := f.s.Charge(ctx, r.ID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("refused authorisations left a fee: %v", err)
	}
	c, err := f.s.AuthorizeCharge(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	// The same request authorised by another payment: one fee per request.
	other := good
	other.ProviderRef = "auth-other"
	_, err = f.s.AuthorizeCharge(ctx, other)
	wantCode(t, "a second fee on a request", err, rdv.ECONFLICT)
	f.charge(c)
	f.balanced(rdv.LedgerSummary{Entries: 1, Authorized: 2298, Held: 2298})
}

func testNoFeeNoMove(t *testing.T, f *feeFixture) {
	free := f.request()
	for _, m := range []rdv.ChargeMove{rdv.MoveCapture, rdv.MoveVoid, rdv.MoveRefund} {
		_, err := f.try(free.ID, m)
		wantCode(t, fmt.Sprintf("%s without a fee", m), err, rdv.ENOTFOUND)
		if !rdv.IsNoCharge(err) {
			t.Fatalf("%s without a fee: %v, want ErrNoCharge", m, err)
		}
	}
	_, err := f.s.Charge(t.Context(), free.ID)
	wantCode(t, "read a fee that does not exist", err, rdv.ENOTFOUND)
	f.balanced(rdv.LedgerSummary{})
}

func testLedgerPages(t *testing.T, f *feeFixture) {
	ctx := t.Context()
	for i := range 7 {
		c := f.authorize()
		if i%2 == 0 {
			f.move(c.RequestID, rdv.MoveCapture)
		}
	}
	all, err := f.s.Ledger(ctx, rdv.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 11 {
		t.Fatalf("ledger has %d entries, want 11", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID || all[i].At.After(all[i-1].At) {
			t.Fatalf("ledger not newest first: %+v before %+v", all[i-1], all[i])
		}
	}
	var paged []rdv.LedgerEntry
	before := int64(0)
	for {
		page, err := f.s.Ledger(ctx, rdv.LedgerQuery{Before: before, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 4 {
			t.Fatalf("page of %d entries, asked for 4", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		before = page[len(page)-1].ID
	}
	if fmt.Sprint(paged) != fmt.Sprint(all) {
		t.Fatalf("pages of 4:\n%v\nwant\n%v", paged, all)
	}
}

// testSettleMovements follows what the provider has been told: a capture
// committed in the store waits for the provider's acknowledgement, and
// once settled leaves the list.
func testSettleMovements(t *testing.T, f *feeFixture) {
	ctx := t.Context()
	c := f.authorize()
	if un, err := f.s.UnsettledMovements(ctx, 10); err != nil || len(un) != 0 {
		t.Fatalf("an authorisation waits for the provider: %+v, %v", un, err)
	}
	f.move(c.RequestID, rdv.MoveCapture)
	un, err := f.s.UnsettledMovements(ctx, 10)
	if err != nil || len(un) != 1 || un[0].Move != rdv.MoveCapture || un[0].RequestID != c.RequestID || !un[0].SettledAt.IsZero() || un[0].ProviderRef != "" {
		t.Fatalf("unsettled after a capture: %+v, %v", un, err)
	}
	at := f.tick()
	if err := f.s.SettleMovement(ctx, un[0].ID, "cap-1", at); err != nil {
		t.Fatal(err)
	}
	// Settling again (a sweep that crashed after the provider answered)
	// keeps the first acknowledgement.
	if err := f.s.SettleMovement(ctx, un[0].ID, "cap-2", f.tick()); err != nil {
		t.Fatal(err)
	}
	if un, err := f.s.UnsettledMovements(ctx, 10); err != nil || len(un) != 0 {
		t.Fatalf("unsettled after settling: %+v, %v", un, err)
	}
	all, err := f.s.Ledger(ctx, rdv.LedgerQuery{Limit: 1})
	if err != nil || len(all) != 1 || all[0].ProviderRef != "cap-1" || !all[0].SettledAt.Equal(at) {
		t.Fatalf("settled capture %+v, %v; want cap-1 at %v", all, err, at)
	}
	wantCode(t, "settle an entry that does not exist", f.s.SettleMovement(ctx, all[0].ID+100, "x", at), rdv.ENOTFOUND)
	wantCode(t, "settle without a reference", f.s.SettleMovement(ctx, all[0].ID, "", at), rdv.EINVALID)
}

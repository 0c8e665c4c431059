package rdv

import (
	"fmt"
	"strings"
	"testing"
)

func TestQuoteFee(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		fee, gst, qst, total int64
	}{
		{"default fee: GST 99.95 ¢ up, QST 199.40 ¢ down", 1999, 100, 199, 2298},
		{"QST exactly half a cent rounds up", 2000, 100, 200, 2300},
		{"GST exactly half a cent rounds up", 10, 1, 1, 12},
		{"GST 1.5 ¢ rounds up", 30, 2, 3, 35},
		{"one cent: taxes round to nothing", 1, 0, 0, 1},
		{"GST 49.95 ¢, QST 99.65 ¢", 999, 50, 100, 1149},
		{"GST 50.15 ¢, QST 100.05 ¢ both down", 1003, 50, 100, 1153},
		{"QST 249.375 ¢ rounds down", 2500, 125, 249, 2874},
		{"the largest fee", MaxFeeCents, 5000, 9975, 114975},
	}
	for _, tt := range tests {
		q := QuoteFee(tt.fee)
		want := FeeQuote{FeeCents: tt.fee, GSTCents: tt.gst, QSTCents: tt.qst, TotalCents: tt.total, Currency: "CAD"}
		if q != want {
			t.Errorf("%s: QuoteFee(%d) = %+v, want %+v", tt.name, tt.fee, q, want)
		}
	}
	if q := DefaultFeeConfig().Quote(); q.FeeCents != 1999 || q.TotalCents != 2298 {
		t.Errorf("default quote %+v, want 19.99 $ and 22.98 $ with taxes", q)
	}
}

// TestTaxCentsAgainstDecimals checks the integer rounding against the
// rule written out with the decimal digits: the exact tax in thousandths
// of a cent, rounded up from 500.
func TestTaxCentsAgainstDecimals(t *testing.T) {
	t.Parallel()
	for fee := int64(0); fee <= 20_000; fee++ {
		for _, rate := range []int64{GSTRate, QSTRate} {
			exact := fee * rate // the tax in 1/100,000 of a cent
			whole, rest := exact/RateUnit, exact%RateUnit
			want := whole
			if rest >= RateUnit/2 {
				want++
			}
			if got := TaxCents(fee, rate); got != want {
				t.Fatalf("TaxCents(%d, %d) = %d, want %d", fee, rate, got, want)
			}
		}
	}
}

func TestFeeConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cents int64
		ok    bool
	}{{1999, true}, {1, true}, {MaxFeeCents, true}, {0, false}, {-1999, false}, {MaxFeeCents + 1, false}} {
		err := FeeConfig{AmountCents: tt.cents}.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("fee of %d cents: Validate() = %v, want ok %v", tt.cents, err, tt.ok)
		}
		if err != nil && (ErrorCode(err) != EINVALID || ErrorField(err) != "fee") {
			t.Errorf("fee of %d cents: error %v, want invalid fee", tt.cents, err)
		}
	}
}

func TestChargeTransition(t *testing.T) {
	t.Parallel()
	allowed := map[ChargeStatus]map[ChargeMove]ChargeStatus{
		ChargeAuthorized: {MoveCapture: ChargeCaptured, MoveVoid: ChargeVoided},
		ChargeCaptured:   {MoveRefund: ChargeRefunded},
	}
	for _, from := range []ChargeStatus{ChargeAuthorized, ChargeCaptured, ChargeVoided, ChargeRefunded} {
		for _, m := range ChargeMoves {
			to, err := ChargeTransition(7, from, m)
			want, ok := allowed[from][m]
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("%s from %s: %q, %v; want %q", m, from, to, err, want)
			case !ok && (ErrorCode(err) != ECONFLICT || ErrorField(err) != "fee" || to != ""):
				t.Errorf("%s from %s: %q, %v; want a conflict on the fee", m, from, to, err)
			case !ok && !strings.Contains(err.Error(), string(from)):
				t.Errorf("%s from %s: error %q does not say the status", m, from, err)
			}
		}
	}
}

// TestMovementAmountsBalance plays every life of a fee and checks what
// LedgerEntry promises: per charge, the paid column sums to what the
// patient finally paid and the held column to what is still reserved.
func TestMovementAmountsBalance(t *testing.T) {
	t.Parallel()
	const total = 2298
	lives := []struct {
		moves      []ChargeMove
		held, paid int64
	}{
		{[]ChargeMove{MoveAuthorize}, total, 0},
		{[]ChargeMove{MoveAuthorize, MoveCapture}, 0, total},
		{[]ChargeMove{MoveAuthorize, MoveVoid}, 0, 0},
		{[]ChargeMove{MoveAuthorize, MoveCapture, MoveRefund}, 0, 0},
	}
	for _, l := range lives {
		var held, paid int64
		for _, m := range l.moves {
			h, p := MovementAmounts(m, total)
			held, paid = held+h, paid+p
		}
		if held != l.held || paid != l.paid {
			t.Errorf("%v: held %d paid %d, want %d and %d", l.moves, held, paid, l.held, l.paid)
		}
	}
}

func TestLedgerSummaryBalanced(t *testing.T) {
	t.Parallel()
	// Three fees of 22.98 $: one open, one captured, one captured then
	// refunded, and one voided.
	good := LedgerSummary{
		Authorized: 4 * 2298, Captured: 2 * 2298, Voided: 2298, Refunded: 2298,
		Held: 2298, Net: 2298,
		ChargeTotals: map[ChargeStatus]int64{ChargeAuthorized: 2298, ChargeCaptured: 2298, ChargeVoided: 2298, ChargeRefunded: 2298},
		NetFee:       1999, NetGST: 100, NetQST: 199,
	}
	if ok, why := good.Balanced(); !ok {
		t.Fatalf("a balanced ledger: %s", why)
	}
	for name, spoil := range map[string]func(*LedgerSummary){
		"a capture without its authorisation": func(s *LedgerSummary) { s.Captured += 2298; s.Net += 2298 },
		"a refund missing from the net":       func(s *LedgerSummary) { s.Net += 2298 },
		"a charge captured without movement": func(s *LedgerSummary) {
			s.ChargeTotals = map[ChargeStatus]int64{ChargeAuthorized: 2298, ChargeCaptured: 2 * 2298}
		},
		"a void that left the money held": func(s *LedgerSummary) { s.Held += 2298; s.Voided -= 2298 },
		"taxes that do not add up":        func(s *LedgerSummary) { s.NetQST = 200 },
	} {
		s := good
		spoil(&s)
		if ok, _ := s.Balanced(); ok {
			t.Errorf("%s: Balanced() = true", name)
		}
	}
}

func TestIsNoCharge(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]bool{
		ErrNoCharge(7):                                        true,
		fmt.Errorf("void: %w", ErrNoCharge(7)):                true,
		Errorf(ENOTFOUND, "request 7"):                        false,
		ErrChargeState(7, ChargeVoided, MoveCapture):          false,
		FieldError("fee", "fee of 0 cents, want 1 to 100000"): false,
		nil: false,
	} {
		if got := IsNoCharge(err); got != want {
			t.Errorf("IsNoCharge(%v) = %v, want %v", err, got, want)
		}
	}
}

package fees

import (
	"testing"

	"rdv"
)

func TestLocalRefusesWhatAProviderWould(t *testing.T) {
	ctx := t.Context()
	l := NewLocal()
	auth := func(ref string) string {
		t.Helper()
		r, err := l.Authorize(ctx, Authorization{Key: rdv.MovementKey(ref, rdv.MoveAuthorize), PaymentToken: "tok", AmountCents: 2298, Currency: "CAD"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	move := func(ref, authRef string, m rdv.ChargeMove, amount int64) error {
		_, err := l.Move(ctx, Movement{Key: rdv.MovementKey(ref, m), Move: m, AuthorizationRef: authRef, AmountCents: amount, Currency: "CAD"})
		return err
	}
	voided := auth("D-1")
	if err := move("D-1", voided, rdv.MoveVoid, 2298); err != nil {
		t.Fatal(err)
	}
	captured := auth("D-2")
	if err := move("D-2", captured, rdv.MoveCapture, 2298); err != nil {
		t.Fatal(err)
	}
	before := len(l.Entries())
	for _, tt := range []struct {
		name string
		err  error
		code string
	}{
		{"capture of a voided authorisation", move("D-1", voided, rdv.MoveCapture, 2298), rdv.ECONFLICT},
		{"refund of a voided authorisation", move("D-1", voided, rdv.MoveRefund, 2298), rdv.ECONFLICT},
		{"a second capture under another key", move("D-2-bis", captured, rdv.MoveCapture, 2298), rdv.ECONFLICT},
		{"refund of another amount", move("D-2", captured, rdv.MoveRefund, 9999), rdv.EINVALID},
		{"the capture's key for another amount", move("D-2", captured, rdv.MoveCapture, 1), rdv.EIDEMPOTENCY},
		{"an authorisation it never made", move("D-3", "ch_elsewhere", rdv.MoveCapture, 2298), rdv.ENOTFOUND},
		{"an unknown movement", move("D-2", captured, rdv.MoveAuthorize, 2298), rdv.EINVALID},
	} {
		if got := rdv.ErrorCode(tt.err); got != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, tt.err, tt.code)
		}
	}
	if n := len(l.Entries()); n != before {
		t.Fatalf("refused movements were recorded: %d entries, was %d", n, before)
	}
	// The same capture again (a retry) answers as the first did.
	if err := move("D-2", captured, rdv.MoveCapture, 2298); err != nil || len(l.Entries()) != before {
		t.Fatalf("retried capture: %v, %d entries", err, len(l.Entries()))
	}
	if err := move("D-2", captured, rdv.MoveRefund, 2298); err != nil {
		t.Fatalf("refund of a capture: %v", err)
	}
}

// TestLocalAfterARestart moves an authorisation made by a Local that has
// since restarted: the platform's ledger is the record, and the same key
// gets the same reference.
func TestLocalAfterARestart(t *testing.T) {
	ctx := t.Context()
	a := Authorization{Key: rdv.MovementKey("D-1", rdv.MoveAuthorize), PaymentToken: "tok", AmountCents: 2298, Currency: "CAD"}
	ref, err := NewLocal().Authorize(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLocal()
	if again, err := l.Authorize(ctx, a); err != nil || again != ref {
		t.Fatalf("authorisation retried after a restart: %q, %v; want %q", again, err, ref)
	}
	l = NewLocal()
	c := Movement{Key: rdv.MovementKey("D-1", rdv.MoveCapture), Move: rdv.MoveCapture, AuthorizationRef: ref, AmountCents: 2298, Currency: "CAD"}
	if _, err := l.Move(ctx, c); err != nil {
		t.Fatalf("capture after a restart: %v", err)
	}
	v := Movement{Key: rdv.MovementKey("D-1", rdv.MoveVoid), Move: rdv.MoveVoid, AuthorizationRef: ref, AmountCents: 2298, Currency: "CAD"}
	if _, err := l.Move(ctx, v); rdv.ErrorCode(err) != rdv.ECONFLICT {
		t.Fatalf("void after the capture: %v", err)
	}
}

func TestLooksLikeCard(t *testing.T) {
	for s, want := range map[string]bool{
		"4242424242424242":    true,
		"4242 4242 4242 4242": true,
		"5555-5555-5555-4444": true,
		"378282246310005":     true,  // American Express, 15 digits
		"4242424242424241":    false, // check digit wrong
		"tok_visa_4242":       false,
		"pm_1Nq2ZXLkdIwHu7ix": false,
		"12345":               false,
		"":                    false,
	} {
		if got := looksLikeCard(s); got != want {
			t.Errorf("looksLikeCard(%q) = %v, want %v", s, got, want)
		}
	}
}

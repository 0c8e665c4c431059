package fees_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/fees"
	"rdv/sqlite"
	"rdv/storetest"
)

// site is a real store, the local provider and the fees kept between
// them, with a request to charge.
type site struct {
	store *sqlite.Store
	local *fees.Local
	fees  *fees.Fees
	req   rdv.AppointmentRequest
	now   time.Time
}

func open(t *testing.T, p fees.Provider) *site {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	local := fees.NewLocal()
	if p == nil {
		p = local
	}
	f, err := fees.New(s, p, rdv.DefaultFeeConfig(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2031, time.March, 4, 15, 30, 0, 0, time.UTC)
	r, err := s.AddRequest(t.Context(), storetest.SampleRequest("D-7KQ4-M2XH-9RTB", now))
	if err != nil {
		t.Fatal(err)
	}
	return &site{store: s, local: local, fees: f, req: r, now: now}
}

// moves returns what the provider did, as "move amount" strings.
func (s *site) moves() []string {
	var out []string
	for _, e := range s.local.Entries() {
		out = append(out, fmt.Sprintf("%s %d", e.Move, e.AmountCents))
	}
	return out
}

// unsettled returns how many movements the provider has not heard of.
func (s *site) unsettled(t *testing.T) int {
	t.Helper()
	un, err := s.store.UnsettledMovements(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(un)
}

func TestLifeOfAFee(t *testing.T) {
	for _, tt := range []struct {
		name  string
		moves []rdv.ChargeMove
		want  rdv.ChargeStatus
	}{
		{"authorized then captured", []rdv.ChargeMove{rdv.MoveCapture}, rdv.ChargeCaptured},
		{"authorized then voided", []rdv.ChargeMove{rdv.MoveVoid}, rdv.ChargeVoided},
		{"captured then refunded", []rdv.ChargeMove{rdv.MoveCapture, rdv.MoveRefund}, rdv.ChargeRefunded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, nil)
			ctx := t.Context()
			c, err := s.fees.Authorize(ctx, s.req.ID, s.req.Reference, "tok_visa_4242", s.now)
			if err != nil {
				t.Fatal(err)
			}
			auth := s.local.Entries()
			if len(auth) != 1 || c.ProviderRef != auth[0].Ref || c.TotalCents != 2298 || c.Status != rdv.ChargeAuthorized ||
				auth[0].Key != rdv.MovementKey(s.req.Reference, rdv.MoveAuthorize) {
				t.Fatalf("authorized %+v; provider %+v", c, auth)
			}
			want := []string{"authorize 2298"}
			for _, m := range tt.moves {
				switch m {
				case rdv.MoveCapture:
					c, err = s.fees.Capture(ctx, s.req.ID, s.now)
				case rdv.MoveVoid:
					c, err = s.fees.Void(ctx, s.req.ID, s.now)
				case rdv.MoveRefund:
					c, err = s.fees.Refund(ctx, s.req.ID, s.now)
				}
				if err != nil {
					t.Fatalf("%s: %v", m, err)
				}
				want = append(want, fmt.Sprintf("%s 2298", m))
			}
			if c.Status != tt.want {
				t.Fatalf("fee %s, want %s", c.Status, tt.want)
			}
			if got := s.moves(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("provider made %v, want %v", got, want)
			}
			if n := s.unsettled(t); n != 0 {
				t.Fatalf("%d movements not told to the provider", n)
			}
			ledger, err := s.store.Ledger(ctx, rdv.LedgerQuery{})
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[string]string{}
			for _, e := range s.local.Entries() {
				byKey[e.Key] = e.Ref
			}
			for _, e := range ledger {
				if e.ProviderRef == "" || e.ProviderRef != byKey[e.Key] || e.SettledAt.IsZero() {
					t.Fatalf("ledger entry %+v: want the provider's reference %q", e, byKey[e.Key])
				}
			}
		})
	}
}

// TestAuthorizeRetried authorises one request twice, as a client that
// lost the first answer: one authorisation at the provider, one fee.
func TestAuthorizeRetried(t *testing.T) {
	s := open(t, nil)
	first, err := s.fees.Authorize(t.Context(), s.req.ID, s.req.Reference, "tok_visa_4242", s.now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.fees.Authorize(t.Context(), s.req.ID, s.req.Reference, "tok_visa_4242", s.now.Add(time.Minute))
	if err != nil || again != first {
		t.Fatalf("retry: %+v, %v; want %+v", again, err, first)
	}
	if got := s.moves(); len(got) != 1 {
		t.Fatalf("provider made %v, want one authorisation", got)
	}
}

func TestAuthorizeRefused(t *testing.T) {
	for _, tt := range []struct {
		name, token string
	}{
		{"declined", fees.DeclineToken},
		{"a card number", "4242 4242 4242 4242"},
		{"a card number with dashes", "5555-5555-5555-4444"},
		{"no token", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, nil)
			_, err := s.fees.Authorize(t.Context(), s.req.ID, s.req.Reference, tt.token, s.now)
			if rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != "payment" {
				t.Fatalf("authorize with %q: %v, want an invalid payment", tt.token, err)
			}
			if _, err := s.store.Charge(t.Context(), s.req.ID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
				t.Fatalf("a refused payment left a fee: %v", err)
			}
			if got := s.moves(); len(got) != 0 {
				t.Fatalf("provider made %v", got)
			}
		})
	}
}

// lossy is a provider whose answers to movements are lost on the way
// back, as when the platform crashes while the provider answers: the
// provider has moved the money, the platform does not know.
type lossy struct {
	*fees.Local
	mu   sync.Mutex
	lose int
}

func (p *lossy) Move(ctx context.Context, m fees.Movement) (string, error) {
	ref, err := p.Local.Move(ctx, m)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil && p.lose > 0 {
		p.lose--
		return "", errors.New("connection reset by peer")
	}
	return ref, err
}

// TestCaptureInAnotherWriteSettledOnce captures as the accept of a
// proposal does (in the store, inside its own write), then settles with a
// provider whose first answer is lost, and sweeps from two places at
// once: the provider captures once, and the ledger records its answer.
func TestCaptureInAnotherWriteSettledOnce(t *testing.T) {
	local := fees.NewLocal()
	p := &lossy{Local: local, lose: 1}
	s := open(t, p)
	s.local = local
	ctx := t.Context()
	if _, err := s.fees.Authorize(ctx, s.req.ID, s.req.Reference, "tok_visa_4242", s.now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CaptureCharge(ctx, s.req.ID, s.now); err != nil {
		t.Fatal(err)
	}
	if n := s.unsettled(t); n != 1 {
		t.Fatalf("%d movements unsettled, want the capture", n)
	}
	if n, err := s.fees.Settle(ctx, s.now); err == nil || n != 0 {
		t.Fatalf("settle with the answer lost: %d, %v", n, err)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := s.fees.Settle(ctx, s.now); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
	}
	wg.Wait()
	if got := s.moves(); fmt.Sprint(got) != "[authorize 2298 capture 2298]" {
		t.Fatalf("provider made %v, want one capture", got)
	}
	if n := s.unsettled(t); n != 0 {
		t.Fatalf("%d movements unsettled after the sweeps", n)
	}
}

// TestRunSettlesWhenWoken runs the sweeper: a capture made elsewhere is
// told to the provider when Run is woken, long before its tick.
func TestRunSettlesWhenWoken(t *testing.T) {
	s := open(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.fees.Run(ctx, time.Hour, func() time.Time { return s.now }) }()
	if _, err := s.fees.Authorize(ctx, s.req.ID, s.req.Reference, "tok_visa_4242", s.now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CaptureCharge(ctx, s.req.ID, s.now); err != nil {
		t.Fatal(err)
	}
	s.fees.Wake()
	deadline := time.Now().Add(10 * time.Second)
	for s.unsettled(t) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the capture was not settled after a wake")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestNewRefusesABadFee(t *testing.T) {
	s := open(t, nil)
	_, err := fees.New(s.store, s.local, rdv.FeeConfig{AmountCents: 0}, nil)
	if rdv.ErrorCode(err) != rdv.EINVALID {
		t.Fatalf("a fee of zero: %v", err)
	}
}

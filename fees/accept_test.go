package fees_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/fees"
	"rdv/spool"
	"rdv/storetest"
)

// spooled is the path of a request in serve: the fee's acceptor in front
// of the spool, which replays into the store.
type spooled struct {
	*site
	path   string
	spool  *spool.Spool
	accept *fees.Acceptor
}

func openSpooled(t *testing.T) *spooled {
	t.Helper()
	s := open(t, nil)
	path := filepath.Join(t.TempDir(), "requests.spool")
	sp, err := spool.Open(path, s.store, spool.Options{Now: func() time.Time { return s.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return &spooled{site: s, path: path, spool: sp, accept: s.fees.Acceptor(sp, spool.NewReference, func() time.Time { return s.now })}
}

// replay runs the spool's replayer until it has stored every request.
func (s *spooled) replay(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.spool.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); s.spool.Pending() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still spooled", s.spool.Pending())
		}
	}
}

func networkRequest(token string) rdv.AppointmentRequest {
	r := storetest.MatchRequest("", time.Date(2031, time.March, 3, 13, 0, 0, 0, time.UTC))
	r.PaymentToken = token
	return r
}

// TestAcceptorAuthorizesFirst: a network request's fee is authorised
// before the request is spooled, under its reference's key; the spool
// carries the provider's reference and never the token; the store
// records the fee with the request.
func TestAcceptorAuthorizesFirst(t *testing.T) {
	s := openSpooled(t)
	const token = "tok_visa_from_the_providers_form"
	got, err := s.accept.Accept(t.Context(), networkRequest(token))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if got.Reference == "" || got.Fee == nil || got.PaymentToken != "" {
		t.Fatalf("accepted: reference %q, fee %+v, token %q", got.Reference, got.Fee, got.PaymentToken)
	}
	entries := s.local.Entries()
	if len(entries) != 1 || entries[0].Move != rdv.MoveAuthorize || entries[0].Key != rdv.MovementKey(got.Reference, rdv.MoveAuthorize) ||
		entries[0].AmountCents != rdv.DefaultFeeConfig().Quote().TotalCents {
		t.Fatalf("provider: %+v", entries)
	}
	disk, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(disk, []byte(token)) || !bytes.Contains(disk, []byte(entries[0].Ref)) {
		t.Fatalf("spool record: token kept %v, authorisation kept %v", bytes.Contains(disk, []byte(token)), bytes.Contains(disk, []byte(entries[0].Ref)))
	}
	s.replay(t)
	stored, err := s.store.RequestByReference(t.Context(), got.Reference, got.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.store.Charge(t.Context(), stored.ID)
	if err != nil || c.Status != rdv.ChargeAuthorized || c.ProviderRef != entries[0].Ref || c.TotalCents != entries[0].AmountCents {
		t.Fatalf("fee stored: %+v, %v", c, err)
	}
}

// TestAcceptorRefuses: a request that cannot pay is answered at once on
// the field "payment", and nothing is spooled; one for the person's own
// clinic needs no payment.
func TestAcceptorRefuses(t *testing.T) {
	for _, tt := range []struct {
		name     string
		token    string
		scope    rdv.RequestScope
		wantCode string // "": accepted
		wantFee  bool
	}{
		{"network, paid", "tok_ok", rdv.ScopeNetwork, "", true},
		{"network by default", "tok_ok", "", "", true},
		{"no payment", "", rdv.ScopeNetwork, rdv.EINVALID, false},
		{"declined", fees.DeclineToken, rdv.ScopeNetwork, rdv.EINVALID, false},
		{"a card number", "4111 1111 1111 1111", rdv.ScopeNetwork, rdv.EINVALID, false},
		{"a card number with dashes", "5555-5555-5555-4444", rdv.ScopeNetwork, rdv.EINVALID, false},
		{"own clinic, free", "", rdv.ScopeOwnClinic, "", false},
		{"own clinic, a token given anyway", "tok_ok", rdv.ScopeOwnClinic, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := openSpooled(t)
			r := networkRequest(tt.token)
			r.Scope = tt.scope
			got, err := s.accept.Accept(t.Context(), r)
			if rdv.ErrorCode(err) != tt.wantCode {
				t.Fatalf("accept: %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode != "" {
				if rdv.ErrorField(err) != "payment" || s.spool.Pending() != 0 || len(s.local.Entries()) != 0 {
					t.Fatalf("refused on field %q with %d spooled, the provider asked %d times", rdv.ErrorField(err), s.spool.Pending(), len(s.local.Entries()))
				}
				return
			}
			authorized := len(s.local.Entries()) == 1
			if (got.Fee != nil) != tt.wantFee || authorized != tt.wantFee {
				t.Fatalf("fee %+v, provider %+v; want a fee: %v", got.Fee, s.local.Entries(), tt.wantFee)
			}
		})
	}
}

// failing is an acceptor whose disk has failed.
type failing struct{}

func (failing) Accept(context.Context, rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	return rdv.AppointmentRequest{}, rdv.Errorf(rdv.EUNAVAILABLE, "disk full")
}

// TestAcceptorReleasesWhatItCannotSpool: an authorisation whose request
// the spool could not take is voided at the provider at once.
func TestAcceptorReleasesWhatItCannotSpool(t *testing.T) {
	s := open(t, nil)
	a := s.fees.Acceptor(failing{}, func() string { return "D-AAAA-BBBB-CCCC" }, nil)
	_, err := a.Accept(t.Context(), networkRequest("tok_ok"))
	if rdv.ErrorCode(err) != rdv.EUNAVAILABLE {
		t.Fatalf("accept with a failed spool: %v", err)
	}
	if got := s.moves(); len(got) != 2 || got[0] != "authorize 2298" || got[1] != "void 2298" {
		t.Fatalf("provider: %v, want the authorisation voided", got)
	}
}

// silent is a provider that does not answer.
type silent struct{ fees.Provider }

func (silent) Authorize(context.Context, fees.Authorization) (string, error) {
	return "", errors.New("connection refused")
}

// TestAcceptorProviderDown: a provider that does not answer is the
// platform's trouble, not the person's payment: 503 on "payment".
func TestAcceptorProviderDown(t *testing.T) {
	s := open(t, silent{})
	a := s.fees.Acceptor(failing{}, spool.NewReference, nil)
	_, err := a.Accept(t.Context(), networkRequest("tok_ok"))
	if rdv.ErrorCode(err) != rdv.EUNAVAILABLE || rdv.ErrorField(err) != "payment" {
		t.Fatalf("accept with the provider down: %v", err)
	}
}

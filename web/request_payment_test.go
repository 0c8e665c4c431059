package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/fees"
	"rdv/i18n"
	"rdv/spool"
	"rdv/storetest"
)

// keptAcceptor takes requests straight into the store under the
// reference the fee was authorised with, as the spool does.
type keptAcceptor struct{ store rdv.RequestStore }

func (a keptAcceptor) Accept(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	if r.Reference == "" {
		r.Reference = spool.NewReference()
	}
	r.Status, r.ReceivedAt = rdv.RequestOpen, time.Now().UTC().Truncate(time.Millisecond)
	return a.store.AddRequest(ctx, r)
}

// withFees gives the site the matcher and the fee's acceptor in front of
// its store, through the built-in provider, as rdv serve does.
func withPaidRequests(t *testing.T, s *site) *fees.Local {
	t.Helper()
	withMatcher(t, s)
	local := fees.NewLocal()
	f, err := fees.New(s.store, local, rdv.DefaultFeeConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.srv.d.Requests = f.Acceptor(keptAcceptor{s.store}, spool.NewReference, nil)
	s.srv.d.LocalPayments = true
	return local
}

// TestRequestFormTakesPayment: a request to the whole network is filed
// with its payment token, whose fee the provider authorises and the
// store records with the request; the token is kept nowhere.
func TestRequestFormTakesPayment(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			local := withPaidRequests(t, s)
			b := inLang(newBrowser(t, s), lang)
			form := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
			form.contains(t, `name="payment"`, translate(lang, "req.payment.hint"), fees.DeclineToken)
			v := requestForm(lang)
			v.Set("place", "Montréal")
			v.Set("scope", "network")
			v.Set("payment", "tok_from_the_providers_form")
			sent := b.follow(b.post(form, "/demande", v)).want(t, http.StatusOK)
			if requestLinkRE.FindStringSubmatch(sent.body) == nil {
				t.Fatalf("no link to the request's page:\n%s", sent.body)
			}
			req := filed(t, s)
			c, err := s.store.Charge(t.Context(), req.ID)
			if err != nil || c.Status != rdv.ChargeAuthorized || c.TotalCents != rdv.DefaultFeeConfig().Quote().TotalCents {
				t.Fatalf("fee of the request filed: %+v, %v", c, err)
			}
			if es := local.Entries(); len(es) != 1 || es[0].Key != rdv.MovementKey(req.Reference, rdv.MoveAuthorize) {
				t.Fatalf("provider: %+v", es)
			}
			for _, ck := range b.cookies {
				if strings.Contains(ck.Value, "tok_from") {
					t.Fatalf("cookie %s keeps the payment token", ck.Name)
				}
			}
		})
	}
}

// TestRequestFormRefusesPayment: a payment missing, declined or given
// as a card number comes back by the payment's field, in the person's
// language, with the rest as typed and the token not shown again; no
// request is filed.
func TestRequestFormRefusesPayment(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withPaidRequests(t, s)
	tests := []struct {
		name, token, key string
	}{
		{"no payment", "", "req.err.payment_needed"},
		{"declined", fees.DeclineToken, "req.err.payment_declined"},
		{"a card number", "4111 1111 1111 1111", "req.err.payment"},
	}
	for _, tt := range tests {
		for _, lang := range []string{"fr", "en"} {
			t.Run(tt.name+"/"+lang, func(t *testing.T) {
				b := inLang(newBrowser(t, s), lang)
				form := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
				v := requestForm(lang)
				v.Set("place", "Montréal")
				v.Set("payment", tt.token)
				back := b.follow(b.post(form, "/demande", v)).want(t, http.StatusOK)
				back.contains(t, `id="f-payment-error"`, translate(lang, tt.key), `value="Julie"`)
				if tt.token != "" && strings.Contains(back.body, `value="`+tt.token+`"`) {
					t.Fatal("the payment token is shown again")
				}
			})
		}
	}
	if rs, _ := s.store.Requests(t.Context(), "", 10); len(rs) != 0 {
		t.Fatalf("%d requests filed without their payment", len(rs))
	}
	// One's own clinic is free: no payment asked (the person must be
	// signed in with a registered person to choose it, tested apart).
}

// TestRequestPageShowsReceipt: once a proposal is accepted the
// request's page shows the receipt of the fee taken, and once the clinic
// cancels, the refund's.
func TestRequestPageShowsReceipt(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			m := withMatcher(t, s)
			ref := "D-RCPT-" + strings.ToUpper(lang)
			in := storetest.MatchRequest(ref, time.Now())
			in.Fee = &rdv.RequestFee{Quote: rdv.DefaultFeeConfig().Quote(), ProviderRef: "local_test", AuthorizedAt: time.Now()}
			r, err := s.store.AddRequest(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := m.Admit(t.Context(), r); err != nil || !ok {
				t.Fatalf("no proposal (%v)", err)
			}
			token := storetest.RequestToken(ref)
			b := inLang(newBrowser(t, s), lang)
			path := requestPagePathFor(r.Reference, token)
			page := b.do(http.MethodGet, path, nil).want(t, http.StatusOK)
			if strings.Contains(page.body, `id="receipt-title"`) {
				t.Fatal("a receipt before anything was taken")
			}
			a, err := m.Accept(t.Context(), r.Reference, token, "")
			if err != nil {
				t.Fatal(err)
			}
			want := i18n.FormatMoney(rdv.DefaultFeeConfig().Quote().TotalCents, lang)
			b.do(http.MethodGet, path, nil).want(t, http.StatusOK).contains(t, `id="receipt-title"`,
				translate(lang, "fees.receipt.capture.title"), translate(lang, "fees.receipt.capture.total"), want)
			if _, _, err := s.store.Cancel(t.Context(), rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, Now: time.Now()}); err != nil {
				t.Fatal(err)
			}
			b.do(http.MethodGet, path, nil).want(t, http.StatusOK).contains(t, translate(lang, "fees.receipt.refund.title"),
				translate(lang, "fees.receipt.refund.note"))
		})
	}
}

package api

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/fees"
	"rdv/match"
	"rdv/spool"
)

// paying gives the test API the matcher and, in front of the spool, the
// finder fee taken through the built-in provider, as rdv serve wires
// them.
func paying(t *testing.T, a *testAPI) (*match.Engine, *fees.Local) {
	t.Helper()
	m := match.New(a.store, a.index, match.Config{Now: a.clock.Now}, a.log)
	sp, err := spool.Open(filepath.Join(t.TempDir(), "requests.spool"), m.Feed(a.store), spool.Options{Log: a.log})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; sp.Close() })
	local := fees.NewLocal()
	f, err := fees.New(a.store, local, rdv.DefaultFeeConfig(), a.log)
	if err != nil {
		t.Fatal(err)
	}
	a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log, Matcher: m,
		Requests: f.Acceptor(sp, spool.NewReference, a.clock.Now)})
	return m, local
}

func paidRequestBody(t *testing.T, payment string) string {
	t.Helper()
	in := map[string]any{"patient": patientJSON, "service": "general", "lat": 45.5236, "lon": -73.58, "radius_km": 5,
		"to": testStart.AddDays(2).String()}
	if payment != "" {
		in["payment_token"] = payment
	}
	return jsonOf(t, in)
}

// wantFee checks a request's fee object as the API shows it.
func wantFee(t *testing.T, got map[string]any, status rdv.ChargeStatus) {
	t.Helper()
	fee, _ := got["fee"].(map[string]any)
	total := float64(rdv.DefaultFeeConfig().Quote().TotalCents)
	if fee == nil || fee["amount_cents"] != total || fee["currency"] != "CAD" || fee["status"] != string(status) {
		t.Fatalf("fee %v, want %v CAD %s", got["fee"], total, status)
	}
}

// TestRequestFeeLife: a network request filed with its payment token
// shows its fee authorised, then captured once its proposal is accepted.
func TestRequestFeeLife(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m, local := paying(t, a)
	got := a.call(request{method: "POST", url: "/api/v1/requests", body: paidRequestBody(t, "tok_from_the_providers_form")}, 201)
	wantFee(t, got, rdv.ChargeAuthorized)
	ref, token := got["reference"].(string), got["token"].(string)
	if es := local.Entries(); len(es) != 1 || es[0].Key != rdv.MovementKey(ref, rdv.MoveAuthorize) {
		t.Fatalf("provider: %+v", es)
	}
	waitFor(t, 10*time.Second, "the request in the store", func() bool {
		_, err := a.store.RequestByReference(t.Context(), ref, auth.HashToken(token))
		return err == nil
	})
	p := a.sweptProposal(t, m, ref, token)
	wantFee(t, a.call(request{method: "GET", url: "/api/v1/requests/" + ref + "?token=" + token}, 200), rdv.ChargeAuthorized)
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/accept", body: answerBody(t, token, p["id"].(string))}, 200)
	wantFee(t, a.call(request{method: "GET", url: "/api/v1/requests/" + ref + "?token=" + token}, 200), rdv.ChargeCaptured)
}

// TestRequestFeeRefused: a network request without a payment, or whose
// payment is refused, is not filed, and the answer says why on the
// field payment_token in the person's language.
func TestRequestFeeRefused(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	paying(t, a)
	for _, tt := range []struct {
		name, payment string
		status        int
		fr, en        string
	}{
		{"no payment", "", 422,
			"Une demande dans tout le réseau (scope network) demande un paiement : payment_token, le jeton que donne le formulaire de notre fournisseur de paiement. La demande à sa propre clinique (own_clinic) est gratuite.",
			"A request across the network (scope network) needs a payment: payment_token, the token that our payment provider's form gives. A request to one's own clinic (own_clinic) is free."},
		{"declined", fees.DeclineToken, 422,
			"Le paiement a été refusé : rien n'a été pris, et la demande n'est pas enregistrée. Essayez un autre moyen de paiement.",
			"The payment was declined: nothing was taken, and the request is not filed. Try another payment method."},
		{"a card number", "4111-1111-1111-1111", 422,
			"Le jeton de paiement (payment_token) est invalide.", "The payment token (payment_token) is invalid."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for lang, want := range map[string]string{"fr": tt.fr, "en": tt.en} {
				res, raw := a.do(request{method: "POST", url: "/api/v1/requests", body: paidRequestBody(t, tt.payment),
					headers: map[string]string{"Accept-Language": lang}})
				var e struct {
					Error struct{ Message, Field string }
				}
				if err := json.Unmarshal(raw, &e); err != nil || res.StatusCode != tt.status || e.Error.Field != "payment_token" || e.Error.Message != want {
					t.Fatalf("%s: %d %s, want %d on payment_token: %q", lang, res.StatusCode, raw, tt.status, want)
				}
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // the spool would have replayed by now
	if rs, err := a.store.Requests(t.Context(), "", 10); err != nil || len(rs) != 0 {
		t.Fatalf("%d requests filed without their payment (%v)", len(rs), err)
	}
}

package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/fees"
	"rdv/i18n"
	"rdv/notify/smtptest"
	"rdv/storetest"
)

// testReceipt is the receipt of movement m of the default fee, taken at
// 9:05 on 28 November 2026 and given back an hour later, with the
// platform's GST number.
func testReceipt(t *testing.T, m rdv.ChargeMove, lang string) *fees.Receipt {
	t.Helper()
	at := time.Date(2026, time.November, 28, 14, 5, 0, 0, time.UTC)
	c := rdv.Charge{ID: 1, RequestID: 77, Reference: "D-7KQ4-M2XH-9RTB", FeeQuote: rdv.DefaultFeeConfig().Quote(),
		Status: rdv.ChargeRefunded, AuthorizedAt: at.Add(-time.Hour), CapturedAt: at, RefundedAt: at.Add(time.Hour)}
	r, err := fees.NewReceipt(c, m, rdv.FeeConfig{AmountCents: rdv.DefaultFeeCents, GSTNumber: "123456789 RT0001"}, lang)
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestRenderReceipt: a receipt's email says every line of the receipt,
// in its language only, and a receipt goes by email alone.
func TestRenderReceipt(t *testing.T) {
	t.Parallel()
	probes := frenchProbes()
	for _, tt := range []struct {
		kind  rdv.MessageKind
		move  rdv.ChargeMove
		intro string
	}{
		{rdv.MessageReceipt, rdv.MoveCapture, "notify.receipt.intro"},
		{rdv.MessageRefundReceipt, rdv.MoveRefund, "notify.refund_receipt.intro"},
	} {
		for _, lang := range []string{"fr", "en"} {
			t.Run(string(tt.kind)+"/"+lang, func(t *testing.T) {
				t.Parallel()
				f := testFacts()
				f.Receipt = testReceipt(t, tt.move, lang)
				m := testMessage(tt.kind, rdv.ByEmail, lang)
				m.Secret = ""
				e, err := Render(m, f)
				if err != nil {
					t.Fatal(err)
				}
				if e.Subject != f.Receipt.Title || len(e.Attachments) != 0 {
					t.Errorf("subject %q, %d attachments; want %q and none", e.Subject, len(e.Attachments), f.Receipt.Title)
				}
				money := func(cents int64) string { return i18n.FormatMoney(cents, lang) }
				q := rdv.DefaultFeeConfig().Quote()
				want := []string{i18n.T(lang, tt.intro), "D-7KQ4-M2XH-9RTB", money(q.FeeCents), money(q.GSTCents), money(q.QSTCents),
					money(q.TotalCents), "123456789 RT0001", f.Receipt.Note}
				for _, w := range want {
					if !strings.Contains(e.Text, w) {
						t.Errorf("text lacks %q:\n%s", w, e.Text)
					}
					if !strings.Contains(e.HTML, htmlEscape(w)) {
						t.Errorf("HTML lacks %q:\n%s", w, e.HTML)
					}
				}
				total := i18n.T(lang, "fees.detail", i18n.T(lang, "fees.receipt."+string(tt.move)+".total"), money(q.TotalCents))
				if !strings.Contains(e.Text, total) {
					t.Errorf("text lacks %q:\n%s", total, e.Text)
				}
				for part, body := range map[string]string{"subject": e.Subject, "text": e.Text, "html": e.HTML} {
					if strings.Contains(body, testNumber) || strings.Contains(body, "[[") {
						t.Errorf("%s shows the health number or misses a text:\n%s", part, body)
					}
					if lang == "fr" {
						probes.NoEnglish(t, string(tt.kind)+" "+part, body)
					}
				}
				if _, err := Render(testMessage(tt.kind, rdv.BySMS, lang), f); err == nil {
					t.Error("a receipt rendered as a text message")
				}
				f.Receipt = nil
				if _, err := Render(m, f); err == nil {
					t.Error("a receipt rendered without its receipt")
				}
			})
		}
	}
}

// TestDeliveryReceipt: a proposal accepted writes the receipt of the fee
// it took with the booking, and the receipt reaches the mail server once,
// in the request's language, with the fee and its taxes; the clinic's
// cancellation writes the refund's.
func TestDeliveryReceipt(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail), Fee: rdv.FeeConfig{AmountCents: rdv.DefaultFeeCents, QSTNumber: "1234567890 TQ0001"}}))
		ctx, now := context.Background(), time.Now()
		d.mu.Lock()
		slot := d.free[0]
		d.free = d.free[1:]
		d.mu.Unlock()
		in := storetest.MatchRequest("D-RCPT-0000-0001", now)
		in.Email, in.Language = "lea@example.org", "en"
		in.From, in.To = now, slot.Start.Add(24*time.Hour)
		in.Lat, in.Lon, in.RadiusKm = 45.5236, -73.5800, 500
		in.Service = slot.Service
		in.Fee = &rdv.RequestFee{Quote: rdv.DefaultFeeConfig().Quote(), ProviderRef: "local_test", AuthorizedAt: now}
		r, err := d.store.AddRequest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := d.store.Propose(ctx, rdv.ProposeRequest{ProposalID: "p-rcpt", RequestID: r.ID, SlotID: slot.ID, TTL: time.Hour, Now: now})
		if err != nil {
			t.Fatalf("propose: %v", err)
		}
		a, _, err := d.store.AcceptProposal(ctx, rdv.AcceptProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash, ProposalID: p.ID,
			CancelToken: "appt-link", CancelTokenHash: auth.HashToken("appt-link"), Notify: rdv.Notify{Email: true}, Now: now})
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		m := d.waitStatus(t, a.ID, rdv.MessageReceipt, rdv.MessageSent, 10*time.Second)
		var got *smtptest.Received
		for _, e := range mail.Wait(t, 2, 10*time.Second) {
			if e.Subject == m.Subject {
				got = &e
			}
		}
		if got != nil && (len(got.To) != 1 || got.To[0] != "lea@example.org") {
			t.Fatalf("receipt sent to %v", got.To)
		}
		if got == nil || got.Subject != "Receipt: appointment finder fee" || !strings.Contains(m.Body, "Total paid: "+i18n.FormatMoney(2298, "en")) ||
			!strings.Contains(m.Body, "1234567890 TQ0001") || !strings.Contains(m.Body, r.Reference) {
			t.Fatalf("receipt sent %+v, recorded %q:\n%s", got, m.Subject, m.Body)
		}
		// The clinic cancels: the refund's receipt follows.
		if _, _, err := d.store.Cancel(ctx, rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		m = d.waitStatus(t, a.ID, rdv.MessageRefundReceipt, rdv.MessageSent, 10*time.Second)
		if m.Subject != "Refund: appointment finder fee" || !strings.Contains(m.Body, "Total refunded: "+i18n.FormatMoney(2298, "en")) {
			t.Fatalf("refund's receipt recorded %q:\n%s", m.Subject, m.Body)
		}
	})
}

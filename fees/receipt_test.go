package fees_test

import (
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/fees"
	"rdv/i18n/i18ntest"
)

func receiptCharge() rdv.Charge {
	return rdv.Charge{ID: 3, RequestID: 7, Reference: "D-7KQ4-M2XH-9RTB", FeeQuote: rdv.QuoteFee(1999),
		Status: rdv.ChargeRefunded, ProviderRef: "local_ab",
		AuthorizedAt: time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC),
		CapturedAt:   time.Date(2031, time.March, 4, 15, 30, 0, 0, time.UTC), // 10 h 30 in Toronto
		RefundedAt:   time.Date(2031, time.March, 10, 13, 5, 0, 0, time.UTC), // 9 h 05, summer time
	}
}

func TestReceiptText(t *testing.T) {
	cfg := rdv.FeeConfig{AmountCents: 1999, GSTNumber: "123456789 RT0001", QSTNumber: "1234567890 TQ0001"}
	tests := []struct {
		move rdv.ChargeMove
		lang string
		want string
	}{
		{rdv.MoveCapture, "fr", "Rendez-vous santé Québec\n" +
			"Reçu : frais de recherche de rendez-vous\n\n" +
			"Demande : D-7KQ4-M2XH-9RTB\n" +
			"Payé le : mardi 4 mars 2031 à 10 h 30\n" +
			"Frais de recherche : 19,99\u00a0$\n" +
			"TPS (5\u00a0%) : 1,00\u00a0$\n" +
			"TVQ (9,975\u00a0%) : 1,99\u00a0$\n" +
			"Total payé : 22,98\u00a0$\n" +
			"N° de TPS : 123456789 RT0001\n" +
			"N° de TVQ : 1234567890 TQ0001\n\n" +
			"Les frais sont pris parce que vous avez accepté le rendez-vous proposé. Nous ne gardons aucune donnée de votre carte.\n"},
		{rdv.MoveCapture, "en", "Québec Health Appointments\n" +
			"Receipt: appointment finder fee\n\n" +
			"Request: D-7KQ4-M2XH-9RTB\n" +
			"Paid on: Tuesday, March 4, 2031 at 10:30 a.m.\n" +
			"Finder fee: $19.99\n" +
			"GST (5%): $1.00\n" +
			"QST (9.975%): $1.99\n" +
			"Total paid: $22.98\n" +
			"GST no.: 123456789 RT0001\n" +
			"QST no.: 1234567890 TQ0001\n\n" +
			"The fee is taken because you accepted the appointment offered. We keep none of your card's data.\n"},
		{rdv.MoveRefund, "fr", "Rendez-vous santé Québec\n" +
			"Remboursement : frais de recherche de rendez-vous\n\n" +
			"Demande : D-7KQ4-M2XH-9RTB\n" +
			"Remboursé le : lundi 10 mars 2031 à 9 h 05\n" +
			"Frais de recherche : 19,99\u00a0$\n" +
			"TPS (5\u00a0%) : 1,00\u00a0$\n" +
			"TVQ (9,975\u00a0%) : 1,99\u00a0$\n" +
			"Total remboursé : 22,98\u00a0$\n" +
			"N° de TPS : 123456789 RT0001\n" +
			"N° de TVQ : 1234567890 TQ0001\n\n" +
			"La clinique a annulé le rendez-vous : les frais vous sont remboursés en entier, taxes comprises, sur le moyen de paiement utilisé.\n"},
		{rdv.MoveRefund, "en", "Québec Health Appointments\n" +
			"Refund: appointment finder fee\n\n" +
			"Request: D-7KQ4-M2XH-9RTB\n" +
			"Refunded on: Monday, March 10, 2031 at 9:05 a.m.\n" +
			"Finder fee: $19.99\n" +
			"GST (5%): $1.00\n" +
			"QST (9.975%): $1.99\n" +
			"Total refunded: $22.98\n" +
			"GST no.: 123456789 RT0001\n" +
			"QST no.: 1234567890 TQ0001\n\n" +
			"The clinic cancelled the appointment: the fee is refunded in full, taxes included, to the payment method used.\n"},
	}
	english := i18ntest.English(nil)
	for _, tt := range tests {
		r, err := fees.NewReceipt(receiptCharge(), tt.move, cfg, tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Text(); got != tt.want {
			t.Errorf("%s receipt in %s:\n%s\nwant\n%s", tt.move, tt.lang, got, tt.want)
		}
		if tt.lang == "fr" {
			english.NoEnglish(t, "receipt of the "+string(tt.move), r.Text())
		}
	}
}

func TestReceiptWithoutTaxNumbers(t *testing.T) {
	r, err := fees.NewReceipt(receiptCharge(), rdv.MoveCapture, rdv.DefaultFeeConfig(), "fr")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text(), "N°") || len(r.Lines) != 6 {
		t.Fatalf("a receipt without tax numbers shows them:\n%s", r.Text())
	}
}

func TestNoReceiptForAMovementNotMade(t *testing.T) {
	c := receiptCharge()
	c.Status, c.CapturedAt, c.RefundedAt = rdv.ChargeAuthorized, time.Time{}, time.Time{}
	for _, m := range []rdv.ChargeMove{rdv.MoveCapture, rdv.MoveRefund, rdv.MoveVoid, rdv.MoveAuthorize} {
		if _, err := fees.NewReceipt(c, m, rdv.DefaultFeeConfig(), "fr"); err == nil {
			t.Errorf("a receipt of the %s of an authorized fee", m)
		}
	}
}

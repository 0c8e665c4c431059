package fees

import "rdv/i18n"

// The receipts' texts, French first, in the one set of texts (i18n), so
// that a page or a message that shows a receipt is checked for English
// like the rest. Labels end without the colon that French spaces
// (« Total : »): Text writes it.
func init() {
	i18n.Add(i18n.Catalog{
		"fees.site":   i18n.SiteName,
		"fees.detail": {"%s : %s", "%s: %s"},

		"fees.receipt.capture.title": {"Reçu : frais de recherche de rendez-vous", "Receipt: appointment finder fee"},
		"fees.receipt.refund.title":  {"Remboursement : frais de recherche de rendez-vous", "Refund: appointment finder fee"},
		"fees.receipt.request":       {"Demande", "Request"},
		"fees.receipt.capture.date":  {"Payé le", "Paid on"},
		"fees.receipt.refund.date":   {"Remboursé le", "Refunded on"},
		"fees.receipt.fee":           {"Frais de recherche", "Finder fee"},
		"fees.receipt.gst":           {"TPS (%s)", "GST (%s)"},
		"fees.receipt.qst":           {"TVQ (%s)", "QST (%s)"},
		"fees.receipt.capture.total": {"Total payé", "Total paid"},
		"fees.receipt.refund.total":  {"Total remboursé", "Total refunded"},
		"fees.receipt.gst_number":    {"N° de TPS", "GST no."},
		"fees.receipt.qst_number":    {"N° de TVQ", "QST no."},
		"fees.receipt.capture.note": {"Les frais sont pris parce que vous avez accepté le rendez-vous proposé. Nous ne gardons aucune donnée de votre carte.",
			"The fee is taken because you accepted the appointment offered. We keep none of your card's data."},
		"fees.receipt.refund.note": {"La clinique a annulé le rendez-vous : les frais vous sont remboursés en entier, taxes comprises, sur le moyen de paiement utilisé.",
			"The clinic cancelled the appointment: the fee is refunded in full, taxes included, to the payment method used."},
	})
}

package web

// Strings of the payment of a request's finder fee (the form's field and
// its refusals) and of the receipt a request's page shows.
func init() {
	addTexts(map[string]text{
		"req.payment": {"Paiement (recherche dans tout le réseau)", "Payment (search across the network)"},
		"req.payment.hint": {"Le jeton que donne le formulaire de paiement sécurisé de notre fournisseur de paiement. Nous ne recevons ni ne gardons aucun numéro de carte. Inutile pour la recherche à votre propre clinique, gratuite.",
			"The token that our payment provider's secure payment form gives. We never receive or keep any card number. Not needed to look at your own clinic, which is free."},
		"req.payment.local": {"Mode de développement : aucun argent ne circule ; tout jeton qui n'est pas un numéro de carte est accepté, et « %s » est refusé.",
			"Development mode: no money moves; any token that is not a card number is accepted, and “%s” is refused."},
		"req.err.payment_needed": {"Pour chercher dans tout le réseau, indiquez votre paiement, ou choisissez votre propre clinique (gratuit).",
			"To look across the network, give your payment, or choose your own clinic (free)."},
		"req.err.payment_declined": {"Le paiement a été refusé. Essayez un autre moyen de paiement ; rien n'a été pris.",
			"The payment was declined. Try another payment method; nothing was taken."},
		"req.err.payment_unavailable": {"Le paiement ne peut pas être traité pour le moment. Réessayez dans quelques minutes, ou choisissez votre propre clinique (gratuit).",
			"The payment cannot be processed right now. Try again in a few minutes, or choose your own clinic (free)."},
		"req.err.payment": {"Ce paiement n'est pas accepté : indiquez le jeton que donne le formulaire de paiement, jamais un numéro de carte.",
			"This payment is not accepted: give the token that the payment form gives, never a card number."},
	})
}

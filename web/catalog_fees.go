package web

// Strings of the operators' « Frais et grand livre »: the finder fees'
// movements and the totals that show the ledger balances.
func init() {
	addTexts(map[string]text{
		"ledger.title":         {"Frais et grand livre", "Fees and ledger"},
		"ledger.link":          {"Frais et grand livre : chaque mouvement des frais de recherche, et leur équilibre", "Fees and ledger: every movement of the finder fees, and how they balance"},
		"ledger.intro":         {"Chaque frais de recherche est autorisé à la demande, pris quand une proposition est acceptée, libéré si la demande expire ou est retirée, et remboursé si la clinique annule. Chaque mouvement est une ligne du grand livre.", "Each finder fee is authorized with the request, taken when a proposal is accepted, released if the request expires or is withdrawn, and refunded if the clinic cancels. Each movement is a line of the ledger."},
		"ledger.balance.title": {"Équilibre", "Balance"},
		"ledger.balanced":      {"Le grand livre est équilibré : ses totaux concordent entre eux et avec l'état de chaque frais.", "The ledger balances: its totals agree with each other and with the status of each fee."},
		"ledger.unbalanced":    {"Le grand livre n'est pas équilibré : ses totaux ne concordent pas avec l'état des frais. Signalez-le à l'équipe technique.", "The ledger does not balance: its totals disagree with the status of the fees. Report it to the technical team."},

		"ledger.total.authorized":    {"Autorisé en tout", "Authorized in all"},
		"ledger.total.held":          {"Autorisé, encore ouvert", "Authorized, still open"},
		"ledger.total.captured":      {"Pris", "Captured"},
		"ledger.total.voided":        {"Libéré sans être pris", "Voided, never taken"},
		"ledger.total.refunded":      {"Remboursé", "Refunded"},
		"ledger.total.net":           {"Net encaissé (pris moins remboursé)", "Net taken (captured less refunded)"},
		"ledger.total.net_fee":       {"dont frais de recherche", "of which finder fees"},
		"ledger.total.net_gst":       {"dont TPS (%s)", "of which GST (%s)"},
		"ledger.total.net_qst":       {"dont TVQ (%s)", "of which QST (%s)"},
		"ledger.equation.authorized": {"Autorisé %s = encore ouvert %s + pris %s + libéré %s.", "Authorized %s = still open %s + captured %s + voided %s."},
		"ledger.equation.net":        {"Net %s = pris %s − remboursé %s.", "Net %s = captured %s − refunded %s."},

		"ledger.charges.title": {"Frais par état", "Fees by status"},
		"ledger.col.status":    {"État", "Status"},
		"ledger.col.count":     {"Nombre", "Number"},
		"ledger.col.total":     {"Total, taxes comprises", "Total, taxes included"},

		"ledger.status.authorized": {"Autorisés", "Authorized"},
		"ledger.status.captured":   {"Pris", "Captured"},
		"ledger.status.voided":     {"Libérés", "Voided"},
		"ledger.status.refunded":   {"Remboursés", "Refunded"},

		"ledger.ledger.title":     {"Mouvements", "Movements"},
		"ledger.ledger.signs":     {"« Réservé » est l'argent retenu sur le moyen de paiement des patients, « Encaissé » l'argent pris ; un montant négatif le diminue. Par frais, l'encaissé fait ce que le patient a payé en fin de compte.", "“Held” is the money reserved on patients' payment methods, “Taken” the money taken; a negative amount lowers it. Per fee, what was taken sums to what the patient finally paid."},
		"ledger.newest":           {"Du plus récent au plus ancien ; mouvements par page : au plus %d.", "Newest first; movements per page: at most %d."},
		"ledger.col.at":           {"Date", "Date"},
		"ledger.col.request":      {"Demande", "Request"},
		"ledger.col.move":         {"Mouvement", "Movement"},
		"ledger.col.held":         {"Réservé", "Held"},
		"ledger.col.paid":         {"Encaissé", "Taken"},
		"ledger.col.provider":     {"Fournisseur de paiement", "Payment provider"},
		"ledger.provider.pending": {"pas encore confirmé", "not yet confirmed"},
		"ledger.move.authorize":   {"Autorisation", "Authorization"},
		"ledger.move.capture":     {"Prise", "Capture"},
		"ledger.move.void":        {"Libération", "Void"},
		"ledger.move.refund":      {"Remboursement", "Refund"},
		"ledger.none":             {"Aucun frais n'a encore été autorisé.", "No fee has been authorized yet."},
		"ledger.page.older":       {"Mouvements plus anciens", "Older movements"},
		"ledger.page.newest":      {"Retour aux plus récents", "Back to the newest"},
	})
}

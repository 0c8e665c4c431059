package web

// Strings of the waitlist of one's own clinic (waitlist.go): the ask in
// « Mes rendez-vous », the place's page, its notices.
func init() {
	addTexts(map[string]text{
		"wait.join":          {"M'offrir une place plus tôt", "Offer me an earlier time"},
		"wait.same":          {"Avec le même professionnel seulement", "With the same practitioner only"},
		"wait.hint":          {"Sans frais. Si une place plus tôt se libère à cette clinique, nous la retenons pour vous et vous écrivons; votre rendez-vous ne change que si vous l'acceptez.", "Free of charge. If an earlier time opens at this clinic, we hold it for you and write to you; your appointment changes only if you accept it."},
		"wait.waiting":       {"Sur la liste d'attente pour une place plus tôt (demande %s).", "On the waitlist for an earlier time (request %s)."},
		"wait.proposed":      {"Une place plus tôt est retenue pour vous : répondez avec le lien du message reçu.", "An earlier time is held for you: answer with the link in the message you received."},
		"wait.leave":         {"Quitter la liste d'attente", "Leave the waitlist"},
		"wait.accept_moves":  {"Accepter déplace votre rendez-vous à cette heure, sans frais; l'ancienne heure est libérée.", "Accepting moves your appointment to this time, free of charge; the old time is freed."},
		"wait.criteria.move": {"Avancer votre rendez-vous du %s (%s, %s)", "Move your appointment on %s earlier (%s, %s)"},
		"wait.criteria.same": {"Avec le même professionnel seulement", "With the same practitioner only"},

		"wait.notice.joined":  {"Vous êtes sur la liste d'attente de votre clinique. Nous vous écrirons dès qu'une place plus tôt se libère.", "You are on your clinic's waitlist. We will write to you as soon as an earlier time opens."},
		"wait.notice.left":    {"Vous avez quitté la liste d'attente. Votre rendez-vous reste inchangé.", "You left the waitlist. Your appointment is unchanged."},
		"wait.notice.already": {"Ce rendez-vous est déjà sur la liste d'attente.", "This appointment is already on the waitlist."},
		"wait.notice.ended":   {"Ce rendez-vous ne peut plus être sur la liste d'attente : il a été annulé, déplacé ou a commencé.", "This appointment can no longer be on the waitlist: it was cancelled, moved or has started."},

		"req.reason.appointment_changed": {"Rendez-vous annulé ou déplacé", "Appointment cancelled or moved"},
	})
}

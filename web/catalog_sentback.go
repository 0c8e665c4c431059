package web

// Strings of the pages that posts lead to (post/redirect/get).
func init() {
	addTexts(map[string]text{
		"req.sent.gone": {"Cette confirmation n'est plus affichée. Si vous avez envoyé une demande, elle est enregistrée : une personne vous joindra. Inutile d'en envoyer une autre.",
			"This confirmation is no longer shown. If you sent a request, it is saved: someone will contact you. There is no need to send another."},
	})
}

package web

// Strings of the page that asks to confirm a cancellation.
func init() {
	addTexts(map[string]text{
		"appt.cancel.link":          {"Annuler ce rendez-vous…", "Cancel this appointment…"},
		"appt.cancel.confirm.title": {"Annuler ce rendez-vous ?", "Cancel this appointment?"},
		"appt.cancel.confirm.intro": {"Vous êtes sur le point d'annuler ce rendez-vous :", "You are about to cancel this appointment:"},
		"appt.cancel.yes":           {"Oui, annuler", "Yes, cancel"},
		"appt.cancel.no":            {"Non, garder", "No, keep it"},
	})
}

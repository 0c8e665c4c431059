package web

// Strings of the script's improvements (the hold's countdown, "near me")
// and of rescheduling from the appointment page.
func init() {
	addTexts(map[string]text{
		"search.near.button": {"Chercher près de moi", "Search near me"},
		"search.near.here":   {"votre position", "your location"},
		"search.near.wait":   {"Recherche de votre position…", "Finding your location…"},
		"search.near.fail":   {"Votre position n'est pas disponible. Entrez plutôt une ville.", "Your location is not available. Please enter a town instead."},

		"book.countdown":      {"Temps restant : %s", "Time left: %s"},
		"book.countdown.last": {"Il reste moins d'une minute pour confirmer.", "Less than a minute left to confirm."},
		"book.countdown.gone": {"Le délai est écoulé : ce créneau n'est plus réservé pour vous. Choisissez-en un autre.", "Time is up: this time is no longer held for you. Please choose another."},

		"appt.reschedule":       {"Changer l'heure du rendez-vous", "Change the time of the appointment"},
		"resched.title":         {"Changer l'heure du rendez-vous", "Change the time of the appointment"},
		"resched.current":       {"Votre rendez-vous actuel", "Your current appointment"},
		"resched.choose":        {"Autres heures près de la même clinique", "Other times near the same clinic"},
		"resched.none":          {"Aucune autre heure n'est libre près de cette clinique pour le moment. Votre rendez-vous reste inchangé.", "No other time is free near this clinic at the moment. Your appointment is unchanged."},
		"resched.back":          {"Garder mon rendez-vous", "Keep my appointment"},
		"resched.confirm.title": {"Confirmer le changement", "Confirm the change"},
		"resched.new":           {"Nouvelle heure", "New time"},
		"resched.instead":       {"Au lieu de", "Instead of"},
		"resched.submit":        {"Confirmer la nouvelle heure", "Confirm the new time"},
		"resched.other":         {"Choisir une autre heure", "Choose another time"},
		"notice.rescheduled":    {"Votre rendez-vous a été déplacé. L'ancienne heure est libérée.", "Your appointment has been moved. The old time is freed."},
		"notice.not_changed":    {"Ce rendez-vous ne peut plus être changé en ligne. Appelez la clinique.", "This appointment can no longer be changed online. Please call the clinic."},
		"notice.hold_expired":   {"Le délai pour confirmer est écoulé : l'heure choisie n'est plus réservée pour vous. Votre rendez-vous reste inchangé; choisissez une autre heure.", "The time to confirm ran out: the chosen time is no longer held for you. Your appointment is unchanged; please choose another time."},
	})
}

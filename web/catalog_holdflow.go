package web

// Strings of the booking form's other steps: a hold already booked, a
// hold that ran out and the next free time offered in its place.
func init() {
	addTexts(map[string]text{
		"booked.title":       {"Ce rendez-vous est déjà réservé", "This appointment is already booked"},
		"booked.text":        {"Vous avez déjà confirmé ce rendez-vous. Sa page vous permet de le consulter, de le changer ou de l'annuler.", "You have already confirmed this appointment. Its page lets you see, change or cancel it."},
		"booked.cancelled":   {"Ce rendez-vous a été confirmé, puis annulé.", "This appointment was confirmed, then cancelled."},
		"booked.link":        {"Voir mon rendez-vous", "See my appointment"},
		"expired.kept":       {"Ce que vous avez saisi est gardé : vous n'aurez pas à le retaper.", "What you typed is kept: you will not have to type it again."},
		"expired.next":       {"Prochaine heure libre à cette clinique", "Next free time at this clinic"},
		"expired.hold_next":  {"Réserver cette heure", "Hold this time"},
		"expired.no_next":    {"Cette clinique n'a plus d'heure libre pour ce service.", "This clinic has no other free time for this service."},
		"expired.next_taken": {"Cette heure vient d'être prise par quelqu'un d'autre. Voici la suivante.", "Someone else has just taken that time. Here is the next one."},
	})
}

package web

// Strings of the patient pages' additions: the calendar file, more times
// at one clinic, the hold's countdown, "near me" and rescheduling.
func init() {
	addTexts(map[string]text{
		"ics.summary":     {"Rendez-vous médical : %s, %s", "Medical appointment: %s, %s"},
		"ics.description": {"Rendez-vous n° %s. Apportez votre carte d'assurance maladie.", "Appointment no. %s. Bring your health insurance card."},
		"ics.alarm":       {"Rappel : rendez-vous médical le %s, %s", "Reminder: medical appointment on %s, %s"},
		"more.title":      {"Plus d'heures à cette clinique", "More times at this clinic"},
		"more.link":       {"Plus d'heures à %s", "More times at %s"},
		"more.none":       {"Cette clinique n'a plus d'heure libre pour cette recherche.", "This clinic has no other free time for this search."},
		"more.back":       {"Retour aux résultats", "Back to the results"},
		"appt.calendar":   {"Ajouter à mon agenda (.ics)", "Add to my calendar (.ics)"},
	})
}

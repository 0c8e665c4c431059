package web

// Strings of the patient pages' additions: the calendar file, more times
// at one clinic, the hold's countdown, "near me" and rescheduling.
func init() {
	addTexts(map[string]text{
		"ics.summary":     {"Rendez-vous médical : %s, %s", "Medical appointment: %s, %s"},
		"ics.description": {"Rendez-vous n° %s. Apportez votre carte d'assurance maladie.", "Appointment no. %s. Bring your health insurance card."},
		"appt.calendar":   {"Ajouter à mon agenda (.ics)", "Add to my calendar (.ics)"},
	})
}

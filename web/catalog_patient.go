package web

// Strings of the patient pages' additions: the calendar link, more times
// at one clinic, the hold's countdown, "near me" and rescheduling.
func init() {
	addTexts(map[string]text{
		"more.title":    {"Plus d'heures à cette clinique", "More times at this clinic"},
		"more.link":     {"Plus d'heures à %s", "More times at %s"},
		"more.none":     {"Cette clinique n'a plus d'heure libre pour cette recherche.", "This clinic has no other free time for this search."},
		"more.back":     {"Retour aux résultats", "Back to the results"},
		"appt.calendar": {"Ajouter à mon agenda (.ics)", "Add to my calendar (.ics)"},
	})
}

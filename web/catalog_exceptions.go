package web

// Strings of the exceptions to a working plan, in the clinic portal.
func init() {
	addTexts(map[string]text{
		"portal.exc.title":           {"Congés et fermetures", "Leave and closures"},
		"portal.exc.list":            {"Congés et fermetures de %s", "Leave and closures of %s"},
		"portal.exc.days":            {"Jours", "Days"},
		"portal.exc.reason":          {"Motif", "Reason"},
		"portal.exc.none":            {"Aucun congé ni fermeture à venir.", "No leave or closure to come."},
		"portal.exc.all_day":         {"toute la journée", "all day"},
		"portal.exc.range":           {"du %s au %s", "from %s to %s"},
		"portal.exc.window":          {"de %s à %s", "from %s to %s"},
		"portal.exc.remove":          {"Retirer…", "Remove…"},
		"portal.exc.remove.confirm":  {"Retirer et rouvrir les plages", "Remove and reopen the times"},
		"portal.exc.add":             {"Ajouter un congé ou une fermeture", "Add leave or a closure"},
		"portal.exc.intro":           {"Un jour férié, un congé de plusieurs jours ou un après-midi fermé. Vous verrez les plages retirées avant de confirmer ; les rendez-vous pris ne sont jamais annulés.", "A public holiday, leave over several days or a closed afternoon. You will see the times withdrawn before you confirm; booked appointments are never cancelled."},
		"portal.exc.from":            {"Premier jour", "First day"},
		"portal.exc.until":           {"Dernier jour", "Last day"},
		"portal.exc.until.hint":      {"Laissez vide pour un seul jour.", "Leave empty for one day."},
		"portal.exc.hours.hint":      {"Laissez les heures vides pour toute la journée.", "Leave the hours empty for the whole day."},
		"portal.exc.preview":         {"Voir les plages retirées", "See the times withdrawn"},
		"portal.exc.confirm.title":   {"Confirmer le congé ou la fermeture de %s", "Confirm the leave or closure of %s"},
		"portal.exc.withdrawn":       {"Plages libres retirées de la réservation : %d.", "Free times withdrawn from booking: %d."},
		"portal.exc.withdrawn.none":  {"Aucune plage libre n'est retirée.", "No free time is withdrawn."},
		"portal.exc.confirm":         {"Confirmer et retirer les plages", "Confirm and withdraw the times"},
		"portal.exc.notice.added":    {"Le congé ou la fermeture est enregistré ; ses plages ne sont plus offertes.", "The leave or closure is saved; its times are no longer offered."},
		"portal.exc.notice.removed":  {"Le congé ou la fermeture est retiré ; ses plages sont de nouveau offertes.", "The leave or closure is removed; its times are offered again."},
		"portal.exc.notice.conflict": {"Des rendez-vous ont été pris dans cette période depuis l'aperçu : rien n'est changé.", "Appointments were booked in this period since the preview: nothing is changed."},
		"portal.exc.err.until":       {"Inscrivez un dernier jour après le premier, au plus un an plus tard.", "Enter a last day after the first, at most a year later."},
		"portal.exc.err.past":        {"Cette période est déjà passée.", "This period is already over."},
		"portal.exc.err.reason":      {"Inscrivez un motif plus court (200 caractères au plus).", "Enter a shorter reason (200 characters at most)."},
	})
	addPlurals(map[string]plural{
		"portal.exc.kept": {
			[2]string{"Impossible pour l'instant : %d rendez-vous pris ou en cours de réservation tombe dans cette période. Déplacez-le ou annulez-le d'abord depuis l'agenda ; une fermeture n'annule jamais un rendez-vous.",
				"Impossible pour l'instant : %d rendez-vous pris ou en cours de réservation tombent dans cette période. Déplacez-les ou annulez-les d'abord depuis l'agenda ; une fermeture n'annule jamais un rendez-vous."},
			[2]string{"Not possible yet: %d booked or being-booked appointment falls in this period. Move or cancel it first from the agenda; a closure never cancels an appointment.",
				"Not possible yet: %d booked or being-booked appointments fall in this period. Move or cancel them first from the agenda; a closure never cancels an appointment."},
		},
	})
}

package web

// Strings of the clinic's cancellations at the desk and of the staff
// booking form.
func init() {
	addTexts(map[string]text{
		"portal.notice.cancelled":     {"Le rendez-vous est annulé et la plage est de nouveau offerte.", "The appointment is cancelled and the time is offered again."},
		"portal.notice.not_cancelled": {"Ce rendez-vous ne peut plus être annulé : il est commencé ou la visite est déjà notée.", "This appointment can no longer be cancelled: it has started or the visit is already recorded."},
		"portal.cancel":               {"Annuler…", "Cancel…"},
		"portal.cancel.confirm":       {"Confirmer l'annulation", "Confirm the cancellation"},
		"portal.book.contact.hint":    {"Un téléphone ou un courriel, pour joindre la personne au besoin.", "A phone number or an email, to reach the person if needed."},
		"portal.cancel.label":         {"Annuler le rendez-vous de %s", "Cancel %s's appointment"},
		"portal.notice.too_early":     {"Ce rendez-vous est à venir : l'arrivée, la visite ou l'absence se notent à partir du jour du rendez-vous.", "This appointment is still to come: arrival, visit or no-show can be recorded from the day of the appointment on."},
	})
}

package admission

import "rdv/i18n"

// The refusals' texts, by status: what a person reads when the service
// turns a request away. The link home is the site's own (i18n.BackHome).
func init() {
	i18n.Add(i18n.Catalog{
		"refusal.503.title":   i18n.Busy,
		"refusal.503.message": {"Le service reçoit beaucoup de demandes en ce moment. Votre demande n'a pas été traitée : réessayez dans quelques secondes.", "The service is receiving many requests right now. Your request was not processed: please try again in a few seconds."},
		"refusal.429.title":   {"Trop de demandes", "Too many requests"},
		"refusal.429.message": {"Nous avons reçu trop de demandes de votre part en peu de temps. Réessayez dans quelques secondes.", "We received too many requests from you in a short time. Please try again in a few seconds."},
	})
}

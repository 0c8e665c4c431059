package fhir

import (
	"rdv"
	"rdv/i18n"
)

// The FHIR API's texts, in the site's one set under "fhir.": what each
// OperationOutcome says, French first.
func init() {
	i18n.Add(i18n.Catalog{
		"fhir.error." + rdv.EBADREQUEST:   {"La requête est mal formée : ce n'est pas une ressource FHIR en JSON attendue ici.", "The request is malformed: it is not a FHIR JSON resource this operation takes."},
		"fhir.error." + rdv.ENOTFOUND:     {"Ressource introuvable.", "Resource not found."},
		"fhir.error." + rdv.ESLOTTAKEN:    {"Cette plage horaire vient d'être prise. Cherchez-en une autre ($find).", "This slot was just taken. Find another one ($find)."},
		"fhir.error." + rdv.ECONFLICT:     {"La demande entre en conflit avec l'état actuel du rendez-vous.", "The request conflicts with the appointment's current state."},
		"fhir.error." + rdv.ETOOEARLY:     {"Ce rendez-vous est à venir : son statut se note à partir de son jour.", "This appointment is still to come: its status can be recorded from its day on."},
		"fhir.error." + rdv.EGONE:         {"La réservation temporaire a expiré. Retenez de nouveau une plage horaire ($hold).", "The hold has expired. Hold a slot again ($hold)."},
		"fhir.error." + rdv.ETOOLARGE:     {"La requête est trop volumineuse.", "The request is too large."},
		"fhir.error." + rdv.EINVALID:      {"Une valeur est invalide.", "A value is invalid."},
		"fhir.error." + rdv.EIDEMPOTENCY:  {"Cette clé d'idempotence a déjà servi pour une autre requête.", "This idempotency key was already used for another request."},
		"fhir.error." + rdv.ETOOMANYHOLDS: {"Trop de plages horaires sont retenues en même temps depuis votre adresse. Réservez-en une ou attendez qu'elles expirent.", "Too many slots are held at once from your address. Book one or wait for them to expire."},
		"fhir.error." + rdv.EFORBIDDEN:    {"Accès refusé.", "Access denied."},
		"fhir.error." + rdv.EUNAVAILABLE:  {"Le service est momentanément indisponible. Réessayez dans un instant.", "The service is temporarily unavailable. Please try again shortly."},
		"fhir.error." + rdv.EINTERNAL:     {"Une erreur interne est survenue. Réessayez plus tard.", "An internal error occurred. Please try again later."},
		"fhir.error." + rdv.EUNAUTHORIZED: {"Les rendez-vous se lisent avec leur jeton (token), la session du personnel de leur clinique ou un jeton d'API valide de la clinique (Authorization: Bearer).", "Appointments are read with their token, a session of their clinic's staff, or a live API token of the clinic (Authorization: Bearer)."},

		"fhir.invalid":           {"La valeur de %s est invalide.", "The value of %s is invalid."},
		"fhir.param.unsupported": {"Le paramètre %s n'est pas pris en charge ici (voir /fhir/metadata).", "The parameter %s is not supported here (see /fhir/metadata)."},
		"fhir.param.invalid":     {"La valeur du paramètre %s est invalide.", "The value of the parameter %s is invalid."},
		"fhir.media":             {"Envoyez une ressource FHIR en JSON (Content-Type: application/fhir+json).", "Send a FHIR JSON resource (Content-Type: application/fhir+json)."},
		"fhir.read_only":         {"La plateforme est en lecture seule pour le moment : les réservations reprendront sous peu. La recherche fonctionne.", "The platform is read-only for now: bookings will resume shortly. Search still works."},
		"fhir.route":             {"Cette adresse ne correspond à aucune interaction de ce serveur FHIR (voir /fhir/metadata).", "This address matches no interaction of this FHIR server (see /fhir/metadata)."},
		"fhir.book.status":       {"Pour réserver, l'Appointment est en attente (pending, après $hold) ou proposé (proposed, après $find) ; pour annuler, il est annulé (cancelled).", "To book, the Appointment is pending (after $hold) or proposed (after $find); to cancel, it is cancelled."},
		"fhir.hold.until":        {"La plage est retenue jusqu'à %s (%s min) : réservez-la d'ici là ($book).", "The slot is held until %s (%s min): book it by then ($book)."},
		"fhir.patient.to_come":   {"Patient à indiquer à la réservation", "Patient to be given at booking"},
		"fhir.token.scope":       {"Ce jeton d'API n'a pas la portée %s que demande cette interaction.", "This API token lacks the scope %s this interaction needs."},
		"fhir.token.clinic":      {"Un jeton d'API réserve les plages de sa clinique seulement.", "An API token books its own clinic's slots only."},
		"fhir.book.patient":      {"Indiquez le patient (paramètre patient-resource) pour réserver.", "Give the patient (the patient-resource parameter) to book."},

		// A staff session that opens nothing through FHIR.
		"fhir.session.second_factor": {"Votre rôle exige une vérification en deux étapes, et cette session a été ouverte avec le mot de passe seul : reconnectez-vous avec votre deuxième étape.", "Your role requires two-step verification, and this session was opened with the password alone: sign in again with your second step."},
	})
}

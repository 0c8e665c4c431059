package api

import (
	"rdv"
	"rdv/i18n"
)

// The API's texts, in the site's one set under "api.": a message per error
// code, a name per input field (with its article in French), the
// sentences that name a field, and the reasons the domain gives.
func init() {
	i18n.Add(i18n.Catalog{
		"api.error." + rdv.EBADREQUEST:   {"La requête est mal formée.", "The request is malformed."},
		"api.error." + rdv.ENOTFOUND:     {"Introuvable.", "Not found."},
		"api.error." + rdv.ESLOTTAKEN:    {"Cette plage horaire vient d'être prise. Choisissez-en une autre.", "This time slot was just taken. Please choose another one."},
		"api.error." + rdv.ECONFLICT:     {"La demande entre en conflit avec l'état actuel. Réessayez.", "The request conflicts with the current state. Please try again."},
		"api.error." + rdv.EGONE:         {"La réservation temporaire a expiré. Choisissez de nouveau une plage horaire.", "The hold has expired. Please choose a time slot again."},
		"api.error." + rdv.ETOOLARGE:     {"La requête est trop volumineuse.", "The request is too large."},
		"api.error." + rdv.EINVALID:      {"Une donnée est invalide.", "A field is invalid."},
		"api.error." + rdv.EIDEMPOTENCY:  {"Cette clé d'idempotence a déjà servi pour une autre requête.", "This idempotency key was already used for another request."},
		"api.error." + rdv.ETOOMANYHOLDS: {"Vous avez trop de plages horaires retenues en même temps. Confirmez-en une ou attendez qu'elles expirent.", "You are holding too many time slots at once. Confirm one or wait for them to expire."},
		"api.error." + rdv.EFORBIDDEN:    {"Accès refusé.", "Access denied."},
		"api.error." + rdv.EUNAVAILABLE:  {"Le service est momentanément indisponible. Réessayez dans un instant.", "The service is temporarily unavailable. Please try again shortly."},
		"api.error." + rdv.ETOOEARLY:     {"Ce rendez-vous est à venir : son statut se note à partir du jour du rendez-vous.", "This appointment is still to come: its status can be recorded from the day of the appointment on."},
		"api.error." + rdv.EINTERNAL:     {"Une erreur interne est survenue. Réessayez plus tard.", "An internal error occurred. Please try again later."},
		"api.error." + rdv.EUNAUTHORIZED: {"Connectez-vous pour accéder à cette ressource.", "Sign in to use this resource."},

		"api.invalid":          {"%s est invalide.", "The %s is invalid."},
		"api.invalid.guardian": {"%s du parent ou tuteur est invalide.", "The guardian's %s is invalid."},
		"api.control":          {"%s contient un caractère invisible de contrôle ou de direction du texte, qui n'est pas permis.", "The %s contains an invisible control or text-direction character, which is not allowed."},
		"api.control.guardian": {"%s du parent ou tuteur contient un caractère invisible de contrôle ou de direction du texte, qui n'est pas permis.", "The guardian's %s contains an invisible control or text-direction character, which is not allowed."},

		"api.field.unknown":         {"Le champ « %s »", "field “%s”"},
		"api.field.first_name":      {"Le prénom", "first name"},
		"api.field.last_name":       {"Le nom de famille", "last name"},
		"api.field.birth_date":      {"La date de naissance", "birth date"},
		"api.field.health_number":   {"Le numéro d'assurance maladie", "health insurance number"},
		"api.field.phone":           {"Le numéro de téléphone", "phone number"},
		"api.field.email":           {"L'adresse courriel", "email address"},
		"api.field.language":        {"La langue", "language"},
		"api.field.relationship":    {"Le lien avec l'enfant", "relationship"},
		"api.field.hold_id":         {"L'identifiant de la réservation temporaire", "hold ID"},
		"api.field.slot_id":         {"L'identifiant de la plage horaire", "slot ID"},
		"api.field.token":           {"Le jeton d'annulation", "cancellation token"},
		"api.field.patient":         {"Le patient", "patient"},
		"api.field.guardian":        {"Le parent ou tuteur", "guardian"},
		"api.field.Idempotency-Key": {"L'en-tête Idempotency-Key", "Idempotency-Key header"},
		"api.field.near":            {"Le point de recherche (near)", "search point (near)"},
		"api.field.place":           {"Le lieu (place)", "place"},
		"api.field.radius_km":       {"Le rayon de recherche (radius_km)", "search radius (radius_km)"},
		"api.field.service":         {"Le service", "service"},
		"api.field.from":            {"La date de début (from)", "start date (from)"},
		"api.field.to":              {"La date de fin (to)", "end date (to)"},
		"api.field.limit":           {"Le nombre de résultats (limit)", "number of results (limit)"},
		"api.field.per_clinic":      {"Le nombre de résultats par clinique (per_clinic)", "results per clinic (per_clinic)"},
		"api.field.weekdays":        {"Les jours de la semaine (weekdays)", "weekdays"},
		"api.field.times":           {"Les heures (times)", "times of day (times)"},
		"api.field.q":               {"Le texte recherché (q)", "search text (q)"},
		"api.field.date":            {"Le premier jour de l'exception (date)", "first day of the exception (date)"},
		"api.field.until":           {"Le dernier jour de l'exception (until)", "last day of the exception (until)"},
		"api.field.start":           {"L'heure de début (start)", "start time (start)"},
		"api.field.end":             {"L'heure de fin (end)", "end time (end)"},
		"api.field.reason":          {"Le motif (reason)", "reason"},
		"api.field.all_day":         {"La journée entière (all_day)", "whole day (all_day)"},
		"api.field.availability":    {"La description de vos disponibilités", "description of when you are free"},
		"api.field.lat":             {"La latitude", "latitude"},
		"api.field.lon":             {"La longitude", "longitude"},

		"api.reason.health_number_name": {"Le numéro d'assurance maladie ne correspond pas au nom : ses lettres sont les trois premières du nom de famille et la première du prénom, comme sur la carte.",
			"The health insurance number does not match the name: its letters are the first three of the last name and the first of the first name, as on the card."},
		"api.reason.health_number_name.guardian": {"Le numéro d'assurance maladie du parent ou tuteur ne correspond pas à son nom : ses lettres sont les trois premières du nom de famille et la première du prénom, comme sur la carte.",
			"The guardian's health insurance number does not match the guardian's name: its letters are the first three of the last name and the first of the first name, as on the card."},
		"api.reason.pediatric_age": {"La pédiatrie est réservée aux patients de moins de 18 ans le jour du rendez-vous.",
			"Pediatrics is for patients under 18 on the day of the appointment."},
		"api.reason.guardian_required": {"Un patient de moins de 14 ans ne prend pas rendez-vous seul : indiquez le parent ou tuteur (guardian) avec son lien (relationship) et un téléphone ou un courriel.",
			"A patient under 14 cannot book alone: give the parent or guardian (guardian) with the relationship and a phone number or an email."},
		"api.reason.guardian_adult": {"Un patient de 18 ans ou plus prend rendez-vous lui-même : n'indiquez pas de parent ou tuteur.",
			"A patient 18 or older books for themselves: give no guardian."},
		"api.reason.relationship": {"Le lien du parent ou tuteur doit être parent, legal_guardian ou other.",
			"The guardian's relationship must be parent, legal_guardian or other."},
		"api.reason.newborn_number": {"Un nouveau-né sans carte se réserve avec le numéro d'assurance maladie du parent ou tuteur : indiquez-le dans guardian.health_number.",
			"A newborn without a card is booked with the guardian's health insurance number: give it in guardian.health_number."},
		"api.reason.no_card_number": {"Une visite sans carte ne porte pas de numéro d'assurance maladie.",
			"A visit without a card carries no health insurance number."},
		"api.reason.health_number_birth_date":          {"Le numéro d'assurance maladie ne correspond pas à la date de naissance.", "The health insurance number does not match the date of birth."},
		"api.reason.health_number_birth_date.guardian": {"Le numéro d'assurance maladie du parent ou tuteur ne correspond pas à sa date de naissance.", "The guardian's health insurance number does not match the guardian's date of birth."},

		"api.staff.no_session": {"Connectez-vous avec un compte du personnel de la clinique pour accéder à cette ressource.",
			"Sign in with a clinic staff account to use this resource."},
		"api.staff.csrf": {"L'en-tête X-CSRF-Token est absent ou ne correspond pas à votre session. Rechargez la page et réessayez.",
			"The X-CSRF-Token header is missing or does not match your session. Reload the page and try again."},
		"api.staff.not_clinic_admin": {"Seuls les administrateurs de cette clinique peuvent gérer les exceptions à l'horaire de ses praticiens.",
			"Only this clinic's administrators can manage its practitioners' schedule exceptions."},

		"api.place.outside": {"Ce code postal (place) n'est pas au Québec : entrez un code postal qui commence par G, H ou J, ou le nom d'une ville.",
			"This postal code (place) is not in Québec: use a postal code starting with G, H or J, or a town's name."},
		"api.place.unknown": {"Ce code postal (place) ne peut pas encore être situé : entrez plutôt le nom d'une ville.",
			"This postal code (place) cannot be placed yet: use a town's name instead."},

		"api.exception.blocked": {"Des rendez-vous ou des plages retenues se trouvent dans cette exception (voir blocking) : déplacez-les ou annulez-les d'abord, puis réessayez.",
			"Appointments or held slots lie inside this exception (see blocking): move or cancel them first, then try again."},
	})
}

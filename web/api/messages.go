package api

import (
	"strings"

	"rdv"
)

// text is a message in both languages.
type text struct{ fr, en string }

func (t text) in(lang string) string {
	if lang == "en" {
		return t.en
	}
	return t.fr
}

// messages are what people read for each error code.
var messages = map[string]text{
	rdv.EBADREQUEST:   {"La requête est mal formée.", "The request is malformed."},
	rdv.ENOTFOUND:     {"Introuvable.", "Not found."},
	rdv.ESLOTTAKEN:    {"Cette plage horaire vient d'être prise. Choisissez-en une autre.", "This time slot was just taken. Please choose another one."},
	rdv.ECONFLICT:     {"La demande entre en conflit avec l'état actuel. Réessayez.", "The request conflicts with the current state. Please try again."},
	rdv.EGONE:         {"La réservation temporaire a expiré. Choisissez de nouveau une plage horaire.", "The hold has expired. Please choose a time slot again."},
	rdv.ETOOLARGE:     {"La requête est trop volumineuse.", "The request is too large."},
	rdv.EINVALID:      {"Une donnée est invalide.", "A field is invalid."},
	rdv.EIDEMPOTENCY:  {"Cette clé d'idempotence a déjà servi pour une autre requête.", "This idempotency key was already used for another request."},
	rdv.ETOOMANYHOLDS: {"Vous avez trop de plages horaires retenues en même temps. Confirmez-en une ou attendez qu'elles expirent.", "You are holding too many time slots at once. Confirm one or wait for them to expire."},
	rdv.EFORBIDDEN:    {"Accès refusé.", "Access denied."},
	rdv.EUNAVAILABLE:  {"Le service est momentanément indisponible. Réessayez dans un instant.", "The service is temporarily unavailable. Please try again shortly."},
	rdv.ETOOEARLY:     {"Ce rendez-vous est à venir : son statut se note à partir du jour du rendez-vous.", "This appointment is still to come: its status can be recorded from the day of the appointment on."},
	rdv.EINTERNAL:     {"Une erreur interne est survenue. Réessayez plus tard.", "An internal error occurred. Please try again later."},
	rdv.EUNAUTHORIZED: {"Connectez-vous pour accéder à cette ressource.", "Sign in to use this resource."},
}

// fieldNames name input fields in words, with their article in French.
var fieldNames = map[string]text{
	"first_name":      {"Le prénom", "first name"},
	"last_name":       {"Le nom de famille", "last name"},
	"birth_date":      {"La date de naissance", "birth date"},
	"health_number":   {"Le numéro d'assurance maladie", "health insurance number"},
	"phone":           {"Le numéro de téléphone", "phone number"},
	"email":           {"L'adresse courriel", "email address"},
	"language":        {"La langue", "language"},
	"relationship":    {"Le lien avec l'enfant", "relationship"},
	"hold_id":         {"L'identifiant de la réservation temporaire", "hold ID"},
	"slot_id":         {"L'identifiant de la plage horaire", "slot ID"},
	"token":           {"Le jeton d'annulation", "cancellation token"},
	"patient":         {"Le patient", "patient"},
	"guardian":        {"Le parent ou tuteur", "guardian"},
	"Idempotency-Key": {"L'en-tête Idempotency-Key", "Idempotency-Key header"},
	"near":            {"Le point de recherche (near)", "search point (near)"},
	"place":           {"Le lieu (place)", "place"},
	"radius_km":       {"Le rayon de recherche (radius_km)", "search radius (radius_km)"},
	"service":         {"Le service", "service"},
	"from":            {"La date de début (from)", "start date (from)"},
	"to":              {"La date de fin (to)", "end date (to)"},
	"limit":           {"Le nombre de résultats (limit)", "number of results (limit)"},
	"per_clinic":      {"Le nombre de résultats par clinique (per_clinic)", "results per clinic (per_clinic)"},
	"weekdays":        {"Les jours de la semaine (weekdays)", "weekdays"},
	"times":           {"Les heures (times)", "times of day (times)"},
	"q":               {"Le texte recherché (q)", "search text (q)"},
	"date":            {"Le premier jour de l'exception (date)", "first day of the exception (date)"},
	"until":           {"Le dernier jour de l'exception (until)", "last day of the exception (until)"},
	"start":           {"L'heure de début (start)", "start time (start)"},
	"end":             {"L'heure de fin (end)", "end time (end)"},
	"reason":          {"Le motif (reason)", "reason"},
	"all_day":         {"La journée entière (all_day)", "whole day (all_day)"},
}

// message returns the message for an error code in lang. Invalid fields
// are named in words: "Le numéro d'assurance maladie est invalide."
func message(lang, code, field string) string {
	if code == rdv.EINVALID && field != "" {
		return fieldMessage(lang, field)
	}
	t, ok := messages[code]
	if !ok {
		t = messages[rdv.EINTERNAL]
	}
	return t.in(lang)
}

func fieldMessage(lang, field string) string {
	owner, name, nested := strings.Cut(field, ".")
	if !nested {
		owner, name = "", field
	}
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i] // blocks[0].service: name the first level only
	}
	n, ok := fieldNames[name]
	if !ok {
		n = text{"Le champ « " + field + " »", "field “" + field + "”"}
	}
	if lang == "en" {
		who := "The "
		if owner == "guardian" {
			who = "The guardian's "
		}
		return who + n.en + " is invalid."
	}
	fr := n.fr
	if owner == "guardian" {
		fr += " du parent ou tuteur"
	}
	return fr + " est invalide."
}

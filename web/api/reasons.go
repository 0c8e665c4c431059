package api

import (
	"errors"
	"strings"

	"rdv"
)

// reasonMessage says why a field was refused when the domain names the
// reason (a health number that is not the name's or the birth date's),
// so that a person knows what to correct, not only which field.
func reasonMessage(lang string, err error) (string, bool) {
	if errors.Is(err, rdv.ErrControlCharacter) {
		return controlMessage(lang, rdv.ErrorField(err)), true
	}
	owner := "patient"
	if strings.HasPrefix(rdv.ErrorField(err), "guardian.") {
		owner = "guardian"
	}
	for _, m := range reasonMessages {
		if errors.Is(err, m.err) {
			return m.t[owner].in(lang), true
		}
	}
	return "", false
}

// controlMessage names the field that holds a control character.
func controlMessage(lang, field string) string {
	owner, name, nested := strings.Cut(field, ".")
	if !nested {
		owner, name = "", field
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
		return who + n.en + " contains an invisible control or text-direction character, which is not allowed."
	}
	fr := n.fr
	if owner == "guardian" {
		fr += " du parent ou tuteur"
	}
	return fr + " contient un caractère invisible de contrôle ou de direction du texte, qui n'est pas permis."
}

var reasonMessages = []struct {
	err error
	t   map[string]text // by whose field it is
}{
	{rdv.ErrHealthNumberName, map[string]text{
		"patient": {"Le numéro d'assurance maladie ne correspond pas au nom : ses lettres sont les trois premières du nom de famille et la première du prénom, comme sur la carte.",
			"The health insurance number does not match the name: its letters are the first three of the last name and the first of the first name, as on the card."},
		"guardian": {"Le numéro d'assurance maladie du parent ou tuteur ne correspond pas à son nom : ses lettres sont les trois premières du nom de famille et la première du prénom, comme sur la carte.",
			"The guardian's health insurance number does not match the guardian's name: its letters are the first three of the last name and the first of the first name, as on the card."},
	}},
	{rdv.ErrPediatricAge, both(text{"La pédiatrie est réservée aux patients de moins de 18 ans le jour du rendez-vous.",
		"Pediatrics is for patients under 18 on the day of the appointment."})},
	{rdv.ErrGuardianRequired, both(text{"Un patient de moins de 14 ans ne prend pas rendez-vous seul : indiquez le parent ou tuteur (guardian) avec son lien (relationship) et un téléphone ou un courriel.",
		"A patient under 14 cannot book alone: give the parent or guardian (guardian) with the relationship and a phone number or an email."})},
	{rdv.ErrGuardianAdult, both(text{"Un patient de 18 ans ou plus prend rendez-vous lui-même : n'indiquez pas de parent ou tuteur.",
		"A patient 18 or older books for themselves: give no guardian."})},
	{rdv.ErrRelationship, both(text{"Le lien du parent ou tuteur doit être parent, legal_guardian ou other.",
		"The guardian's relationship must be parent, legal_guardian or other."})},
	{rdv.ErrNewbornNumber, both(text{"Un nouveau-né sans carte se réserve avec le numéro d'assurance maladie du parent ou tuteur : indiquez-le dans guardian.health_number.",
		"A newborn without a card is booked with the guardian's health insurance number: give it in guardian.health_number."})},
	{rdv.ErrNoCardNumber, both(text{"Une visite sans carte ne porte pas de numéro d'assurance maladie.",
		"A visit without a card carries no health insurance number."})},
	{rdv.ErrHealthNumberBirthDate, map[string]text{
		"patient":  {"Le numéro d'assurance maladie ne correspond pas à la date de naissance.", "The health insurance number does not match the date of birth."},
		"guardian": {"Le numéro d'assurance maladie du parent ou tuteur ne correspond pas à sa date de naissance.", "The guardian's health insurance number does not match the guardian's date of birth."},
	}},
}

// both is a reason said the same whoever's field it is.
func both(t text) map[string]text { return map[string]text{"patient": t, "guardian": t} }

package api

import (
	"errors"
	"strings"

	"rdv"
	"rdv/fees"
	"rdv/i18n"
)

// reasonMessage says why a field was refused when the domain names the
// reason (a health number that is not the name's or the birth date's),
// so that a person knows what to correct, not only which field.
func reasonMessage(lang string, err error) (string, bool) {
	if errors.Is(err, rdv.ErrControlCharacter) {
		return fieldSentence(lang, "api.control", rdv.ErrorField(err), false), true
	}
	guardian := strings.HasPrefix(rdv.ErrorField(err), "guardian.")
	for _, r := range reasons {
		if !errors.Is(err, r.err) {
			continue
		}
		key := "api.reason." + r.key
		if _, own := i18n.Lookup(key + ".guardian"); guardian && own {
			key += ".guardian" // said of the guardian's own name or birth date
		}
		return i18n.T(lang, key), true
	}
	return "", false
}

// reasons are the domain's reasons with the key of their text (texts.go).
var reasons = []struct {
	err error
	key string
}{
	{rdv.ErrHealthNumberName, "health_number_name"},
	{rdv.ErrPediatricAge, "pediatric_age"},
	{rdv.ErrGuardianRequired, "guardian_required"},
	{rdv.ErrGuardianAdult, "guardian_adult"},
	{rdv.ErrRelationship, "relationship"},
	{rdv.ErrNewbornNumber, "newborn_number"},
	{rdv.ErrNoCardNumber, "no_card_number"},
	{rdv.ErrHealthNumberBirthDate, "health_number_birth_date"},
	{rdv.ErrNoDestination, "no_destination"},
	{errProposalGone, "proposal_gone"},
	{errNoProposal, "no_proposal"},
	{errRequestEnded, "request_ended"},
	{errNoMatcherServed, "no_matcher"},
	{fees.ErrPaymentNeeded, "payment_needed"},
	{fees.ErrDeclined, "payment_declined"},
}

package web

import (
	"net/http"
	"slices"

	"rdv"
)

// What « Mon compte » shows of a patient's rights (Law 25): the history of
// their consent to each channel, which the store records in the
// transaction of each choice; the link that downloads all their data
// (GET /api/v1/me/export, package web/api); and the link to close the
// account (account_close.go).

// consentRow is one choice of a channel, as the page shows it.
type consentRow struct {
	At, Channel, Choice string
}

// consentRows reads the account's choices, the latest first. The history
// is a record, not the choice itself: a read that fails leaves the page
// without it rather than without the account's form.
func (s *Server) consentRows(r *http.Request, accountID int64) []consentRow {
	lang := langOf(r.Context())
	cs, err := s.d.Store.ConsentRecords(r.Context(), accountID)
	if err != nil {
		s.log.WarnContext(r.Context(), "consent history unread", "err", err)
		return nil
	}
	out := make([]consentRow, 0, len(cs))
	for _, c := range slices.Backward(cs) {
		choice := "privacy.consents.withdrawn"
		if c.Given {
			choice = "privacy.consents.given"
		}
		out = append(out, consentRow{At: FormatDateTime(c.At, lang), Channel: translate(lang, "privacy.channel."+string(c.Channel)),
			Choice: translate(lang, choice)})
	}
	return out
}

// patientName is an appointment's patient as the clinic's pages name
// them: a removed patient once their account was closed.
func patientName(p rdv.Patient, lang string) string {
	if p.RemovedPatient() {
		return translate(lang, "privacy.removed_patient")
	}
	return p.FirstName + " " + p.LastName
}

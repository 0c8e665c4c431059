package fhir

import (
	"net/http"
	"time"

	"rdv"
	"rdv/auth"
)

// Party is who a request reads and changes a clinic's appointments for:
// the clinic's staff, or a record system acting for the clinic.
type Party struct {
	ClinicID int64
}

// Authorizer finds the party r speaks for. ok is false when r names
// none: then appointments open only with their own tokens. An error is
// a failure to find out (the store unreachable), never a refusal.
//
// It is the one hook between FHIR and the ways a clinic proves itself:
// the staff pages' sessions today (StaffSessions), a clinic's API token
// with its agenda scope when the tokens come; AnyOf tries several.
type Authorizer func(r *http.Request) (p Party, ok bool, err error)

// StaffSessions is the Authorizer of the staff pages' sessions: a clinic's
// receptionist or admin signed in acts for that clinic. Phone agents and
// operators work across clinics and read no clinic's agenda through FHIR.
func StaffSessions(store rdv.AccountStore) Authorizer {
	return func(r *http.Request) (Party, bool, error) {
		c, err := r.Cookie(auth.CookieName(r, auth.SessionCookie))
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			return Party{}, false, nil
		}
		_, a, err := store.SessionByTokenHash(r.Context(), auth.HashToken(c.Value), time.Now())
		switch {
		case rdv.ErrorCode(err) == rdv.ENOTFOUND:
			return Party{}, false, nil
		case err != nil:
			return Party{}, false, err
		case !a.Role.ClinicBound() || a.ClinicID <= 0:
			return Party{}, false, nil
		}
		return Party{ClinicID: a.ClinicID}, true, nil
	}
}

// AnyOf is the party of the first Authorizer that finds one.
func AnyOf(as ...Authorizer) Authorizer {
	return func(r *http.Request) (Party, bool, error) {
		for _, a := range as {
			if p, ok, err := a(r); err != nil || ok {
				return p, ok, err
			}
		}
		return Party{}, false, nil
	}
}

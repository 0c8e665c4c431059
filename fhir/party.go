package fhir

import (
	"net/http"
	"slices"
	"time"

	"rdv"
	"rdv/auth"
)

// Party is who a request reads and changes a clinic's appointments for:
// the clinic's staff, or a record system acting for the clinic with one
// of its API tokens.
type Party struct {
	ClinicID int64
	// Token is the clinic's API token the party came with; nil for the
	// staff's session, whose role opens the clinic's whole agenda.
	Token *rdv.ClinicToken
	// StaffID is the staff account of the session, for the audit trail.
	StaffID int64
}

// may reports whether the party may do what scope names: staff always,
// a token when it carries the scope.
func (p Party) may(scope rdv.TokenScope) bool { return p.Token == nil || p.Token.Has(scope) }

// books reports whether the party books for its clinic: a token with
// appointments:write. Its holds are then counted by token, not by the
// address (a record system books for many patients from one), and it
// may take the slots kept for the clinic's rostered patients.
func (p Party) books() bool { return p.Token != nil && p.Token.Has(rdv.ScopeAppointmentsWrite) }

// client is the key the party's holds are counted under.
func (p Party) client() string {
	if p.Token == nil {
		return ""
	}
	return "token:" + idOf(p.Token.ID)
}

// Authorizer finds the party r speaks for. ok is false when r names
// none: then appointments open only with their own tokens. An error is
// a failure to find out (the store unreachable), or credentials that r
// carries and that open nothing (an unknown or revoked API token,
// EUNAUTHORIZED): a request that says who it is never falls back to
// being nobody.
//
// It is the one hook between FHIR and the ways a clinic proves itself:
// the staff pages' sessions (StaffSessions) and a clinic's API tokens
// (ClinicTokens); AnyOf tries several.
type Authorizer func(r *http.Request) (p Party, ok bool, err error)

// StaffSessions is the Authorizer of the staff pages' sessions: a clinic's
// receptionist or admin signed in acts for that clinic. Phone agents and
// operators work across clinics and read no clinic's agenda through FHIR.
// An admin's session opened by the password alone opens nothing here, as
// on the pages (rdv.Role.RequiresSecondFactor): it is refused (403), not
// taken for nobody, so that the admin learns why.
func StaffSessions(store rdv.AccountStore) Authorizer {
	return func(r *http.Request) (Party, bool, error) {
		c, err := r.Cookie(auth.CookieName(r, auth.SessionCookie))
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			return Party{}, false, nil
		}
		se, a, err := store.SessionByTokenHash(r.Context(), auth.HashToken(c.Value), time.Now())
		switch {
		case rdv.ErrorCode(err) == rdv.ENOTFOUND:
			return Party{}, false, nil
		case err != nil:
			return Party{}, false, err
		case !a.Role.ClinicBound() || a.ClinicID <= 0:
			return Party{}, false, nil
		case a.Role.RequiresSecondFactor() && !se.SecondFactor:
			return Party{}, false, errSecondFactor
		}
		return Party{ClinicID: a.ClinicID, StaffID: a.ID}, true, nil
	}
}

// TokenFinder returns the clinic's live API token r carries (in its
// Authorization header). carried is false when r carries none; an
// unknown or revoked one is an EUNAUTHORIZED error. The JSON API owns
// the tokens' reading (api.ClinicToken), which this package cannot
// import: the server's wiring hands it over.
type TokenFinder func(r *http.Request) (t rdv.ClinicToken, carried bool, err error)

// ClinicTokens is the Authorizer of the clinics' API tokens: a token acts
// for its clinic, within its scopes (Party.Token).
func ClinicTokens(find TokenFinder) Authorizer {
	return func(r *http.Request) (Party, bool, error) {
		t, carried, err := find(r)
		if err != nil || !carried {
			return Party{}, false, err
		}
		t.Scopes = slices.Clone(t.Scopes)
		return Party{ClinicID: t.ClinicID, Token: &t}, true, nil
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

// errSecondFactor refuses a session opened without the second factor
// its role requires.
var errSecondFactor = &fhirError{status: http.StatusForbidden, code: "forbidden", key: "fhir.session.second_factor"}

// errScope refuses a token without the scope an interaction needs.
func errScope(scope rdv.TokenScope) error {
	return &fhirError{status: http.StatusForbidden, code: "forbidden", key: "fhir.token.scope", args: []any{string(scope)}}
}

// partyFor returns the party of r allowed to do what scope names:
// EUNAUTHORIZED when r names none, a 403 when it may not.
func (s *Server) partyFor(r *http.Request, scope rdv.TokenScope) (Party, error) {
	p, ok, err := s.authorize(r)
	switch {
	case err != nil:
		return Party{}, err
	case !ok:
		return Party{}, rdv.Errorf(rdv.EUNAUTHORIZED, "no token, no party")
	case !p.may(scope):
		return Party{}, errScope(scope)
	}
	return p, nil
}

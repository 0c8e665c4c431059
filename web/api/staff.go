package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/i18n"
	"rdv/route"
)

// Staff routes (a clinic's plan exceptions) take the session of the staff
// pages: the cookie set at sign-in (auth.SessionCookie), checked in the
// store on every request. A cookie goes along with any request the
// browser makes, including one a foreign page makes it send, so every
// write must also carry the session's form token in the X-CSRF-Token
// header: a foreign page cannot read it (it is in the portal's pages
// only) and cannot set a custom header on a cross-site request without
// the site's consent, which the API never gives (no CORS).
//
// The policy is the portal's: a clinic's plan and its exceptions are its
// admins' alone. Receptionists, agents and operators are refused (403),
// as is an admin of another clinic; a practitioner who does not work at
// the path's clinic is not found (404), like an unknown one.

// csrfHeader carries a staff write's form token.
const csrfHeader = "X-CSRF-Token"

// Refusals of staff routes, each with its own words (staffMessage).
var (
	errNoSession      = &rdv.Error{Code: rdv.EUNAUTHORIZED, Detail: "no staff session"}
	errCSRF           = &rdv.Error{Code: rdv.EFORBIDDEN, Field: csrfHeader, Detail: "form token missing or wrong"}
	errNotClinicAdmin = &rdv.Error{Code: rdv.EFORBIDDEN, Detail: "not an admin of the clinic"}
	// A role that must sign in with a second factor
	// (rdv.Role.RequiresSecondFactor) reaches no staff route with a
	// session opened by its password alone, as on the pages.
	errSecondFactor = &rdv.Error{Code: rdv.EFORBIDDEN, Detail: "session opened without the second factor the role requires"}
)

// staffMessages are the keys of their texts (texts.go).
var staffMessages = map[*rdv.Error]string{
	errNoSession:      "api.staff.no_session",
	errCSRF:           "api.staff.csrf",
	errNotClinicAdmin: "api.staff.not_clinic_admin",
	errSecondFactor:   "api.staff.second_factor",
}

// staffMessage says why a staff route refused, when it did.
func staffMessage(lang string, err error) (string, bool) {
	for e, key := range staffMessages {
		if err == e {
			return i18n.T(lang, key), true
		}
	}
	return "", false
}

// staffSession returns the account signed in with r's session cookie
// and the session's ID (the hash of its token).
func (s *server) staffSession(r *http.Request) (rdv.Account, string, error) {
	c, err := r.Cookie(auth.CookieName(r, auth.SessionCookie))
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return rdv.Account{}, "", errNoSession
	}
	hash := auth.HashToken(c.Value)
	se, a, err := s.Store.SessionByTokenHash(r.Context(), hash, time.Now())
	switch {
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		return rdv.Account{}, "", errNoSession
	case err != nil:
		return rdv.Account{}, "", err
	case a.Role.RequiresSecondFactor() && !se.SecondFactor:
		return rdv.Account{}, "", errSecondFactor
	}
	return a, hash, nil
}

// staffKey keys the account a staff route's policy admitted, in the
// request's context.
type staffKey struct{}

// requireStaff applies a staff route's policy (its entry in routes)
// before h: a signed-in account (401), the session's form token on a
// write (403), and a role and clinic the policy allows (403). The
// admitted account goes to h in the request's context.
func (s *server) requireStaff(p route.Policy, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, sessionHash, err := s.staffSession(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			want := ""
			if s.formKey != nil {
				want = auth.SessionFormToken(s.formKey, sessionHash)
			}
			if !auth.MaskedTokenEqual(r.Header.Get(csrfHeader), want) {
				s.fail(w, r, errCSRF)
				return
			}
		}
		if p.Check(&a, r) != route.Allow {
			s.fail(w, r, errNotClinicAdmin)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), staffKey{}, a)))
	}
}

// clinicAdmin returns, for a request on /clinics/{clinic}/practitioners/
// {practitioner}/..., the account its route's policy admitted (see
// requireStaff) and the practitioner, who works at that clinic. The
// account is checked again here, without I/O: a handler routed without
// its policy opens nothing.
func (s *server) clinicAdmin(r *http.Request) (rdv.Account, rdv.Practitioner, error) {
	a, ok := r.Context().Value(staffKey{}).(rdv.Account)
	if !ok {
		return rdv.Account{}, rdv.Practitioner{}, errNoSession
	}
	clinicID, err := strconv.ParseInt(r.PathValue("clinic"), 10, 64)
	if a.Role != rdv.ClinicAdmin || err != nil || a.ClinicID == 0 || clinicID != a.ClinicID {
		return rdv.Account{}, rdv.Practitioner{}, errNotClinicAdmin
	}
	id, err := strconv.ParseInt(r.PathValue("practitioner"), 10, 64)
	p, ok := s.Index.Practitioner(id)
	if err != nil || !ok || p.ClinicID != a.ClinicID {
		return rdv.Account{}, rdv.Practitioner{}, rdv.Errorf(rdv.ENOTFOUND, "practitioner %q of clinic %d", r.PathValue("practitioner"), a.ClinicID)
	}
	return a, p, nil
}

package api

import (
	"context"
	"net/http"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/i18n"
)

// A signed-in patient's routes (route.SignedInPatient) take the session
// of the patients' pages: the cookie set when they sign in with a code
// (auth.PatientSessionCookie), checked in the store on every request. They
// only read (GET): a foreign page that makes the browser send the cookie
// cannot read the answer (no CORS), so no form token is needed.

// errNoPatientSession refuses a patient's route without a live session.
var errNoPatientSession = &rdv.Error{Code: rdv.EUNAUTHORIZED, Detail: "no patient session"}

func init() {
	staffMessages[errNoPatientSession] = "api.patient.no_session"
	i18n.Add(i18n.Catalog{
		"api.patient.no_session": {"Connectez-vous à votre compte patient (Mon compte) pour accéder à cette ressource.",
			"Sign in to your patient account (My account) to use this resource."},
	})
}

// patientKey keys the account a patient's route admitted, in the
// request's context.
type patientKey struct{}

// requirePatient lets through only a request with a live patient session
// (401 otherwise), and hands its account to h in the request's context.
func (s *server) requirePatient(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(auth.CookieName(r, auth.PatientSessionCookie))
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			s.fail(w, r, errNoPatientSession)
			return
		}
		_, a, err := s.Store.PatientSessionByTokenHash(r.Context(), auth.HashToken(c.Value), time.Now())
		switch {
		case rdv.ErrorCode(err) == rdv.ENOTFOUND:
			s.fail(w, r, errNoPatientSession)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), patientKey{}, a)))
	}
}

// patientOf returns the account requirePatient admitted; a handler routed
// without it opens nothing.
func patientOf(r *http.Request) (rdv.PatientAccount, error) {
	a, ok := r.Context().Value(patientKey{}).(rdv.PatientAccount)
	if !ok || a.ID <= 0 {
		return rdv.PatientAccount{}, errNoPatientSession
	}
	return a, nil
}

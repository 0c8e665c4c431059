package web

// Patients' sessions, apart from staff's:
//
//   - A patient signs in with a code sent to an email or a phone
//     (account_signin.go) and gets a cookie of its own
//     (auth.PatientSessionCookie), HttpOnly, Secure over TLS, SameSite=Lax,
//     good for patientSessionTTL from the sign-in whatever is done with
//     it, by the wall clock as staff's sessions (the booking engine's
//     clock says when holds and codes run out). A browser may hold a staff session beside it: each opens only
//     its own routes (route.Caller).
//   - A patient's page names route.SignedInPatient in its route's policy
//     (routes.go); someone not signed in as a patient is sent (303) to
//     /compte/connexion?retour=<path> and comes back after signing in.
//   - Inside, s.patient(r) returns the signed-in account: the page reads
//     and writes only that account's appointments and people, and answers
//     another's as not found.
//   - Every form of a signed-in patient carries the token of the session
//     (an HMAC of its ID, as staff's: see csrf.go), which checkCSRF
//     requires.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"rdv"
	"rdv/auth"
)

// patientSessionTTL caps a patient's session: a day's use, and a shared
// family computer is signed out by the next morning.
const patientSessionTTL = 12 * time.Hour

// patientIn is the signed-in patient of a request, in its context.
type patientIn struct {
	acct rdv.PatientAccount
	sess rdv.PatientSession
}

type patientKey struct{}

// withPatient puts the signed-in patient account, if any, in the
// request's context.
func (s *Server) withPatient(next http.Handler) http.Handler {
	return withCookieSession(s, auth.PatientSessionCookie, "patient session", patientKey{},
		func(ctx context.Context, hash string, now time.Time) (*patientIn, error) {
			sess, acct, err := s.d.Store.PatientSessionByTokenHash(ctx, hash, now)
			return &patientIn{acct: acct, sess: sess}, err
		}, next)
}

func patientOf(r *http.Request) *patientIn {
	p, _ := r.Context().Value(patientKey{}).(*patientIn)
	return p
}

// patient returns the signed-in patient account of the request.
func (s *Server) patient(r *http.Request) (rdv.PatientAccount, bool) {
	if p := patientOf(r); p != nil {
		return p.acct, true
	}
	return rdv.PatientAccount{}, false
}

// requirePatient lets through only a signed-in patient (see enforce):
// anyone else is sent to the patients' sign-in, and comes back after it
// to the page (a GET's), or to their appointments (a post, which cannot
// be replayed: a session that ran out while a form was open).
func (s *Server) requirePatient(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if patientOf(r) == nil {
			ret := patientHomePath
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				ret = r.URL.RequestURI()
			}
			http.Redirect(w, r, patientSigninPath+"?"+url.Values{"retour": {ret}}.Encode(), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// patientCSRF is the form token of a signed-in patient's session, from
// the hash of its token: of another kind than staff's, so that neither
// stands for the other.
func (s *Server) patientCSRF(tokenHash string) string {
	return auth.MAC(s.csrfKey, "patient session", tokenHash)
}

// setPatientCookie gives the browser its session, or takes it back with
// token "" .
func setPatientCookie(w http.ResponseWriter, r *http.Request, token string) {
	c := &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: cookieName(r, auth.PatientSessionCookie), Value: token, Path: "/",
		MaxAge: int(patientSessionTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// patientBound is what a patient's page cookies are sealed for: the
// session, so that another account signed in later on the same browser
// opens nothing of them.
func patientBound(r *http.Request, form string) string {
	if p := patientOf(r); p != nil {
		return "patient:" + strconv.FormatInt(p.acct.ID, 10) + ":" + p.sess.TokenHash + ":" + form
	}
	return ""
}

package web

import (
	"crypto/rand"
	"net/http"

	"rdv/auth"
)

// Form tokens are bound to what the server alone can vouch for. A
// signed-in person's token is an HMAC of their session's ID: a browser
// holds it only by loading a page of that session, and a cookie planted
// from a sibling host (possible without the __Host- prefix, so without
// HTTPS) is never taken in its place. Someone not signed in gets a random
// browser ID in a cookie and forms carry the HMAC of that ID: a cookie
// planted with a value of the attacker's choice does not match a token of
// the same value.
//
// The key is derived from the server's secret (Deps.Secret), shared by
// every instance behind one load balancer, so that a form loaded from one
// instance posts to another.

// NewSecret returns a random server secret, for one instance alone.
func NewSecret() []byte {
	b := make([]byte, auth.MinSecret)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}

// sessionCSRF is the form token of a signed-in session, from the hash of
// its token (the session's ID in the store). The JSON API takes the same
// token in its X-CSRF-Token header (see auth.SessionFormToken).
func (s *Server) sessionCSRF(tokenHash string) string {
	return auth.SessionFormToken(s.csrfKey, tokenHash)
}

// browserCSRF is the form token of a browser not signed in, from the ID
// in its cookie.
func (s *Server) browserCSRF(browserID string) string {
	return auth.MAC(s.csrfKey, "browser", browserID)
}

// browserID returns the ID in the browser's CSRF cookie, "" when it has
// none that could be one of ours.
func browserID(r *http.Request) string {
	c, err := r.Cookie(cookieName(r, csrfCookieName))
	if err != nil || len(c.Value) != len(auth.NewToken()) {
		return ""
	}
	return c.Value
}

// expectedCSRF returns the token a form posted with r must carry: the
// session's when signed in (staff's, else a patient's), whatever cookie
// came along, else the browser's; "" when there can be none (no session,
// no cookie).
func (s *Server) expectedCSRF(r *http.Request) string {
	if si := signedInOf(r); si != nil {
		return s.sessionCSRF(si.sess.TokenHash)
	}
	if p := patientOf(r); p != nil {
		return s.patientCSRF(p.sess.TokenHash)
	}
	if id := browserID(r); id != "" {
		return s.browserCSRF(id)
	}
	return ""
}

package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv/auth"
)

// An operator's pass lets their requests to the operators' pages past
// admission control when everything else is shed, so that operators can
// see and steer an overload. Admission decides before any session is
// looked up, and must not look one up for whoever sends a cookie (80
// requests with a made-up session cookie would each cost a database
// read, unrefused): the pass is a signature it checks in memory. It is
// an HMAC, under a key derived from the server's secret, of the
// session's ID and the pass's expiry, set beside the session cookie when
// an operator signs in. It only skips admission; the pages still check
// the session and its role in the store, so a pass outliving its session
// (signed out elsewhere) opens nothing.

// operatorCookieName is the cookie of the pass.
const operatorCookieName = "rdv_op"

// operatorPassKey derives the key of operator passes from the secret.
func operatorPassKey(secret []byte) ([]byte, error) {
	return auth.DeriveKey(secret, "rdv operator passes")
}

// OperatorPass returns the check admission control runs on requests to
// the operators' pages (admission.Config.Operator): whether the request
// carries a session cookie and a pass for that session, signed with
// secret and not expired. It does no I/O.
func OperatorPass(secret []byte) (func(*http.Request) bool, error) {
	key, err := operatorPassKey(secret)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) bool { return validOperatorPass(key, r, time.Now()) }, nil
}

// operatorPass is the cookie value of a pass for the session whose token
// hashes to tokenHash, good until expires.
func operatorPass(key []byte, tokenHash string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + auth.MAC(key, "operator", tokenHash+"|"+exp)
}

// validOperatorPass checks r's pass against its session cookie.
func validOperatorPass(key []byte, r *http.Request, now time.Time) bool {
	pass, err := r.Cookie(cookieName(r, operatorCookieName))
	if err != nil || len(pass.Value) > 100 {
		return false
	}
	sess, err := r.Cookie(cookieName(r, sessionCookieName))
	if err != nil || sess.Value == "" || len(sess.Value) > 100 {
		return false
	}
	exp, sig, ok := strings.Cut(pass.Value, ".")
	if !ok {
		return false
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() >= until {
		return false
	}
	return auth.TokensEqual(sig, auth.MAC(key, "operator", auth.HashToken(sess.Value)+"|"+exp))
}

// setOperatorPass gives a signed-in operator's browser its pass; maxAge
// < 0 takes it back.
func (s *Server) setOperatorPass(w http.ResponseWriter, r *http.Request, tokenHash string, expires time.Time, maxAge int) {
	value := ""
	if maxAge >= 0 {
		value = operatorPass(s.opKey, tokenHash, expires)
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: cookieName(r, operatorCookieName), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

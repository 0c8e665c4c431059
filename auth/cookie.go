package auth

import "net/http"

// SessionCookie is the name of the cookie that holds a staff session's
// token. The pages set it at sign-in; the pages and the JSON API read it.
const SessionCookie = "rdv_session"

// PatientSessionCookie is the name of the cookie that holds a patient's
// session token, apart from staff's: signing in as a patient opens no
// staff page, and a browser may hold both.
const PatientSessionCookie = "rdv_patient"

// CookieName returns the name a cookie carries on r. Over TLS it takes
// the __Host- prefix, which browsers accept only when Secure, without
// Domain and with Path=/: no sibling host can plant or read it.
func CookieName(r *http.Request, name string) string {
	if r.TLS != nil {
		return "__Host-" + name
	}
	return name
}

package web

// Staff accounts and CSRF, as pages use them:
//
//   - A staff page names its roles in its route's policy (routes.go):
//       at("GET /clinique", ..., route.Roles(rdv.Receptionist, rdv.ClinicAdmin), (*Server).portalDay)
//     Someone not signed in is sent (303) to /connexion?retour=<path>, and
//     comes back after signing in; a signed-in account of another role gets
//     the 403 page in its language (requirePolicy).
//   - Inside, s.account(r) returns the signed-in account (its Role and, for
//     clinic roles, its ClinicID, which the page must check against the
//     clinic it shows).
//   - Every form that posts carries {{template "csrf" .}} (the hidden input
//     "csrf", from page.CSRF). checkCSRF refuses with the 403 page every
//     page's POST whose token is not the one of its session (staff,
//     an HMAC of the session's ID) or, with no session, of its browser
//     (an HMAC of the ID in the browser's cookie): see csrf.go. Nothing
//     else is needed in handlers; GET forms need no token.

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/route"
)

// sessionTTL caps a session's life: a forgotten shared desk computer is
// signed out by the next shift (and, idle for half an hour, long before:
// rdv.StaffSessionIdle).
const sessionTTL = rdv.StaffSessionLife

// Cookie names. Over TLS they carry the __Host- prefix (see
// auth.CookieName).
const (
	sessionCookieName = auth.SessionCookie
	csrfCookieName    = "rdv_csrf"
	csrfField         = "csrf"
)

func cookieName(r *http.Request, name string) string { return auth.CookieName(r, name) }

// signedIn is the account and session of a request, in its context.
type signedIn struct {
	acct rdv.Account
	sess rdv.Session
}

type sessionKey struct{}

// withSession puts the signed-in staff account, if any, in the request's
// context, and records the request in the session when its last one is
// older than rdv.SessionTouchEvery: a session idle for
// rdv.StaffSessionIdle is over, and its account's list of sessions says
// where and in which browser it was last used.
func (s *Server) withSession(next http.Handler) http.Handler {
	return withCookieSession(s, sessionCookieName, "session", sessionKey{},
		func(ctx context.Context, hash string, now time.Time) (*signedIn, error) {
			sess, acct, err := s.d.Store.SessionByTokenHash(ctx, hash, now)
			return &signedIn{acct: acct, sess: sess}, err
		}, s.touchSession(next))
}

// touchSession records a signed-in request in its session (see
// withSession). A failure is logged and the request goes on: the
// session is live, and the next request tries again.
func (s *Server) touchSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if si := signedInOf(r); si != nil {
			now := s.now()
			if now.Sub(si.sess.LastSeenAt) >= rdv.SessionTouchEvery {
				err := s.d.Store.TouchSession(r.Context(), si.sess.TokenHash, now, s.clientAddr(r), userAgent(r))
				if err != nil {
					s.log.WarnContext(r.Context(), "session not touched", "err", err)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// userAgent is the browser's own name for itself, cut to a length a list
// of sessions can show.
func userAgent(r *http.Request) string {
	ua := strings.ToValidUTF8(r.UserAgent(), "")
	if len(ua) > 200 {
		ua = ua[:200]
	}
	return ua
}

// withCookieSession puts in the request's context, under key, the session
// that the cookie named cookie holds (staff's or a patient's), read by
// lookup from the hash of its token. Requests without the cookie cost
// nothing, and neither do static files: a signed-in page loads its style
// sheet and script with the session's cookie, and they need no session.
func withCookieSession[T any](s *Server, cookie, what string, key any,
	lookup func(ctx context.Context, hash string, now time.Time) (*T, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(cookieName(r, cookie))
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			next.ServeHTTP(w, r)
			return
		}
		in, err := lookup(r.Context(), auth.HashToken(c.Value), s.now())
		if err != nil {
			if rdv.ErrorCode(err) != rdv.ENOTFOUND {
				s.log.WarnContext(r.Context(), what+" lookup failed", "err", err)
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key, in)))
	})
}

func signedInOf(r *http.Request) *signedIn {
	si, _ := r.Context().Value(sessionKey{}).(*signedIn)
	return si
}

// account returns the signed-in staff account of the request.
func (s *Server) account(r *http.Request) (rdv.Account, bool) {
	if si := signedInOf(r); si != nil {
		return si.acct, true
	}
	return rdv.Account{}, false
}

// requirePolicy lets through only the signed-in accounts a staff
// route's policy allows (see enforce).
func (s *Server) requirePolicy(p route.Policy, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var acct *rdv.Account
		if a, ok := s.account(r); ok {
			acct = &a
		}
		switch p.Check(acct, r) {
		case route.SignIn:
			target := "/connexion?" + url.Values{"retour": {r.URL.RequestURI()}}.Encode()
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				target = "/connexion" // a post cannot be replayed after signing in
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		case route.Forbidden:
			s.renderMessage(w, r, http.StatusForbidden, "error.403.role")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if si := signedInOf(r); !p.Enrolment && si.acct.Role.RequiresSecondFactor() && !si.sess.SecondFactor {
			s.secondFactorMissing(w, r)
			return
		}
		h(w, r)
	}
}

// safeReturn keeps a sign-in's return path on this site: a path, not a
// URL that could send the person elsewhere. It reads the path the way a
// browser will, which is not the way url.Parse does: browsers drop
// leading and trailing controls and spaces, remove every tab and line
// break, and take a backslash for a slash, so "/\t/evil.example" and
// "/\\evil.example" both lead off-site. What is left must parse as a
// local path: no scheme, no host, and not starting with two slashes. It
// returns "" (the role's home) for anything else.
func safeReturn(p string) string {
	p = strings.TrimFunc(p, func(r rune) bool { return r <= ' ' })
	p = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(p)
	if p == "" || len(p) > 2048 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return ""
	}
	for _, r := range p {
		if r < ' ' || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.Contains(u.Path, "\\") {
		return ""
	}
	return p
}

// CSRF returns the token of the page's forms. A browser with neither a
// session nor an ID gets a new ID, set in a cookie by render only when a
// page shows a form, so that pages without forms stay free of cookies and
// cacheable.
func (p *page) CSRF() string {
	if p.csrf == "" && p.newCSRF != nil {
		p.csrfCookie = auth.NewToken()
		p.csrf = p.newCSRF(p.csrfCookie)
	}
	// Masked afresh at every use: compressed pages must not carry the
	// same secret bytes twice (see auth.MaskToken).
	return auth.MaskToken(p.csrf)
}

// setCSRFCookie gives the browser its ID, which its form tokens are
// bound to.
func setCSRFCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name:     cookieName(r, csrfCookieName),
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// checkCSRF refuses every form post whose token is not the one its
// session, or without a session its browser ID, vouches for. A signed-in
// person's post is judged by the session alone: a CSRF cookie planted
// beside it changes nothing. The JSON API is mounted beside the pages,
// outside this chain: its staff writes carry the token in a header.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		if !auth.MaskedTokenEqual(r.PostFormValue(csrfField), s.expectedCSRF(r)) {
			s.log.InfoContext(r.Context(), "form refused: CSRF token missing or wrong", "path_kind", routeKind(r.URL.Path))
			s.renderMessage(w, r, http.StatusForbidden, "error.403.csrf")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// routeKind names a path's first segment only: paths carry tokens that
// logs must not keep.
func routeKind(p string) string {
	p = strings.TrimPrefix(p, "/")
	first, _, _ := strings.Cut(p, "/")
	return "/" + first
}

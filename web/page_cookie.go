package web

import (
	"encoding/json"
	"net/http"
	"time"
)

// A page's sealed cookie carries what a post hands to the page its
// redirect leads to (post/redirect/get): a form's values and messages,
// a receipt. Like the hold's cookies (held_cookies.go) it is sealed with
// the server's key and bound to what it is for (bound: the page, and the
// staff account for staff pages, so that another account signed in on
// the same browser opens nothing), HttpOnly, SameSite=Strict, and sent
// to that page alone (Path).

// setPageCookie seals v for bound and sets it on path for ttl. A value
// too big to keep is not set; it reports whether the cookie was set.
func (s *Server) setPageCookie(w http.ResponseWriter, r *http.Request, name, path, bound string, v any, ttl time.Duration) bool {
	plain, err := json.Marshal(v)
	if err != nil {
		s.log.ErrorContext(r.Context(), "seal page cookie", "err", err)
		return false
	}
	sealed := s.seal(name+"\x00"+bound, plain)
	if len(sealed) > maxCookie {
		return false
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: holdCookieName(r, name), Value: sealed, Path: path,
		MaxAge: int(ttl / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return true
}

// pageCookie opens the page's cookie into v. A cookie sealed for
// something else, forged or damaged, opens nothing.
func (s *Server) pageCookie(r *http.Request, name, bound string, v any) bool {
	c, err := r.Cookie(holdCookieName(r, name))
	if err != nil || len(c.Value) > maxCookie {
		return false
	}
	plain, ok := s.open(name+"\x00"+bound, c.Value)
	return ok && json.Unmarshal(plain, v) == nil
}

// dropPageCookie removes the page's cookie, if the browser sent one.
func dropPageCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	if _, err := r.Cookie(holdCookieName(r, name)); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: holdCookieName(r, name), Value: "", Path: path,
		MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

// sentBackDraft opens a form's draft set by a post sent back with
// messages, and forgets the messages once shown: a reload keeps what was
// typed without the old reproaches.
func (s *Server) sentBackDraft(w http.ResponseWriter, r *http.Request, name, path, bound string) (draft, bool) {
	var d draft
	if !s.pageCookie(r, name, bound, &d) || d.Values == nil {
		return draft{}, false
	}
	if len(d.Errors) > 0 {
		s.setPageCookie(w, r, name, path, bound, draft{Values: d.Values}, heldCookieTTL)
	}
	return d, true
}

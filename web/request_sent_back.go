package web

import (
	"encoding/json"
	"net/http"
	"time"
)

// The request form, like the booking form (form_sent_back.go), is sent
// back with its messages by a redirect to GET /demande: what was typed
// and the messages travel in a sealed cookie of the form's page alone,
// shown once by the GET (200), the values kept until the request is
// taken or the cookie runs out. A draft too big for a cookie is answered
// in place (422).

const requestDraftCookie = "rdv_demande"

// requestPath is the form's page, the only one its cookie is sent to.
const requestPath = "/demande"

// keepRequestDraft gives the browser what was typed and what was wrong,
// and reports whether it could.
func (s *Server) keepRequestDraft(w http.ResponseWriter, r *http.Request, d draft) bool {
	plain, err := json.Marshal(d)
	if err != nil {
		return false
	}
	sealed := s.seal(requestDraftCookie, plain)
	if len(sealed) > maxCookie {
		return false
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: holdCookieName(r, requestDraftCookie), Value: sealed, Path: requestPath,
		MaxAge: int(heldCookieTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return true
}

// requestDraft opens the request form's draft; a forged or damaged one
// opens nothing. Its messages are forgotten once shown.
func (s *Server) requestDraft(w http.ResponseWriter, r *http.Request) (draft, bool) {
	var d draft
	c, err := r.Cookie(holdCookieName(r, requestDraftCookie))
	if err != nil || len(c.Value) > maxCookie {
		return d, false
	}
	plain, ok := s.open(requestDraftCookie, c.Value)
	if !ok || json.Unmarshal(plain, &d) != nil || d.Values == nil {
		return draft{}, false
	}
	if len(d.Errors) > 0 {
		s.keepRequestDraft(w, r, draft{Values: d.Values})
	}
	return d, true
}

// dropRequestDraft forgets the draft once the request is taken.
func dropRequestDraft(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(holdCookieName(r, requestDraftCookie)); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: holdCookieName(r, requestDraftCookie), Value: "", Path: requestPath,
		MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

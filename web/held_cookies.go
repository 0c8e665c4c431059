package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// What the booking flow remembers between pages lives in the browser
// that booked, in cookies sealed with the server's key (AES-GCM, bound to
// the hold) and scoped to the hold's own pages (Path=/reservation/<id>):
//
//   - the draft: what was typed on the form, with its messages, so that
//     the form shown again (a reload, Back, a hold that ran out and the
//     next time held instead) keeps it, without personal data in a URL
//     and on every instance behind the load balancer alike;
//   - the search the hold was made from, for the way back to it;
//   - the booking: the appointment's number and token, so that Back to a
//     confirmed hold's form leads to the appointment, for that browser
//     alone (someone who only knows the hold's ID gets nothing).
//
// Both are HttpOnly, SameSite=Strict and short-lived; the draft is
// dropped as soon as the booking is made or the hold given back.

// heldCookieTTL is how long the flow's cookies last: long enough to come
// back to a form or to choose the next time, short for personal data.
const heldCookieTTL = 30 * time.Minute

// maxCookie is the largest sealed value set: browsers keep 4 KB per
// cookie, name and attributes included. A bigger draft is not kept.
const maxCookie = 3800

const (
	draftCookieName  = "rdv_draft"
	bookedCookieName = "rdv_booked"
	searchCookieName = "rdv_search" // the search a hold was made from
)

// draft is what the person typed on a hold's form and what was wrong.
type draft struct {
	Values url.Values        `json:"v"`
	Errors map[string]string `json:"e,omitempty"`
}

// booked is the appointment a hold was confirmed into.
type booked struct {
	ID    int64  `json:"i"`
	Token string `json:"t"`
}

// holdCookieName is a flow cookie's name: over TLS with the __Secure-
// prefix (__Host- requires Path=/, and these are scoped to one hold).
func holdCookieName(r *http.Request, name string) string {
	if r.TLS != nil {
		return "__Secure-" + name
	}
	return name
}

func holdPath(holdID string) string { return "/reservation/" + url.PathEscape(holdID) }

// setHoldCookie seals v for the hold and sets it on the hold's pages.
// A value too big to keep is not set: the flow works without it. It
// reports whether the cookie was set.
func (s *Server) setHoldCookie(w http.ResponseWriter, r *http.Request, name, holdID string, v any) bool {
	plain, err := json.Marshal(v)
	if err != nil {
		s.log.ErrorContext(r.Context(), "seal flow cookie", "err", err)
		return false
	}
	sealed := s.seal(name+"\x00"+holdID, plain)
	if len(sealed) > maxCookie {
		return false
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: holdCookieName(r, name), Value: sealed, Path: holdPath(holdID),
		MaxAge: int(heldCookieTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return true
}

// dropHoldCookie removes a flow cookie of the hold.
func dropHoldCookie(w http.ResponseWriter, r *http.Request, name, holdID string) {
	if _, err := r.Cookie(holdCookieName(r, name)); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: holdCookieName(r, name), Value: "", Path: holdPath(holdID),
		MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

// holdCookie opens the flow cookie of the hold into v. A cookie of
// another hold, forged or damaged, opens nothing.
func (s *Server) holdCookie(r *http.Request, name, holdID string, v any) bool {
	c, err := r.Cookie(holdCookieName(r, name))
	if err != nil || len(c.Value) > maxCookie {
		return false
	}
	plain, ok := s.open(name+"\x00"+holdID, c.Value)
	return ok && json.Unmarshal(plain, v) == nil
}

// seal encrypts plain under the server's key, bound to what it is for.
func (s *Server) seal(bound string, plain []byte) string {
	gcm := s.cookieAEAD()
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(gcm.Seal(nonce, nonce, plain, []byte(bound)))
}

// open decrypts what seal made for the same purpose.
func (s *Server) open(bound, sealed string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	gcm := s.cookieAEAD()
	if err != nil || len(b) < gcm.NonceSize() {
		return nil, false
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(bound))
	return plain, err == nil
}

func (s *Server) cookieAEAD() cipher.AEAD {
	block, err := aes.NewCipher(s.cookieKey)
	if err != nil {
		panic("web: cookie key: " + err.Error()) // 32 bytes from deriveKey
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic("web: cookie cipher: " + err.Error())
	}
	return gcm
}

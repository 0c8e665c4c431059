package waitroom

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"rdv/auth"
)

// A ticket and a pass are small signed strings: base64url of the payload,
// a dot, base64url of the first 16 bytes of HMAC-SHA256(secret, payload).
// The payload's first field names its kind, so a ticket can never be
// shown as a pass. Both name the browser id they were given to: a copy
// taken to another browser, which has another id, is worthless there.
//
//	browser: "b|<browser id>"
//	ticket:  "t|<seq>|<issued unix ms>|<browser id>"
//	pass:    "p|<expires unix ms>|<browser id>"
//
// The browser id is signed too, so that only ids this platform gave out
// can draw a number: a client cannot skip the first visit (see
// Room.Middleware) by making one up.

// macLen is how much of the HMAC a token carries: 128 bits cannot be
// guessed.
const macLen = 16

// browserIDLen is the length of a browser id: 16 random bytes, base64url.
const browserIDLen = 22

// ticket is a first-come number given to one browser.
type ticket struct {
	Seq      int64
	Issued   time.Time
	Browser  string
	original string // the signed form, as the cookie carries it
}

// signer signs and checks tickets and passes with one secret.
type signer struct{ secret []byte }

func (s signer) sign(payload string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:macLen])
}

// open returns the payload of a token whose signature holds.
func (s signer) open(token string) (string, bool) {
	if len(token) > 200 {
		return "", false
	}
	p64, mac64, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	got, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil || len(got) != macLen {
		return "", false
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write(payload)
	if !hmac.Equal(got, m.Sum(nil)[:macLen]) {
		return "", false
	}
	return string(payload), true
}

func (s signer) ticket(seq int64, issued time.Time, browser string) string {
	return s.sign("t|" + strconv.FormatInt(seq, 10) + "|" + strconv.FormatInt(issued.UnixMilli(), 10) + "|" + browser)
}

// readTicket checks a ticket's signature and returns it.
func (s signer) readTicket(token string) (ticket, bool) {
	payload, ok := s.open(token)
	if !ok {
		return ticket{}, false
	}
	f := strings.Split(payload, "|")
	if len(f) != 4 || f[0] != "t" {
		return ticket{}, false
	}
	seq, err1 := strconv.ParseInt(f[1], 10, 64)
	ms, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || seq <= 0 {
		return ticket{}, false
	}
	return ticket{Seq: seq, Issued: time.UnixMilli(ms), Browser: f[3], original: token}, true
}

func (s signer) pass(expires time.Time, browser string) string {
	return s.sign("p|" + strconv.FormatInt(expires.UnixMilli(), 10) + "|" + browser)
}

// readPass checks a pass's signature and returns its expiry and browser.
func (s signer) readPass(token string) (expires time.Time, browser string, ok bool) {
	payload, ok := s.open(token)
	if !ok {
		return time.Time{}, "", false
	}
	f := strings.Split(payload, "|")
	if len(f) != 3 || f[0] != "p" {
		return time.Time{}, "", false
	}
	ms, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.UnixMilli(ms), f[2], true
}

func (s signer) browser(id string) string { return s.sign("b|" + id) }

// readBrowser checks a browser cookie's signature and returns its id.
func (s signer) readBrowser(token string) (string, bool) {
	payload, ok := s.open(token)
	if !ok {
		return "", false
	}
	id, ok := strings.CutPrefix(payload, "b|")
	if !ok || !validBrowserID(id) {
		return "", false
	}
	return id, true
}

// newBrowserID returns a fresh random browser id.
func newBrowserID() string { return auth.RandomToken(16) }

// validBrowserID reports whether id has the shape newBrowserID gives.
func validBrowserID(id string) bool {
	if len(id) != browserIDLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}

// NewSecret returns a fresh random signing secret. Instances behind one
// load balancer must share theirs: a secret made at start is good for one
// instance only.
func NewSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// TokenBytes is the entropy of session and CSRF tokens.
const TokenBytes = 32

// NewToken returns a random token of TokenBytes bytes, URL-safe base64.
func NewToken() string { return RandomToken(TokenBytes) }

// RandomToken returns n random bytes in URL-safe base64 without padding:
// the one way the platform makes its secrets and identifiers that must
// not be guessed (sessions, cancel tokens, hold ids, form nonces, browser
// ids), so that none is made with a weaker source or encoding.
func RandomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewSessionToken returns a session token for the browser's cookie and
// the hex SHA-256 hash that the store keeps: a leaked table opens no
// session.
func NewSessionToken() (token, hash string) {
	token = NewToken()
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token, as stores keep it: tokens
// are long and random, so a fast hash suffices, and a leaked table gives
// away no session and no appointment.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewCSRFToken returns a token that forms echo back.
func NewCSRFToken() string { return NewToken() }

// TokensEqual compares a token sent by a browser with the expected one in
// constant time; an empty expected token never matches.
func TokensEqual(got, want string) bool {
	if want == "" || len(got) != len(want) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// Form tokens are bound to what the server alone can vouch for: a
// signed-in person's token is an HMAC of their session's ID (the hash of
// the session token, as the store keeps it). The pages put it in their
// forms and the JSON API takes it in the X-CSRF-Token header, so both
// compute it here, from one key derived from the server's secret.

// MinSecret is the shortest server secret taken: 256 bits.
const MinSecret = 32

// DeriveKey returns the key of one purpose from the server's secret: a
// token made for one purpose is worth nothing for another.
func DeriveKey(secret []byte, purpose string) ([]byte, error) {
	if len(secret) < MinSecret {
		return nil, errors.New("auth: the server secret must be at least 32 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil), nil
}

// MAC returns the URL-safe HMAC of a kind of value and the value.
func MAC(key []byte, kind, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// FormKey returns the key of form tokens, the same on every instance that
// shares the secret: a form loaded from one instance posts to another.
func FormKey(secret []byte) ([]byte, error) { return DeriveKey(secret, "rdv form tokens") }

// SessionFormToken returns the form token of a signed-in session, from
// the hash of its token (the session's ID in the store) and the key of
// FormKey.
func SessionFormToken(key []byte, sessionHash string) string { return MAC(key, "session", sessionHash) }

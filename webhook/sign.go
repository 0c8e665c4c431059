package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// secretPrefix starts every endpoint's secret, as Standard Webhooks
// writes them: the rest is the key, in standard base64.
const secretPrefix = "whsec_"

// secretBytes is the key's length: 192 bits, within the 24 to 64 bytes
// the specification asks for.
const secretBytes = 24

// NewSecret returns a new endpoint secret, "whsec_" and 24 random bytes
// in base64.
func NewSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// key is the HMAC key of a secret.
func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || !strings.HasPrefix(secret, secretPrefix) || len(k) < secretBytes {
		return nil, rdv.FieldError("secret", "not a whsec_ secret")
	}
	return k, nil
}

// Sign returns the webhook-signature header of a request: "v1," and the
// base64 HMAC-SHA256, under the secret's key, of the message id, the
// timestamp in unix seconds and the body, joined by dots.
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

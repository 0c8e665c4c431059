package auth

import (
	"crypto/rand"
	"encoding/base64"
)

// MaskToken returns a form token as a page shows it: a fresh random pad
// followed by the token XORed with it, so that no two answers carry the
// same bytes. Compressed pages that hold a secret next to text an attacker
// can make the page echo leak the secret byte by byte through their length
// (BREACH); a token that changes with every answer gives that attack
// nothing to converge on. MaskedTokenEqual checks what comes back.
func MaskToken(token string) string {
	raw := []byte(token)
	b := make([]byte, 2*len(raw))
	rand.Read(b[:len(raw)]) // never fails (crypto/rand, Go 1.24+)
	for i, c := range raw {
		b[len(raw)+i] = c ^ b[i]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// MaskedTokenEqual reports whether a token a browser sent back is want,
// masked (as pages show it) or whole (as a client given the token another
// way sends it: accepting it reveals nothing, since pages never carry it
// whole). An empty want never matches.
func MaskedTokenEqual(got, want string) bool {
	return TokensEqual(unmaskToken(got), want) || TokensEqual(got, want)
}

// unmaskToken returns the token that MaskToken masked, "" when s cannot
// be a masked token.
func unmaskToken(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b)%2 != 0 {
		return ""
	}
	n := len(b) / 2
	out := make([]byte, n)
	for i := range out {
		out[i] = b[n+i] ^ b[i]
	}
	return string(out)
}

package auth

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// Sign-in codes are what a patient types to prove they hold an email or a
// phone: six digits, read from a message and typed by hand. Six digits
// are few, so a store keeps only a keyed hash of each code: a stolen
// table of hashes cannot be turned back into codes by trying the million
// of them, without the server's secret.

// codeSpace is how many codes there are: 000000 to 999999.
const codeSpace = 1_000_000

// codeCeiling is the largest multiple of codeSpace that a uint32 holds:
// drawing below it and taking the remainder makes every code equally
// likely.
const codeCeiling = (1 << 32) / codeSpace * codeSpace

// NewCode returns a random six-digit code, every one from 000000 to
// 999999 equally likely.
func NewCode() string {
	var b [4]byte
	for {
		rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
		if n := binary.BigEndian.Uint32(b[:]); n < codeCeiling {
			return fmt.Sprintf("%06d", n%codeSpace)
		}
	}
}

// CodeKey returns the key of sign-in codes' hashes, derived from the
// server's secret: the same on every instance that shares it, since a
// code asked on one instance may be typed on another.
func CodeKey(secret []byte) ([]byte, error) { return DeriveKey(secret, "rdv sign-in codes") }

// CodeHash returns the hash a store keeps of a code sent to destination
// (a normalised email or phone): an HMAC under key (CodeKey), bound to
// the destination, so that one code's hash says nothing of the same code
// sent elsewhere.
func CodeHash(key []byte, destination, code string) string {
	return MAC(key, "sign-in code", destination+"\x00"+code)
}

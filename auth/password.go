// Package auth holds the secrets of staff sign-in: argon2id password
// hashes in the PHC string format, random session tokens kept by stores
// only as SHA-256 hashes, and CSRF tokens.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams suit a 2-core server: 19 MiB and 2 passes (the OWASP
// minimum for argon2id), one lane so that one sign-in takes one core and
// a burst of sign-ins cannot hold more than a few tens of MiB each.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// MinPasswordLen is the shortest password accepted for a new account.
const MinPasswordLen = 12

// maxPasswordLen bounds the work one attempt can ask for.
const maxPasswordLen = 1024

// ErrMalformedHash reports a stored hash that is not an argon2id PHC string.
var ErrMalformedHash = errors.New("auth: malformed argon2id hash")

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password under p:
// $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func HashPassword(password string, p Params) (string, error) {
	if len(password) > maxPasswordLen {
		return "", fmt.Errorf("auth: password longer than %d bytes", maxPasswordLen)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parsed is a decoded PHC string.
type parsed struct {
	p         Params
	salt, key []byte
}

// maxMemory refuses stored hashes that would make one check cost more
// than a server can give: a tampered row must not take the site down.
const maxMemory = 256 * 1024

func parseHash(h string) (parsed, error) {
	parts := strings.Split(h, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return parsed{}, ErrMalformedHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return parsed{}, fmt.Errorf("%w: version %q", ErrMalformedHash, parts[2])
	}
	var x parsed
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return parsed{}, fmt.Errorf("%w: parameter %q", ErrMalformedHash, kv)
		}
		switch k {
		case "m":
			x.p.Memory = uint32(n)
		case "t":
			x.p.Time = uint32(n)
		case "p":
			if n > 255 {
				return parsed{}, fmt.Errorf("%w: parameter %q", ErrMalformedHash, kv)
			}
			x.p.Threads = uint8(n)
		default:
			return parsed{}, fmt.Errorf("%w: parameter %q", ErrMalformedHash, kv)
		}
	}
	if x.p.Memory == 0 || x.p.Time == 0 || x.p.Threads == 0 || x.p.Memory > maxMemory || x.p.Time > 16 {
		return parsed{}, fmt.Errorf("%w: parameters out of range", ErrMalformedHash)
	}
	var err error
	if x.salt, err = b64.DecodeString(parts[4]); err != nil || len(x.salt) < 8 {
		return parsed{}, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	if x.key, err = b64.DecodeString(parts[5]); err != nil || len(x.key) < 16 || len(x.key) > 64 {
		return parsed{}, fmt.Errorf("%w: key", ErrMalformedHash)
	}
	x.p.SaltLen, x.p.KeyLen = uint32(len(x.salt)), uint32(len(x.key)) // #nosec G115 -- a hash string is short: both lengths are far below 2^32
	return x, nil
}

// VerifyPassword reports whether password matches the PHC string hash,
// comparing in constant time. A malformed hash is an error, never a match.
func VerifyPassword(password, hash string) (bool, error) {
	x, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordLen {
		return false, nil
	}
	key := argon2.IDKey([]byte(password), x.salt, x.p.Time, x.p.Memory, x.p.Threads, x.p.KeyLen)
	return subtle.ConstantTimeCompare(key, x.key) == 1, nil
}

// NeedsRehash reports whether hash was made with parameters other than p,
// so that a successful sign-in should store a fresh hash.
func NeedsRehash(hash string, p Params) bool {
	x, err := parseHash(hash)
	if err != nil {
		return true
	}
	return x.p.Memory != p.Memory || x.p.Time != p.Time || x.p.Threads != p.Threads ||
		x.p.KeyLen != p.KeyLen || x.p.SaltLen != p.SaltLen
}

// dummyHash is checked against when an email is unknown, so that a
// failed sign-in takes as long whether or not the account exists.
var dummyHash = func() string {
	h, err := HashPassword("not a password of anyone", DefaultParams)
	if err != nil {
		panic(err)
	}
	return h
}()

// SpendVerify does the work of one VerifyPassword under DefaultParams and
// discards it: callers use it when no account matches.
func SpendVerify(password string) { _, _ = VerifyPassword(password, dummyHash) }

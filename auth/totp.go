package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Staff's second factors: codes of an authenticator app (TOTP, RFC 6238)
// and recovery codes. The TOTP parameters are the ones every app takes
// (30-second steps, six digits, SHA-1); the secret is 160 bits, as the
// RFC advises.

// totpPeriod is the length of a TOTP time step.
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTP returns a new secret (base32, as apps take it typed) and the
// otpauth:// URL that apps read from a QR code, naming the issuer and
// the account.
func NewTOTP(issuer, account string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("auth: new TOTP secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPStep returns the time step whose code is code, among the step of
// now and the ones just before and after it (a phone's clock a little
// off, a code typed as it changes): the caller refuses a step not newer
// than the last one accepted, so that each code works once. Spaces in
// code are ignored; anything but six digits is no match.
func TOTPStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != 6 {
		return 0, false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	step := now.Unix() / totpPeriod
	for _, k := range []int64{0, -1, 1} {
		at := time.Unix((step+k)*totpPeriod, 0)
		// ValidateCustom compares in constant time.
		if ok, err := totp.ValidateCustom(code, secret, at, totpOpts); err == nil && ok {
			return step + k, true
		}
	}
	return 0, false
}

// TOTPCode returns the code of secret at t, as an app shows it: for
// tests, and for nothing else.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// recoveryAlphabet is 32 letters and digits that read and type without
// doubt (no 0/o, 1/l).
const recoveryAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// NewRecoveryCodes returns n recovery codes of 80 random bits each,
// written as four groups of four ("abcd-efgh-jkmn-pqrs"): long enough
// that a fast hash of them, which is what stores keep, cannot be undone.
func NewRecoveryCodes(n int) []string {
	out := make([]string, n)
	b := make([]byte, 16)
	for i := range out {
		rand.Read(b) // never fails (crypto/rand, Go 1.24+)
		var sb strings.Builder
		for j, x := range b {
			if j > 0 && j%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[x&31])
		}
		out[i] = sb.String()
	}
	return out
}

// RecoveryHash returns what a store keeps of an account's recovery code:
// the SHA-256 of the account and the code as typed without case, spaces
// or dashes, so that "ABCD EFGH..." is the same code.
func RecoveryHash(accountID int64, code string) string {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("rdv recovery code\x00" + strconv.FormatInt(accountID, 10) + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

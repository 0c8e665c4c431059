package auth

import (
	"regexp"
	"testing"
	"time"
)

func TestTOTPStep(t *testing.T) {
	secret, url, err := NewTOTP("rdv", "agent@reseau.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 || !regexp.MustCompile(`^otpauth://totp/rdv:agent@reseau.example\?.*secret=`+secret).MatchString(url) {
		t.Fatalf("secret %q, url %q: want 160 bits in base32 and an otpauth URL naming both", secret, url)
	}
	now := time.Date(2031, 3, 3, 13, 0, 10, 0, time.UTC)
	step := now.Unix() / 30
	code := func(d time.Duration) string {
		c, err := TOTPCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name string
		code string
		step int64
		ok   bool
	}{
		{"now", code(0), step, true},
		{"with a space", code(0)[:3] + " " + code(0)[3:], step, true},
		{"the step before", code(-30 * time.Second), step - 1, true},
		{"the step after", code(30 * time.Second), step + 1, true},
		{"two steps before", code(-60 * time.Second), 0, false},
		{"two steps after", code(60 * time.Second), 0, false},
		{"five digits", code(0)[:5], 0, false},
		{"letters", "abcdef", 0, false},
		{"empty", "", 0, false},
	}
	window := map[string]bool{code(-30 * time.Second): true, code(0): true, code(30 * time.Second): true}
	for _, tt := range tests {
		if !tt.ok && window[tt.code] {
			continue // two steps share a code, one time in a million
		}
		got, ok := TOTPStep(secret, tt.code, now)
		if ok != tt.ok || got != tt.step {
			t.Errorf("%s: step %d, %v; want %d, %v", tt.name, got, ok, tt.step, tt.ok)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes(10)
	seen := map[string]bool{}
	shape := regexp.MustCompile(`^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$`)
	for _, c := range codes {
		if !shape.MatchString(c) || seen[c] {
			t.Errorf("code %q: want four groups of four, each code once", c)
		}
		seen[c] = true
	}
	c := codes[0]
	h := RecoveryHash(7, c)
	for _, typed := range []string{" " + c + " ", stringsUpper(c), stringsNoDash(c)} {
		if RecoveryHash(7, typed) != h {
			t.Errorf("%q hashes apart from %q", typed, c)
		}
	}
	if RecoveryHash(8, c) == h {
		t.Errorf("the same code of another account has the same hash")
	}
	if RecoveryHash(7, codes[1]) == h {
		t.Errorf("two codes have one hash")
	}
}

func stringsUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func stringsNoDash(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

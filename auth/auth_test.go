package auth

import (
	"strings"
	"testing"

	"rdv"
)

var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	other, _ := HashPassword("correct horse battery", cheap)
	if other == h {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, password, hash string
		ok                   bool
		malformed            bool
	}{
		{"right password", "correct horse battery", h, true, false},
		{"wrong password", "correct horse battere", h, false, false},
		{"empty password", "", h, false, false},
		{"other hash of the same password", "correct horse battery", other, true, false},
		{"bcrypt string", "x", "$2a$10$abcdefghijklmnopqrstuv", false, true},
		{"argon2i", "x", strings.Replace(h, "argon2id", "argon2i", 1), false, true},
		{"old version", "x", strings.Replace(h, "v=19", "v=16", 1), false, true},
		{"huge memory", "x", strings.Replace(h, "m=64", "m=99999999", 1), false, true},
		{"zero passes", "x", strings.Replace(h, "t=1", "t=0", 1), false, true},
		{"truncated", "x", h[:len(h)-30], false, true},
		{"empty", "x", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword(tt.password, tt.hash)
			if ok != tt.ok || (err != nil) != tt.malformed {
				t.Errorf("VerifyPassword = %v, %v; want %v, malformed %v", ok, err, tt.ok, tt.malformed)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	cur, _ := HashPassword("p", cheap)
	older, _ := HashPassword("p", Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	tests := []struct {
		name string
		hash string
		want bool
	}{
		{"current parameters", cur, false},
		{"less memory", older, true},
		{"malformed", "nonsense", true},
	}
	for _, tt := range tests {
		if got := NeedsRehash(tt.hash, cheap); got != tt.want {
			t.Errorf("%s: NeedsRehash = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRandomToken pins the shape every random token has: n bytes in
// URL-safe base64 without padding, never twice the same.
func TestRandomToken(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{16: 22, 18: 24, 24: 32, 32: 43} {
		a, b := RandomToken(n), RandomToken(n)
		if len(a) != want || a == b || strings.ContainsAny(a, "+/=") {
			t.Errorf("RandomToken(%d) = %q, %q: want %d URL-safe characters, distinct", n, a, b, want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	tok, hash := NewSessionToken()
	if len(tok) != 43 || len(hash) != 64 || HashToken(tok) != hash || strings.Contains(hash, tok) {
		t.Fatalf("token %q hash %q", tok, hash)
	}
	if tok2, _ := NewSessionToken(); tok2 == tok {
		t.Fatal("two session tokens are equal")
	}
	tests := []struct {
		got, want string
		eq        bool
	}{
		{tok, tok, true},
		{tok, tok[:42] + "x", false},
		{tok[:10], tok, false},
		{"", "", false}, // an empty expected token never matches
	}
	for _, tt := range tests {
		if TokensEqual(tt.got, tt.want) != tt.eq {
			t.Errorf("TokensEqual(%q, %q) != %v", tt.got, tt.want, tt.eq)
		}
	}
}

// TestCheckHash: a store refuses an account whose hash is not one that
// HashPassword makes (the account's other fields: rdv.Account.Validate).
func TestCheckHash(t *testing.T) {
	t.Parallel()
	h, _ := HashPassword("p", cheap)
	tests := []struct {
		name, hash string
		ok         bool
	}{
		{"argon2id", h, true},
		{"plain password", "secret", false},
		{"other algorithm", strings.Replace(h, "argon2id", "argon2i", 1), false},
		{"cost out of range", strings.Replace(h, "t=1", "t=99", 1), false},
	}
	for _, tt := range tests {
		err := CheckHash(tt.hash)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && (rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != "password") {
			t.Errorf("%s: %v, want an invalid password field", tt.name, err)
		}
	}
}

// BenchmarkHashDefault measures one sign-in's argon2id work.
func BenchmarkHashDefault(b *testing.B) {
	h, _ := HashPassword("correct horse battery", DefaultParams)
	for b.Loop() {
		VerifyPassword("correct horse battery", h)
	}
}

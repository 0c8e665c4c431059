package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzMaskedToken: a form token comes back masked, whole, or as anything
// a client makes up; only the token itself, in either form, matches.
func FuzzMaskedToken(f *testing.F) {
	f.Add("Zm9ybS10b2tlbg", "Zm9ybS10b2tlbg")
	f.Add("a", "")
	f.Add("", "AAAA")
	f.Add("tok", "!!!")
	f.Fuzz(func(t *testing.T, want, got string) {
		if MaskedTokenEqual(got, "") {
			t.Fatalf("%q matches an empty token", got)
		}
		if want == "" {
			return
		}
		if !MaskedTokenEqual(MaskToken(want), want) || !MaskedTokenEqual(want, want) {
			t.Fatalf("token %q, masked or whole, does not match itself", want)
		}
		if MaskedTokenEqual(got, want) && got != want && unmaskToken(got) != want {
			t.Fatalf("%q matches %q", got, want)
		}
	})
}

// FuzzTOTPStep: what staff type at the second step matches only as six
// digits, spaces aside, and then only the code of the step it names.
func FuzzTOTPStep(f *testing.F) {
	const secret = "JBSWY3DPEHPK3PXP"
	now := time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC)
	code, err := TOTPCode(secret, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(code)
	f.Add(code[:3] + " " + code[3:])
	f.Add("000000")
	f.Add("12345")
	f.Add("１２３４５６")
	f.Add("")
	f.Fuzz(func(t *testing.T, typed string) {
		step, ok := TOTPStep(secret, typed, now)
		if !ok {
			return
		}
		digits := strings.ReplaceAll(typed, " ", "")
		if len(digits) != 6 || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("%q accepted: not six digits", typed)
		}
		if d := step - now.Unix()/30; d < -1 || d > 1 {
			t.Fatalf("%q accepted at step %d, %d steps from now", typed, step, d)
		}
		if want, err := TOTPCode(secret, time.Unix(step*30, 0)); err != nil || want != digits {
			t.Fatalf("%q accepted at step %d, whose code is %q", typed, step, want)
		}
	})
}

// FuzzRecoveryHash: a recovery code is the same code however staff type
// it (any case, dashes kept, dropped or typed as spaces, spaces around),
// and a code typed for one account opens no other.
func FuzzRecoveryHash(f *testing.F) {
	f.Add(NewRecoveryCodes(1)[0], uint64(0), int64(1))
	f.Add("ABCD-EFGH-JKMN-PQRS", uint64(1<<63|0x5555), int64(7))
	f.Add(" abcd efgh jkmn pqrs ", uint64(0xffff), int64(-1))
	f.Add("abcd--efgh", uint64(0xaaaa), int64(0))
	f.Add("ǅ-ß-İ-ſ", uint64(3), int64(1<<62))
	f.Add("", uint64(0), int64(1))
	f.Fuzz(func(t *testing.T, code string, typing uint64, account int64) {
		want := RecoveryHash(account, code)
		if len(want) != 64 || strings.Trim(want, "0123456789abcdef") != "" {
			t.Fatalf("%q hashed as %q", code, want)
		}
		if RecoveryHash(account+1, code) == want {
			t.Fatalf("%q hashes alike for accounts %d and %d", code, account, account+1)
		}
		// Case and separators only fold for the codes' own letters:
		// ASCII, as the alphabet is.
		for i := 0; i < len(code); i++ {
			if code[i] >= 0x80 {
				return
			}
		}
		var sb strings.Builder
		sb.WriteString(" ")
		for i := 0; i < len(code); i++ {
			c, bit := code[i], typing>>(i%64)&1 == 1
			switch {
			case c == '-' && bit:
				sb.WriteByte(' ')
			case c == '-' && i%3 == 0:
				// dropped
			case bit:
				sb.WriteString(strings.ToUpper(string(c)))
			default:
				sb.WriteByte(c)
			}
		}
		sb.WriteString(" ")
		if got := RecoveryHash(account, sb.String()); got != want {
			t.Fatalf("%q typed as %q reads as another code", code, sb.String())
		}
	})
}

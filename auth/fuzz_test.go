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

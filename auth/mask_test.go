package auth

import "testing"

func TestMaskToken(t *testing.T) {
	t.Parallel()
	tok, other := NewCSRFToken(), NewCSRFToken()
	a, b := MaskToken(tok), MaskToken(tok)
	if a == b {
		t.Fatalf("two masks of one token are equal: %q", a)
	}
	for _, tc := range []struct {
		name, got, want string
		ok              bool
	}{
		{"masked", a, tok, true},
		{"masked again", b, tok, true},
		{"whole", tok, tok, true},
		{"another token masked", MaskToken(other), tok, false},
		{"another token whole", other, tok, false},
		{"mask cut short", a[:len(a)-2], tok, false},
		{"not base64", "!!!", tok, false},
		{"empty", "", tok, false},
		{"nothing expected", a, "", false},
	} {
		if got := MaskedTokenEqual(tc.got, tc.want); got != tc.ok {
			t.Errorf("%s: MaskedTokenEqual = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

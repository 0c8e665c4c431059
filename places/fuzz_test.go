package places

import (
	"regexp"
	"testing"
)

var postalShape = regexp.MustCompile(`^[A-Z][0-9][A-Z]( [0-9][A-Z][0-9])?$`)

// FuzzParsePostalCode: a code people type reads as a code written the
// usual way, or not at all; what it gives reads again as itself.
func FuzzParsePostalCode(f *testing.F) {
	for _, s := range []string{"H2X 1Y4", "h2x1y4", "H2X-1Y4", "H2X", " g1r\t4p5 ", "H2X 1Y", "123 456", "H2X 1Y4 5", "Ｈ2X", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, fsa, ok := ParsePostalCode(s)
		if !ok {
			if code != "" || fsa != "" {
				t.Fatalf("%q refused with %q, %q", s, code, fsa)
			}
			return
		}
		if !postalShape.MatchString(code) || fsa != code[:3] {
			t.Fatalf("%q read as %q, area %q", s, code, fsa)
		}
		if again, fsa2, ok := ParsePostalCode(code); !ok || again != code || fsa2 != fsa {
			t.Fatalf("%q: %q reads again as %q, %q, %v", s, code, again, fsa2, ok)
		}
	})
}

package rdv

import (
	"errors"
	"testing"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, s    string
		ok, okLong bool
	}{
		{"plain", "Jean-François D'Amour", true, true},
		{"accents and other scripts", "Lê Thị Ngọc · 王芳 · أمينة", true, true},
		{"null", "Jean\x00Nul", false, false},
		{"header injection", "A\r\nSet-Cookie: x=1", false, true},
		{"line feed", "Jean\nNul", false, true},
		{"tab", "Jean\tNul", false, false},
		{"escape", "Jean\x1b[31m", false, false},
		{"delete", "Jean\x7f", false, false},
		{"C1 control", "Jean\u0085", false, false},
		{"right-to-left override", "Ab\u202edcba", false, false},
		{"left-to-right embedding", "\u202aAb", false, false},
		{"pop directional formatting", "Ab\u202c", false, false},
		{"first strong isolate", "Ab\u2068cd\u2069", false, false},
		{"right-to-left mark", "Ab\u200f", false, false},
		{"left-to-right mark", "Ab\u200e", false, false},
		{"Arabic letter mark", "Ab\u061c", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				check func(string, string) error
				ok    bool
			}{{CheckText, tc.ok}, {CheckLongText, tc.okLong}} {
				err := c.check("patient.first_name", tc.s)
				if c.ok != (err == nil) {
					t.Fatalf("%q: error %v, want ok %v", tc.s, err, c.ok)
				}
				if err != nil && (ErrorField(err) != "patient.first_name" || ErrorCode(err) != EINVALID || !errors.Is(err, ErrControlCharacter)) {
					t.Fatalf("%q: error %v, want an invalid first name for a control character", tc.s, err)
				}
			}
		})
	}
}

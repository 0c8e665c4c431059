package rdv

import "testing"

func TestFormatPhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"+15145550123", "514 555-0123"},
		{"+14185550122", "418 555-0122"},
		{"514-555-0111", "514 555-0111"}, // written before phones were normalised
		{"(450) 555 0200", "450 555-0200"},
		{"", ""},
		{"+33 1 23 45 67 89", "+33 1 23 45 67 89"}, // not North American: as it is
		{"555-01", "555-01"},
	} {
		if got := FormatPhone(tc.in); got != tc.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

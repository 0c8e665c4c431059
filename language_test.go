package rdv

import "testing"

func TestPreferredLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, want string
	}{
		{"", "fr"},
		{"en", "en"},
		{"fr-CA", "fr"},
		{"en-CA,en;q=0.9,fr;q=0.5", "en"},
		{"fr;q=0.4, en;q=0.8", "en"},
		{"en;q=0.5, fr;q=0.5", "en"}, // a tie goes to the first listed
		{"de, en;q=0.1", "en"},
		{"de, es", "fr"},
		{"en;q=0", "fr"},
		{"EN-us", "en"},
		{"*", "fr"},
		{"en;q=abc", "en"},
		{"fr-CA;q=0.9, en-US;q=0.95", "en"},
		{"fr-CA,fr;q=0.9,en-CA;q=0.8,en;q=0.7", "fr"},
		{"de-DE,de;q=0.9", "fr"},
		{"en;q=bad, fr;q=0.1", "en"}, // a malformed q-value counts as 1
	}
	for _, tt := range tests {
		if got := PreferredLanguage(tt.header); got != tt.want {
			t.Errorf("PreferredLanguage(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

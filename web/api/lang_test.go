package api

import (
	"testing"

	"rdv"
)

func TestNegotiate(t *testing.T) {
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
	}
	for _, tt := range tests {
		if got := negotiate(tt.header); got != tt.want {
			t.Errorf("negotiate(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		lang, code, field, want string
	}{
		{"fr", rdv.EINVALID, "patient.health_number", "Le numéro d'assurance maladie est invalide."},
		{"en", rdv.EINVALID, "patient.health_number", "The health insurance number is invalid."},
		{"fr", rdv.EINVALID, "guardian.birth_date", "La date de naissance du parent ou tuteur est invalide."},
		{"en", rdv.EINVALID, "guardian.email", "The guardian's email address is invalid."},
		{"en", rdv.EINVALID, "radius_km", "The search radius (radius_km) is invalid."},
		{"fr", rdv.EINVALID, "mystery", "Le champ « mystery » est invalide."},
		{"fr", rdv.ENOTFOUND, "", "Introuvable."},
		{"en", rdv.ESLOTTAKEN, "", "This time slot was just taken. Please choose another one."},
		{"en", "no_such_code", "", "An internal error occurred. Please try again later."},
	}
	for _, tt := range tests {
		if got := message(tt.lang, tt.code, tt.field); got != tt.want {
			t.Errorf("message(%s, %s, %s) = %q, want %q", tt.lang, tt.code, tt.field, got, tt.want)
		}
	}
	// Every code has both languages.
	for code, m := range messages {
		if m.fr == "" || m.en == "" {
			t.Errorf("code %s lacks a message", code)
		}
		if statusOf(code) == 500 && code != rdv.EINTERNAL {
			t.Errorf("code %s maps to 500", code)
		}
	}
}

package api

import (
	"strings"
	"testing"

	"rdv"
	"rdv/i18n"
)

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
	for _, code := range errorCodes() {
		m, _ := i18n.Lookup("api.error." + code)
		if m.FR() == "" || m.EN() == "" {
			t.Errorf("code %s lacks a message", code)
		}
		if statusOf(code) == 500 && code != rdv.EINTERNAL {
			t.Errorf("code %s maps to 500", code)
		}
	}
}

// errorCodes are the codes the API has a message for (texts.go).
func errorCodes() []string {
	var codes []string
	for key := range i18n.All() {
		if code, ok := strings.CutPrefix(key, "api.error."); ok {
			codes = append(codes, code)
		}
	}
	return codes
}

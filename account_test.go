package rdv

import (
	"strings"
	"testing"
)

func TestAccountValidate(t *testing.T) {
	t.Parallel()
	// Any hash will do here: its format is checked by auth.CheckHash.
	const h = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw"
	tests := []struct {
		name  string
		a     Account
		field string
	}{
		{"operator", Account{Email: " Ops@X.Example ", Role: Operator, PasswordHash: h}, ""},
		{"receptionist with clinic", Account{Email: "r@x.example", Role: Receptionist, ClinicID: 3, PasswordHash: h}, ""},
		{"receptionist without clinic", Account{Email: "r@x.example", Role: Receptionist, PasswordHash: h}, "clinic_id"},
		{"agent with clinic", Account{Email: "a@x.example", Role: PhoneAgent, ClinicID: 3, PasswordHash: h}, "clinic_id"},
		{"no email", Account{Email: " ", Role: Operator, PasswordHash: h}, "email"},
		{"bad email", Account{Email: "a@", Role: Operator, PasswordHash: h}, "email"},
		{"email with a name", Account{Email: "Ops <ops@x.example>", Role: Operator, PasswordHash: h}, "email"},
		{"unknown role", Account{Email: "a@x.example", Role: "root", PasswordHash: h}, "role"},
		{"no password", Account{Email: "a@x.example", Role: Operator}, "password"},
		{"german", Account{Email: "a@x.example", Role: Operator, PasswordHash: h, Language: "de"}, "language"},
		{"control character in the name", Account{Email: "a@x.example", Name: "A\x07", Role: Operator, PasswordHash: h}, "name"},
	}
	for _, tt := range tests {
		a := tt.a
		err := a.Validate()
		if got := ErrorField(err); got != tt.field {
			t.Errorf("%s: field %q, want %q (%v)", tt.name, got, tt.field, err)
		}
		if err == nil && (a.Email != strings.ToLower(strings.TrimSpace(tt.a.Email)) || a.Language != "fr") {
			t.Errorf("%s: checked %+v: want the email in lower case and French by default", tt.name, a)
		}
	}
}

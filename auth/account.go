package auth

import (
	"net/mail"
	"strings"

	"rdv"
)

// CheckAccount validates an account before a store adds it and returns it
// with its email in lower case: emails are unique whatever their case.
func CheckAccount(a rdv.Account) (rdv.Account, error) {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Name = strings.TrimSpace(a.Name)
	if a.Language == "" {
		a.Language = "fr"
	}
	if err := rdv.CheckText("name", a.Name); err != nil {
		return a, err
	}
	if err := rdv.CheckText("email", a.Email); err != nil {
		return a, err
	}
	switch {
	case a.Email == "" || len(a.Email) > 254:
		return a, rdv.FieldError("email", "email missing or too long")
	case !validEmail(a.Email):
		return a, rdv.FieldError("email", "email not valid")
	case !a.Role.Valid():
		return a, rdv.FieldError("role", "unknown role %q", a.Role)
	case a.Role.ClinicBound() && a.ClinicID <= 0:
		return a, rdv.FieldError("clinic_id", "role %s needs a clinic", a.Role)
	case !a.Role.ClinicBound() && a.ClinicID != 0:
		return a, rdv.FieldError("clinic_id", "role %s works for no one clinic", a.Role)
	case a.PasswordHash == "":
		return a, rdv.FieldError("password", "password hash missing")
	case a.Language != "fr" && a.Language != "en":
		return a, rdv.FieldError("language", "language %q", a.Language)
	}
	if _, err := parseHash(a.PasswordHash); err != nil {
		return a, rdv.FieldError("password", "password hash: %v", err)
	}
	return a, nil
}

func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && strings.Contains(s, "@")
}

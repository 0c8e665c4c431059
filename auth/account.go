package auth

import "rdv"

// CheckHash refuses, as the account's "password" field, a password hash
// that is not an argon2id PHC string within the costs a server can give:
// a store that keeps a plain password or a tampered hash would let no one
// sign in, or let one sign-in take the site down. Stores call it after
// rdv.Account.Validate, which checks the account's other fields.
func CheckHash(hash string) error {
	if _, err := parseHash(hash); err != nil {
		return rdv.FieldError("password", "password hash: %v", err)
	}
	return nil
}

package storetest

import (
	"testing"

	"rdv/fieldcrypt"
)

// NewKeys returns a fresh key set, and its text, for a store under test:
// the suite runs with patient data sealed, as rdv serve does.
func NewKeys(t testing.TB) (*fieldcrypt.Keys, string) {
	t.Helper()
	text := fieldcrypt.Generate()
	k, err := fieldcrypt.Parse(text)
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	return k, text
}

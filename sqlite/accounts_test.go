package sqlite_test

import (
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestAccountsConformance(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}

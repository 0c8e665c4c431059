package postgres

import (
	"testing"

	"rdv"
	"rdv/storetest"
)

func TestAccountsConformance(t *testing.T) {
	serverURL(t)
	storetest.RunAccounts(t, func(t *testing.T) rdv.Store {
		return mustOpen(t, mustCreateDB(t), Options{})
	})
}

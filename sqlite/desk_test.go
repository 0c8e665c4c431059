package sqlite_test

import (
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestDeskConformance(t *testing.T) {
	storetest.RunDesk(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}

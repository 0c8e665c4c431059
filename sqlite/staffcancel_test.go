package sqlite_test

import (
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestStaffCancelConformance(t *testing.T) {
	storetest.RunStaffCancel(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}

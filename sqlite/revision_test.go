package sqlite_test

import (
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestRevisionConformance(t *testing.T) {
	storetest.RunRevision(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}

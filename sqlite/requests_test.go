package sqlite_test

import (
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestRequests(t *testing.T) {
	storetest.RunRequests(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}

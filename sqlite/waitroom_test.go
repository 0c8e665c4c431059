package sqlite_test

import (
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestWaitroom(t *testing.T) {
	storetest.RunWaitroom(t, func(t *testing.T) rdv.Store { return MustOpen(t, sqlite.Options{}) })
}

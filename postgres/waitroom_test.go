package postgres

import (
	"testing"

	"rdv"
	"rdv/storetest"
)

func TestWaitroom(t *testing.T) {
	serverURL(t)
	storetest.RunWaitroom(t, func(t *testing.T) rdv.Store {
		return mustOpen(t, mustCreateDB(t), Options{})
	})
}

package postgres

import (
	"testing"

	"rdv"
	"rdv/storetest"
)

func TestRequests(t *testing.T) {
	serverURL(t)
	storetest.RunRequests(t, func(t *testing.T) rdv.Store {
		return mustOpen(t, mustCreateDB(t), Options{})
	})
}

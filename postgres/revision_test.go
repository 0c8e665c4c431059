package postgres

import (
	"testing"

	"rdv"
	"rdv/storetest"
)

func TestRevisionConformance(t *testing.T) {
	serverURL(t)
	storetest.RunRevision(t, func(t *testing.T) rdv.Store {
		return mustOpen(t, mustCreateDB(t), Options{})
	})
}

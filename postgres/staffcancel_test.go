package postgres

import (
	"testing"

	"rdv"
	"rdv/storetest"
)

func TestStaffCancelConformance(t *testing.T) {
	serverURL(t)
	storetest.RunStaffCancel(t, func(t *testing.T) rdv.Store {
		return mustOpen(t, mustCreateDB(t), Options{})
	})
}

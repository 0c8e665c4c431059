package api

import (
	"net/http"
)

// exceptionRemoved is what removing an exception did.
type exceptionRemoved struct {
	Exception exceptionJSON       `json:"exception"`
	Restored  []exceptionSlotJSON `json:"restored"`
}

// removeException answers DELETE /api/v1/clinics/{clinic}/practitioners/
// {practitioner}/exceptions/{id}: it removes the exception and offers
// again, within the rolling horizon, the slots the plan wants inside it.
// A retry finds it gone (404) and changes nothing.
func (s *server) removeException(w http.ResponseWriter, r *http.Request) {
	a, p, err := s.clinicAdmin(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	eff, err := s.desk.RemoveException(r.Context(), a.ClinicID, p.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, exceptionRemoved{Exception: exceptionOf(eff.Exception), Restored: exceptionSlotsOf(eff.Restored)})
}

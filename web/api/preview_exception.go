package api

import (
	"net/http"
)

// exceptionPreview is what adding an exception would do.
type exceptionPreview struct {
	Exception exceptionJSON       `json:"exception"`
	Withdrawn []exceptionSlotJSON `json:"withdrawn"`
	Blocking  []exceptionSlotJSON `json:"blocking"`
}

// previewException answers POST /api/v1/clinics/{clinic}/practitioners/
// {practitioner}/exceptions/preview: the free slots an exception would
// withdraw and the booked or held ones that stop it, to show before the
// admin confirms. It changes nothing, so it needs no idempotency key.
func (s *server) previewException(w http.ResponseWriter, r *http.Request) {
	a, p, err := s.clinicAdmin(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in exceptionInput
	if _, err := readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := in.exception()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	eff, err := s.desk.PreviewException(r.Context(), a.ClinicID, p.ID, e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, exceptionPreview{Exception: exceptionOf(eff.Exception),
		Withdrawn: exceptionSlotsOf(eff.Withdrawn), Blocking: exceptionSlotsOf(eff.Kept)})
}

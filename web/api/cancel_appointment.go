package api

import "net/http"

type cancelRequest struct {
	Token string `json:"token"`
}

// cancelAppointment answers POST /api/v1/appointments/{id}/cancel: the
// holder of the cancel token frees the slot.
func (s *server) cancelAppointment(w http.ResponseWriter, r *http.Request) {
	var in cancelRequest
	id, idem, err := readAppointmentChange(w, r, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Engine.Cancel(r.Context(), id, in.Token, idem)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.viewAppointment(a, false))
}

package api

import "net/http"

type rescheduleRequest struct {
	Token  string `json:"token"`
	HoldID string `json:"hold_id"`
}

// rescheduleAppointment answers POST /api/v1/appointments/{id}/reschedule:
// the appointment moves to the slot of a live hold, the old slot is freed in
// the same transaction.
func (s *server) rescheduleAppointment(w http.ResponseWriter, r *http.Request) {
	var in rescheduleRequest
	id, idem, err := readAppointmentChange(w, r, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Engine.Reschedule(r.Context(), id, in.Token, in.HoldID, idem)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.viewAppointment(a, false))
}

package api

import (
	"net/http"

	"rdv"
)

// getAppointment answers GET /api/v1/appointments/{id}?token=...: the
// appointment to whoever holds its cancel token, and 404 to anyone else.
func (s *server) getAppointment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Engine.Appointment(r.Context(), id, r.URL.Query().Get("token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAppointmentRead, rdv.AppointmentRecords(a)) {
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.viewAppointment(a, false))
}

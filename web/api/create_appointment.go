package api

import (
	"net/http"

	"rdv/booking"
)

type appointmentRequest struct {
	HoldID   string        `json:"hold_id"`
	Patient  *patientInput `json:"patient"`
	Guardian *patientInput `json:"guardian"`
}

// createAppointment answers POST /api/v1/appointments: it turns a live hold
// into a booking and shows the cancel token, the only time it is shown.
func (s *server) createAppointment(w http.ResponseWriter, r *http.Request) {
	var in appointmentRequest
	idem, err := readKeyedJSON(w, r, &in, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ci, err := in.confirmInput()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Engine.Confirm(r.Context(), ci, idem)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, s.viewAppointment(a, true))
}

func (in appointmentRequest) confirmInput() (booking.ConfirmInput, error) {
	ci := booking.ConfirmInput{HoldID: in.HoldID}
	var p patientInput
	if in.Patient != nil {
		p = *in.Patient
	}
	pat, err := p.patient("patient")
	if err != nil {
		return ci, err
	}
	ci.Patient = pat
	if in.Guardian != nil {
		g, err := in.Guardian.patient("guardian")
		if err != nil {
			return ci, err
		}
		ci.Guardian = &g
	}
	return ci, nil
}

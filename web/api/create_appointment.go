package api

import (
	"net/http"

	"rdv"
	"rdv/booking"
)

type appointmentRequest struct {
	HoldID   string         `json:"hold_id"`
	Patient  *patientInput  `json:"patient"`
	Guardian *guardianInput `json:"guardian"`
	Notify   *notifyInput   `json:"notify"`
}

// notifyInput is the channels the person chose to hear about the
// booking on: its confirmation, its reminder and its notices. Without
// it, by email when an email is given; a channel left out is not chosen.
type notifyInput struct {
	Email bool `json:"email"`
	SMS   bool `json:"sms"`
}

// guardianInput is the parent or guardian who books for a child: a
// person whose birth date and health number are optional, and the
// relationship to the child.
type guardianInput struct {
	patientInput
	// Relationship is parent, legal_guardian or other. A client written
	// before the field existed sends none: it reads as "other", which
	// claims nothing the client did not say.
	Relationship *string `json:"relationship"`
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
	if in.Notify != nil {
		ci.Notify = &rdv.Notify{Email: in.Notify.Email, SMS: in.Notify.SMS}
	}
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
		ci.Relationship = rdv.OtherRelation
		if r := in.Guardian.Relationship; r != nil {
			ci.Relationship = rdv.Relationship(*r)
		}
	}
	return ci, nil
}

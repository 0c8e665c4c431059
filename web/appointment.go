package web

import (
	"net/http"

	"rdv"
)

// appointmentData is what the appointment page shows.
type appointmentData struct {
	ID         int64
	Status     rdv.AppointmentStatus
	Slot       slotView
	Patient    string
	Guardian   string // who booked for a child, if anyone
	Token      string
	Cancel     string // the page that asks to confirm the cancellation
	Cancelable bool
	Calendar   string // the .ics file of the appointment
	Reschedule string // the list of other times to move it to
}

// appointment shows an appointment to the holder of its link.
func (s *Server) appointment(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	a, ok := s.linkedAppointment(w, r, token)
	if !ok {
		return
	}
	guardian := ""
	if a.Guardian != nil {
		guardian = a.Guardian.FirstName + " " + a.Guardian.LastName
	}
	title := "appt.title.other"
	switch a.Status {
	case rdv.Booked:
		title = "appt.title.booked"
	case rdv.Cancelled:
		title = "appt.title.cancelled"
	}
	s.render(w, r, http.StatusOK, "appointment", &page{
		Title:  title,
		Notice: noticeOf(r),
		Data: appointmentData{
			ID:         a.ID,
			Status:     a.Status,
			Slot:       s.viewSlot(a.Slot),
			Patient:    a.Patient.FirstName + " " + a.Patient.LastName,
			Guardian:   guardian,
			Token:      token,
			Cancel:     cancelURL(a.ID, token),
			Cancelable: s.movable(a),
			Calendar:   calendarURL(a.ID, token),
			Reschedule: rescheduleURL(a.ID, token, ""),
		},
	})
}

// cancel cancels an appointment with the token of its link, or as the
// signed-in account it belongs to (see appointment_access.go), and shows
// the appointment again with the outcome.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, ok := s.appointmentID(w, r)
	if !ok {
		return
	}
	k := s.accessOf(r)
	_, err := s.cancelAs(r.Context(), k, id, nil)
	switch rdv.ErrorCode(err) {
	case "":
		http.Redirect(w, r, k.path(id, "", "cancelled"), http.StatusSeeOther)
	case rdv.ENOTFOUND, rdv.EINVALID:
		s.renderMessage(w, r, http.StatusNotFound, "error.appt_notfound")
	case rdv.ECONFLICT, rdv.EGONE:
		// Already cancelled (a second click) or no longer cancellable.
		notice := "not_cancelled"
		if a, err := s.findAppointment(r.Context(), k, id); err == nil && a.Status == rdv.Cancelled {
			notice = "cancelled"
		}
		http.Redirect(w, r, k.path(id, "", notice), http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

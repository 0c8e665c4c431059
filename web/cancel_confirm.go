package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rdv"
)

// Cancelling asks once. The appointment page's "Cancel" is a link to a
// page that says what will be cancelled (date, time, clinic, for whom),
// with "Yes, cancel" (a form that posts, with its CSRF token) and "No,
// keep it" (back to the appointment). Both work without JavaScript; the
// post answers 303 to the appointment page, which then shows it
// cancelled.

// cancelConfirmData is what the page asking to confirm a cancellation
// shows.
type cancelConfirmData struct {
	Slot    slotView
	Patient string
	ID      int64
	Action  string // where "Yes, cancel" posts
	Token   string
	Back    string // the appointment page: "No, keep it"
}

// cancelURL is the page that asks to confirm the cancellation of an
// appointment.
func cancelURL(id int64, token string) string {
	return "/rendez-vous/" + strconv.FormatInt(id, 10) + "/annuler?" + url.Values{"token": {token}}.Encode()
}

// cancelForm asks the holder of the appointment's link, or the account
// it belongs to, to confirm its cancellation. An appointment already
// cancelled, or that can no longer be cancelled, sends them back to its
// page, which says so.
func (s *Server) cancelForm(w http.ResponseWriter, r *http.Request) {
	k := s.accessOf(r)
	a, ok := s.openAppointment(w, r, k)
	if !ok {
		return
	}
	switch {
	case a.Status == rdv.Cancelled:
		http.Redirect(w, r, k.path(a.ID, "", "cancelled"), http.StatusSeeOther)
		return
	case !s.movable(a):
		http.Redirect(w, r, k.path(a.ID, "", "not_cancelled"), http.StatusSeeOther)
		return
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	s.render(w, r, http.StatusOK, "cancel_confirm", &page{
		Title: "appt.cancel.confirm.title",
		Data: cancelConfirmData{
			Slot:    s.viewSlot(a.Slot),
			Patient: a.Patient.FirstName + " " + a.Patient.LastName,
			ID:      a.ID,
			Action:  k.action(a.ID, "/annuler"),
			Token:   k.token,
			Back:    k.path(a.ID, "", ""),
		},
	})
}

package web

import (
	"net/http"

	"rdv"
)

// After a booking the appointment's page, reached by a redirect, is the
// one the browser keeps (post/redirect/get). Back from it comes to the
// hold's form, whose hold is used: the browser that booked gets a page
// that leads to its appointment, the link by which it is managed, rather
// than "not found"; anyone who only knows the hold's ID still gets "not
// found" (see held_cookies.go).

// bookedData is what the page of a hold already booked shows.
type bookedData struct {
	Slot slotView
	Link string
	// Cancelled: the appointment was cancelled since.
	Cancelled bool
}

// booked sends the person who just booked to the appointment's page, and
// lets the browser find it again from the hold's form.
func (s *Server) booked(w http.ResponseWriter, r *http.Request, holdID string, a rdv.Appointment) {
	dropHoldCookie(w, r, draftCookieName, holdID)
	s.setHoldCookie(w, r, bookedCookieName, holdID, booked{ID: a.ID, Token: a.CancelToken})
	http.Redirect(w, r, appointmentURL(a.ID, a.CancelToken, ""), http.StatusSeeOther)
}

// answerUsed answers a page of a used hold: the appointment it became,
// for the browser that booked it; not found for anyone else.
func (s *Server) answerUsed(w http.ResponseWriter, r *http.Request, h rdv.Hold) {
	var b booked
	if h.ID != "" && s.holdCookie(r, bookedCookieName, h.ID, &b) {
		a, err := s.d.Engine.Appointment(r.Context(), b.ID, b.Token)
		switch rdv.ErrorCode(err) {
		case "":
			s.render(w, r, http.StatusOK, "hold_booked", &page{
				Title: "booked.title",
				Data:  bookedData{Slot: s.viewSlot(a.Slot), Link: appointmentURL(a.ID, b.Token, ""), Cancelled: a.Status == rdv.Cancelled},
			})
			return
		case rdv.ENOTFOUND:
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.renderMessage(w, r, http.StatusNotFound, "error.hold_missing")
}

// keepDraft remembers what was typed on the form of a hold, with its
// messages, for the form shown again. It reports whether the browser
// was given it (a draft too big for a cookie is not).
func (s *Server) keepDraft(w http.ResponseWriter, r *http.Request, holdID string, f *form) bool {
	return s.setHoldCookie(w, r, draftCookieName, holdID, draft{Values: typedValues(f.Values), Errors: f.Errors})
}

package web

import (
	"net/http"

	"rdv"
)

// A form sent back with messages is answered by a redirect to the form's
// own page (post/redirect/get), not by the page itself: the browser's
// history then holds only GETs, and neither Back nor a reload after a
// corrected form asks to send it again, with or without JavaScript. What
// was typed and its messages travel in the hold's sealed draft cookie
// (held_cookies.go); the page shown by the GET answers 200, with the
// summary and each message by its field, and forgets the messages, so
// that coming back later shows what was typed without old reproaches.
//
// A draft too big for a cookie cannot make the trip: that form is
// answered in place, 422, as before, and its page puts its own address
// in the history (app.js) when scripts run.

// sendBookingBack answers a booking form with messages.
func (s *Server) sendBookingBack(w http.ResponseWriter, r *http.Request, h rdv.Hold, sl rdv.Slot, f *form) {
	f.summarize(bookingFields)
	if s.keepDraft(w, r, h.ID, f) {
		// The search travels with the form (q): keep the one it carried.
		s.carrySearch(w, r, h.ID, s.carriedSearch(r, h.ID))
		http.Redirect(w, r, holdPath(h.ID), http.StatusSeeOther)
		return
	}
	s.renderBooking(w, r, http.StatusUnprocessableEntity, h, sl, f)
}

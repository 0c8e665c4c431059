package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rdv"
)

// The staff's forms, like the patients' (form_sent_back.go), are sent
// back with their messages by a redirect to the form's own page: a
// receptionist or an agent who corrects a form and then goes Back, or
// reloads, is never asked to send it again. What was typed and the
// messages travel in a sealed cookie of that page (page_cookie.go),
// bound to the page and to the staff account: the GET shows every
// message once (200) and keeps the values until the form is taken or
// the cookie runs out. A draft too big for a cookie is answered in place
// (422), as before.

const (
	staffDraftCookie = "rdv_guichet"   // the desk's and the agent's booking form
	closeDraftCookie = "rdv_fermeture" // the agent's closing of a request
)

// staffBound binds a staff page's cookie to the page and the account.
func (s *Server) staffBound(r *http.Request, path string) string {
	a, _ := s.account(r)
	return path + "\x00" + strconv.FormatInt(a.ID, 10)
}

// bookingPath is the mode's booking form page for a hold.
func (m staffMode) bookingPath(holdID string) string {
	return m.prefix + "/reservation/" + url.PathEscape(holdID)
}

// sendStaffBookingBack answers a staff booking form with messages.
func (s *Server) sendStaffBookingBack(w http.ResponseWriter, r *http.Request, m staffMode, h rdv.Hold, sl rdv.Slot, f *form) {
	f.summarize(staffFields)
	path := m.bookingPath(h.ID)
	d := draft{Values: typedValues(f.Values), Errors: f.Errors}
	if s.setPageCookie(w, r, staffDraftCookie, path, s.staffBound(r, path), d, heldCookieTTL) {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return
	}
	s.renderStaffBooking(w, r, http.StatusUnprocessableEntity, m, h, sl, f)
}

// staffBookingDraft opens what was typed on the staff booking form of
// hold h, with the messages of a form just sent back (shown once).
func (s *Server) staffBookingDraft(w http.ResponseWriter, r *http.Request, m staffMode, holdID string) (*form, bool) {
	path := m.bookingPath(holdID)
	d, ok := s.sentBackDraft(w, r, staffDraftCookie, path, s.staffBound(r, path))
	if !ok {
		return nil, false
	}
	f := newForm(d.Values)
	for k, v := range d.Errors {
		f.Fail(k, v)
	}
	f.summarize(staffFields)
	return f, true
}

// requestPagePath is an agent's page of request id, where its closing
// form is.
func requestPagePath(id int64) string { return "/agent/demandes/" + strconv.FormatInt(id, 10) }

// sendCloseBack answers a closing with messages.
func (s *Server) sendCloseBack(w http.ResponseWriter, r *http.Request, req rdv.AppointmentRequest, f *form) {
	f.summarize(closeFields)
	path := requestPagePath(req.ID)
	if s.setPageCookie(w, r, closeDraftCookie, path, s.staffBound(r, path), draft{Values: f.Values, Errors: f.Errors}, heldCookieTTL) {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return
	}
	s.renderAgentRequest(w, r, http.StatusUnprocessableEntity, req, f, "")
}

// closeDraft opens the closing form of request id as it was sent back.
func (s *Server) closeDraft(w http.ResponseWriter, r *http.Request, id int64) (*form, bool) {
	path := requestPagePath(id)
	d, ok := s.sentBackDraft(w, r, closeDraftCookie, path, s.staffBound(r, path))
	if !ok {
		return nil, false
	}
	f := newForm(d.Values)
	for k, v := range d.Errors {
		f.Fail(k, v)
	}
	f.summarize(closeFields)
	return f, true
}

package web

import (
	"net/http"
	"net/url"
)

// switchField names the language switch's button when it posts a form
// (page.SwitchForm). A link would lose what the person typed, and a GET
// cannot carry it: the fields hold a health number, which must never
// travel in a URL. The button posts the form to its own page with ?lang=
// (which withLanguage reads and remembers), and the handler shows the form
// again in that language, filled in, without acting on it. It needs no
// script.
const switchField = "switch_lang"

// SwitchName is the name of the switch's button, for the layout.
func (p *page) SwitchName() string { return switchField }

// switchBookingLanguage shows the booking form again, in the language the
// switch chose, with what was typed and without checking it: nothing is
// booked and no message is shown until the person submits.
func (s *Server) switchBookingLanguage(w http.ResponseWriter, r *http.Request) {
	h, sl, state, err := s.findHold(r.Context(), r.PathValue("hold"))
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case state != holdLive:
		s.answerUnusable(w, r, h, sl, state, typedValues(r.PostForm))
		return
	}
	// The form comes back by a redirect, as a form with messages does
	// (form_sent_back.go): Back never asks to post the switch again.
	typed := typedValues(r.PostForm)
	if s.setHoldCookie(w, r, draftCookieName, h.ID, draft{Values: typed}) {
		s.carrySearch(w, r, h.ID, s.carriedSearch(r, h.ID))
		http.Redirect(w, r, holdPath(h.ID), http.StatusSeeOther)
		return
	}
	s.renderBooking(w, r, http.StatusOK, h, sl, newForm(typed))
}

// typedValues are a posted form's fields without the ones the page writes
// itself (the CSRF token, the submission key, the switch).
func typedValues(posted url.Values) url.Values {
	v := url.Values{}
	for k, vs := range posted {
		switch k {
		case "csrf", "cle", "q", switchField, paymentField:
			// A payment token is handed to the provider once, and never
			// kept in a draft or sent back to the page.
			continue
		}
		v[k] = vs
	}
	return v
}

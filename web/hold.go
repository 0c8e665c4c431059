package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rdv"
	"rdv/booking"
)

// hold holds the chosen slot for the person and sends them to the booking
// form. A slot somebody else got first sends them back to the results
// with a message.
func (s *Server) hold(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	slotID, err := strconv.ParseInt(r.PostForm.Get("slot_id"), 10, 64)
	if err != nil || slotID <= 0 {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	back := searchBack(r.PostForm.Get("q"))
	// One key per results page and slot: a double click or a reload holds
	// once, while choosing another slot from the same page is a new hold.
	idem := idemKey("web POST /reserver", r.PostForm.Get("cle")+":"+strconv.FormatInt(slotID, 10),
		url.Values{"slot_id": {strconv.FormatInt(slotID, 10)}})
	if r.PostForm.Get("cle") == "" {
		idem = nil
	}
	in := s.holdInput(r, slotID)
	in.AllowRostered = s.mayHoldRostered(r, slotID)
	h, err := s.d.Engine.HoldFor(r.Context(), in, idem)
	switch rdv.ErrorCode(err) {
	case "":
		s.carrySearch(w, r, h.ID, back)
		http.Redirect(w, r, holdPath(h.ID), http.StatusSeeOther) // #nosec G710 -- a path on this site, the ID escaped
	case rdv.ESLOTTAKEN, rdv.ENOTFOUND, rdv.ECONFLICT, rdv.EGONE, rdv.EFORBIDDEN:
		// EFORBIDDEN: a slot kept for a clinic's own patients, which search
		// offers only to the signed-in patients registered there; to
		// anyone else it is simply not available.
		http.Redirect(w, r, searchURL(back, "slot_taken"), http.StatusSeeOther) // #nosec G710 -- /recherche or /, with a query of kept fields
	case rdv.ETOOMANYHOLDS:
		http.Redirect(w, r, searchURL(back, "too_many"), http.StatusSeeOther) // #nosec G710 -- /recherche or /, with a query of kept fields
	default:
		s.fail(w, r, err)
	}
}

// holdInput says who asks for a hold: the signed-in staff or patient
// account, else the browser its signed cookie names, each capped at a few
// live holds; and
// the address asked from, whose ceiling is many times higher, so that the
// patients behind one NAT or proxy do not share a few holds. A browser
// without a valid id (a script that drops cookies) is capped by its
// address alone.
func (s *Server) holdInput(r *http.Request, slotID int64) booking.HoldInput {
	in := booking.HoldInput{SlotID: slotID, Address: s.clientAddr(r)}
	if a, ok := s.account(r); ok {
		in.ClientKey = "account:" + strconv.FormatInt(a.ID, 10)
	} else if p, ok := s.patient(r); ok {
		in.ClientKey = "patient:" + strconv.FormatInt(p.ID, 10)
	} else if s.d.Browser != nil {
		if id, ok := s.d.Browser(r); ok {
			in.ClientKey = "browser:" + id
		}
	}
	return in
}

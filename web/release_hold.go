package web

import (
	"net/http"
	"net/url"

	"rdv"
)

// The booking form keeps the search it came from (q, the search's own
// parameters only), so that choosing another time gives the hold back
// and returns to that very search: the same place, dates, times of day
// and position, not the clinic's town and new dates. The hold counted
// against the browser's few live holds until then, so a parent comparing
// times was locked out at the fourth choice.

// maxQuery bounds the carried search: its parameters are short.
const maxQuery = 2048

// searchBack reads a carried search. Only the search's own parameters
// are kept (see keepSearch), and searchURL makes of them a path on this
// site: whatever is sent, the link cannot lead elsewhere.
func searchBack(raw string) url.Values {
	if len(raw) > maxQuery {
		return url.Values{}
	}
	v, _ := url.ParseQuery(raw)
	return keepSearch(v)
}

// carrySearch gives the hold's pages the search it was made from, in a
// cookie of the hold (see held_cookies.go): the form's address stays the
// hold's alone.
func (s *Server) carrySearch(w http.ResponseWriter, r *http.Request, holdID string, search url.Values) {
	if q := keepSearch(search).Encode(); q != "" {
		s.setHoldCookie(w, r, searchCookieName, holdID, q)
	}
}

// carriedSearch is the search of a hold's page: the form's q when it
// posts one, else the one given to the hold when it was made.
func (s *Server) carriedSearch(r *http.Request, holdID string) url.Values {
	if r.PostForm != nil && r.PostForm.Has("q") {
		return searchBack(r.PostForm.Get("q"))
	}
	var q string
	s.holdCookie(r, searchCookieName, holdID, &q)
	return searchBack(q)
}

// releaseHold gives the hold back and returns to the search it came
// from (POST /reservation/{hold}/autre-creneau, a plain form). A hold of
// another browser, unknown or already ended, is left as it is: the
// person goes back to the search all the same.
func (s *Server) releaseHold(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id := r.PathValue("hold")
	err := s.d.Engine.Release(r.Context(), id, s.holdInput(r, 0))
	if err != nil && rdv.ErrorCode(err) != rdv.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	dropHoldCookie(w, r, draftCookieName, id)
	back := searchBack(r.PostForm.Get("q"))
	if len(back) == 0 {
		back = s.holdSearch(r, id)
	}
	http.Redirect(w, r, searchURL(back, ""), http.StatusSeeOther) // #nosec G710 -- /recherche or /, with a query of kept fields
}

// holdSearch is a search for a hold's service near its clinic, for a
// form that carried no search (a hold made elsewhere than the results).
func (s *Server) holdSearch(r *http.Request, holdID string) url.Values {
	h, err := s.d.Store.Hold(r.Context(), holdID)
	if err != nil {
		return url.Values{}
	}
	sl, err := s.d.Store.Slot(r.Context(), h.SlotID)
	if err != nil {
		return url.Values{}
	}
	return url.Values{"service": {string(sl.Service)}, "lieu": {s.viewSlot(sl).City}}
}

package web

import (
	"net/http"
	"net/url"

	"rdv"
)

// rescheduleOtherPath is where the page confirming a change gives its
// hold back to choose another time.
func rescheduleOtherPath(k apptAccess, id int64, hold string) string {
	return k.action(id, "/changer/"+url.PathEscape(hold)+"/autre-creneau")
}

// rescheduleOther gives the hold of a change back and returns to the
// list of other times (POST /rendez-vous/{id}/changer/{hold}/autre-creneau,
// a plain form), as the booking form's « Choisir un autre créneau » does:
// a link kept the hold, so the time chosen first stayed taken from
// everyone, itself shown no more in the list, and each time compared
// counted against the browser's few live holds. Only a link (or an
// account) that opens the appointment releases anything, and only a hold of the same browser
// (Engine.Release); one already ended is left as it is.
func (s *Server) rescheduleOther(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	k := s.accessOf(r)
	a, ok := s.openAppointment(w, r, k)
	if !ok {
		return
	}
	err := s.d.Engine.Release(r.Context(), r.PathValue("hold"), s.holdInput(r, 0))
	if err != nil && rdv.ErrorCode(err) != rdv.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, k.path(a.ID, "/changer", ""), http.StatusSeeOther)
}

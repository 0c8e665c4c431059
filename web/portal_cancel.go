package web

import (
	"net/http"

	"rdv"
)

// portalCancel cancels an appointment of the clinic for a patient who
// calls or comes to the desk: no token, the clinic comes from the account,
// and the freed slot goes back to search at once.
func (s *Server) portalCancel(w http.ResponseWriter, r *http.Request) {
	a, id, ok := s.staffTarget(w, r)
	if !ok {
		return
	}
	_, err := s.d.Engine.CancelByStaff(r.Context(), a.ClinicID, id)
	if rdv.ErrorCode(err) == rdv.ECONFLICT {
		// Started, or its visit already noted: the record stays.
		backToDay(w, r, r.PostForm.Get("date"), "not_cancelled")
		return
	}
	s.deskOutcome(w, r, err, "cancelled")
}

package api

import (
	"net/http"
	"strconv"

	"rdv"
	"rdv/i18n"
)

// exceptionAdded is what adding an exception did.
type exceptionAdded struct {
	Exception exceptionJSON       `json:"exception"`
	Withdrawn []exceptionSlotJSON `json:"withdrawn"`
}

// addException answers POST /api/v1/clinics/{clinic}/practitioners/
// {practitioner}/exceptions: it adds the exception and takes the free
// slots inside it out of search (201). With appointments or live holds
// inside it, nothing changes and the answer is 409 with those slots
// (blocking): an exception never cancels an appointment.
func (s *server) addException(w http.ResponseWriter, r *http.Request) {
	a, p, err := s.clinicAdmin(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in exceptionInput
	// One key serves one account and one practitioner: the body alone
	// (a date) is guessable.
	owner := actorKey(r, a) + "/practitioner:" + strconv.FormatInt(p.ID, 10)
	idem, err := readKeyedJSON(w, r, &in, owner)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := in.exception()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	eff, err := s.desk.AddException(r.Context(), a.ClinicID, p.ID, e, idem)
	switch {
	case rdv.ErrorCode(err) == rdv.ECONFLICT && len(eff.Kept) > 0:
		s.failBlocked(w, r, eff.Kept)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, exceptionAdded{Exception: exceptionOf(eff.Exception), Withdrawn: exceptionSlotsOf(eff.Withdrawn)})
}

// failBlocked answers 409 in the API's error format, with the booked and
// held slots that stop an exception.
func (s *server) failBlocked(w http.ResponseWriter, r *http.Request, kept []rdv.Slot) {
	type apiError struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	w.Header().Set("Content-Language", Lang(r))
	s.writeJSON(w, r, http.StatusConflict, struct {
		Error    apiError            `json:"error"`
		Blocking []exceptionSlotJSON `json:"blocking"`
	}{apiError{rdv.ECONFLICT, i18n.T(Lang(r), "api.exception.blocked")}, exceptionSlotsOf(kept)})
}

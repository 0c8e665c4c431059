package api

import (
	"net/http"

	"rdv"
)

type exceptionList struct {
	Exceptions []exceptionJSON `json:"exceptions"`
}

// listExceptions answers GET /api/v1/clinics/{clinic}/practitioners/
// {practitioner}/exceptions: the practitioner's exceptions that have not
// ended, as the portal lists them, for the clinic's admins.
func (s *server) listExceptions(w http.ResponseWriter, r *http.Request) {
	a, p, err := s.clinicAdmin(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.desk.Exceptions(r.Context(), a.ClinicID, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := rdv.DateOf(s.Engine.Now())
	out := exceptionList{Exceptions: []exceptionJSON{}}
	for _, e := range list {
		if !e.LastDay().Before(today) {
			out.Exceptions = append(out.Exceptions, exceptionOf(e))
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

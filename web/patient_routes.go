package web

import "net/http"

// patientRoutes adds the patient pages that come on top of the booking
// flow: the calendar file, more times at one clinic, the page that asks
// to confirm a cancellation and rescheduling.
func (s *Server) patientRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /rendez-vous/{id}/calendrier.ics", s.calendar)
	mux.HandleFunc("GET /recherche/clinique/{clinic}", s.moreTimes)
	mux.HandleFunc("GET /rendez-vous/{id}/annuler", s.cancelForm)
	s.rescheduleRoutes(mux)
}

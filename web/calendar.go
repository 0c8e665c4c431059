package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"rdv"
	"rdv/ical"
)

// calendar serves the appointment as an .ics file, to the holder of its
// link only (the token comes in the query, as on the appointment page),
// or to the signed-in account it belongs to: the same file, but for its
// link, which leads the account to « Mes rendez-vous » (the store keeps
// no token to write another).
func (s *Server) calendar(w http.ResponseWriter, r *http.Request) {
	k := s.accessOf(r)
	a, ok := s.openAppointment(w, r, k)
	if !ok {
		return
	}
	v := s.viewSlot(a.Slot)
	visit := ical.Visit{
		Appointment:  a,
		Clinic:       rdv.Clinic{Name: v.ClinicName, Address: v.Address, City: v.City, Phone: v.ClinicPhone},
		Practitioner: v.Practitioner,
	}
	if s.publicURL != "" {
		// The person's own page, token included, as the link of the
		// confirmation: the file is theirs, like the page it came from.
		// Built from the configured address, never the Host header.
		visit.URL = s.publicURL + k.path(a.ID, "", "")
	}
	body := ical.Write(ical.AppointmentEvent(visit, langOf(r.Context()), s.d.Engine.Now()))
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="rendez-vous-%d.ics"`, a.ID))
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write([]byte(body))
}

// calendarURL is the link of the .ics file of an appointment.
func calendarURL(id int64, token string) string {
	return fmt.Sprintf("/rendez-vous/%d/calendrier.ics?%s", id, url.Values{"token": {token}}.Encode())
}

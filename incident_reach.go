package rdv

// Reach counts whom the incident's notices reach among the appointments
// it touches (those booked in its window at its clinics): the notices are
// the ones DeclareIncident writes, one per channel chosen with a
// destination (Appointment.Notices). Both stores count a preview with it.
func (in Incident) Reach(touched []Appointment) IncidentReach {
	r := IncidentReach{Appointments: len(touched)}
	for _, a := range touched {
		if n := len(a.Notices(MessageOutage, "", in.DeclaredAt, in.DeclaredAt)); n > 0 {
			r.Told++
			r.Notices += n
		}
	}
	return r
}

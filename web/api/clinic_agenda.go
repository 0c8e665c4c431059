package api

import (
	"net/http"
	"strconv"
	"time"

	"rdv"
)

// maxAgendaDays is the longest agenda one request reads.
const maxAgendaDays = 31

// agendaJSON is a clinic's appointments over some days.
type agendaJSON struct {
	From         string                `json:"from"`
	Days         int                   `json:"days"`
	Appointments []agendaAppointmentJS `json:"appointments"`
}

// agendaAppointmentJS is one appointment of the agenda, with the
// patient's details as the booking gave them: the clinic's own patient,
// for the clinic's own record.
type agendaAppointmentJS struct {
	ID             int64                 `json:"id"`
	Status         rdv.AppointmentStatus `json:"status"`
	Start          time.Time             `json:"start"`
	End            time.Time             `json:"end"`
	PractitionerID int64                 `json:"practitioner_id"`
	Service        rdv.Service           `json:"service"`
	BookedBy       rdv.BookedBy          `json:"booked_by"`
	Channel        rdv.Channel           `json:"channel"`
	Revision       int                   `json:"revision"`
	Patient        agendaPatientJSON     `json:"patient"`
}

type agendaPatientJSON struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	BirthDate string `json:"birth_date,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
	Card      string `json:"card"`
}

// clinicAgenda answers GET /api/v1/clinic/agenda?from=YYYY-MM-DD&days=N
// for an API token with agenda:read: the token's clinic's appointments
// starting in those days, as its day view shows them (default: today and
// the 6 days after).
func (s *server) clinicAgenda(w http.ResponseWriter, r *http.Request) {
	t, ok := TokenOf(r.Context())
	if !ok {
		s.fail(w, r, errNoToken)
		return
	}
	q := r.URL.Query()
	from := rdv.DateOf(s.Engine.Now())
	if v := q.Get("from"); v != "" {
		d, err := rdv.ParseDate(v)
		if err != nil {
			s.fail(w, r, rdv.FieldError("from", "not a date: %q", v))
			return
		}
		from = d
	}
	days := 7
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAgendaDays {
			s.fail(w, r, rdv.FieldError("days", "days %q: 1 to %d", v, maxAgendaDays))
			return
		}
		days = n
	}
	entries, err := s.desk.Agenda(r.Context(), t.ClinicID, from, from.AddDays(days))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAgendaRead, rdv.AgendaRecords(entries)) {
		return
	}
	out := agendaJSON{From: from.String(), Days: days, Appointments: []agendaAppointmentJS{}}
	for _, e := range entries {
		a := e.Appointment
		if a == nil {
			continue
		}
		p := agendaPatientJSON{FirstName: a.Patient.FirstName, LastName: a.Patient.LastName, Phone: a.Patient.Phone,
			Email: a.Patient.Email, Card: string(a.Card)}
		if a.Patient.BirthDate != (rdv.Date{}) {
			p.BirthDate = a.Patient.BirthDate.String()
		}
		out.Appointments = append(out.Appointments, agendaAppointmentJS{ID: a.ID, Status: a.Status, Start: e.Slot.Start.UTC(),
			End: e.Slot.End.UTC(), PractitionerID: e.Slot.PractitionerID, Service: e.Slot.Service, BookedBy: a.BookedBy,
			Channel: a.Channel, Revision: a.Revision, Patient: p})
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

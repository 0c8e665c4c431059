package web

import (
	"net/http"
	"slices"

	"rdv"
)

// « Mes rendez-vous »: a signed-in patient's appointments, those made
// signed in and those made without an account with the email or phone
// the account proved it holds (the store joins them at sign-in). Each
// can be cancelled, moved and added to a calendar by the pages of the
// appointment's link, opened here by the account instead of the token
// (appointment_access.go).

// myAppointmentRow is one appointment of the list, its words in the
// page's language.
type myAppointmentRow struct {
	ID           int64
	When         string
	Service      rdv.Service
	ClinicName   string
	City         string
	Practitioner string
	Person       string
	Status       rdv.AppointmentStatus
	Movable      bool
	// The pages that cancel it, move it, and its .ics file.
	Cancel, Reschedule, Calendar string
	// Waitlist is its place on the waitlist of its clinic, if any; Wait
	// is where the form that asks for one posts (waitlist.go).
	Waitlist *waitlistRow
	Wait     string
}

// myAppointmentsData is what « Mes rendez-vous » shows: the appointments
// to come, soonest first, and the others (past or cancelled), latest
// first.
type myAppointmentsData struct {
	Upcoming, Past []myAppointmentRow
	Contact        string // the email or phone the account signed in with
}

// myAppointments lists the signed-in patient's appointments.
func (s *Server) myAppointments(w http.ResponseWriter, r *http.Request) {
	acct, _ := s.patient(r)
	as, err := s.d.Store.AccountAppointments(r.Context(), acct.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	waiting, places, err := s.waitlistRows(r, acct.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAppointmentsRead, rdv.AppointmentRecords(as...).With(places)) {
		return
	}
	lang := langOf(r.Context())
	now := s.d.Engine.Now()
	d := myAppointmentsData{Contact: acct.Email}
	if d.Contact == "" {
		d.Contact = rdv.FormatPhone(acct.Phone)
	}
	k := apptAccess{account: acct.ID}
	for _, a := range as {
		v := s.viewSlot(a.Slot)
		row := myAppointmentRow{
			ID: a.ID, When: FormatDateTime(a.Slot.Start, lang), Service: a.Slot.Service,
			ClinicName: v.ClinicName, City: v.City, Person: a.Patient.FirstName + " " + a.Patient.LastName,
			Status: a.Status, Movable: s.movable(a),
			Cancel: k.path(a.ID, "/annuler", ""), Reschedule: k.path(a.ID, "/changer", ""), Calendar: k.path(a.ID, "/calendrier.ics", ""),
			Waitlist: waiting[a.ID], Wait: waitlistPath(a.ID, ""),
		}
		if v.Practitioner != "" {
			row.Practitioner = practitionerName(v.Practitioner, lang)
		}
		if a.Status != rdv.Cancelled && now.Before(a.Slot.End) {
			d.Upcoming = append(d.Upcoming, row)
		} else {
			d.Past = append(d.Past, row)
		}
	}
	slices.Reverse(d.Past)
	s.render(w, r, http.StatusOK, "my_appointments", &page{Title: "mine.title", NoticeKey: noticeKeyOf(r), Data: d})
}

// myRowArgs is what the "my-appointment" template shows: one row, in the
// page's language.
type myRowArgs struct {
	P *page
	V myAppointmentRow
}

// With bundles the page and a row of « Mes rendez-vous » for its
// template.
func (p *page) With(v myAppointmentRow) myRowArgs { return myRowArgs{p, v} }

package web

import (
	"net/http"
	"strconv"

	"rdv"
)

// The day view keeps, per row, the time, the status, the patient's name
// and one primary action; everything else about a slot or an appointment
// (service, phone, who booked, no-show, cancel, block) is on a page of its
// own, one link from the row. The whole clinic's day then carries no
// second form per row, and the desk page works without JavaScript.

// portalItemData is what a desk page of one slot or appointment shows.
type portalItemData struct {
	Row          agendaRow
	Practitioner string
	Day          string // « lundi 7 décembre »
	Date         string // YYYY-MM-DD, for the forms' way back
	View         dayView
	BackURL      string
	Channel      string // how the appointment came in; "" for none
	Guardian     string // who booked for a child; "" for none
	// Messages are what was sent about the appointment, and
	// MessagesUnavailable says they could not be read just now (the
	// page shows the rest).
	Messages            []messageRow
	MessagesUnavailable bool
}

// portalSlot shows one slot of the clinic with its appointment, if any.
// Another clinic's slot is not found.
func (s *Server) portalSlot(w http.ResponseWriter, r *http.Request) {
	a, id, ok := s.staffItem(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	e, err := d.Entry(r.Context(), a.ClinicID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAppointmentRead, rdv.AgendaRecords([]rdv.AgendaEntry{e})) {
		return
	}
	s.renderItem(w, r, e)
}

// portalAppointment shows one appointment of the clinic, whatever its
// status. Another clinic's appointment is not found.
func (s *Server) portalAppointment(w http.ResponseWriter, r *http.Request) {
	a, id, ok := s.staffItem(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	appt, err := d.Appointment(r.Context(), a.ClinicID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAppointmentRead, rdv.AppointmentRecords(appt)) {
		return
	}
	s.renderItem(w, r, rdv.AgendaEntry{Slot: appt.Slot, Appointment: &appt})
}

// staffItem finds the signed-in account's clinic and the path's {id}; a
// malformed ID is not found. On false the answer is written.
func (s *Server) staffItem(w http.ResponseWriter, r *http.Request) (rdv.Account, int64, bool) {
	a, _, ok := s.staffClinic(w, r)
	if !ok {
		return a, 0, false
	}
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return a, 0, false
	}
	return a, id, true
}

func (s *Server) renderItem(w http.ResponseWriter, r *http.Request, e rdv.AgendaEntry) {
	lang := langOf(r.Context())
	day := rdv.DateOf(e.Slot.Start)
	view := dayViewOf(r.URL.Query())
	data := portalItemData{Row: agendaRowOf(e, s.d.Engine.Now(), lang), Day: FormatDay(e.Slot.Start, lang), Date: day.String(),
		View: view, BackURL: view.url(day) + "#slot-" + strconv.FormatInt(e.Slot.ID, 10)}
	if p, ok := s.d.Index.Practitioner(e.Slot.PractitionerID); ok {
		data.Practitioner = p.Name
	}
	title := "portal.item.slot"
	if a := e.Appointment; a != nil {
		title = "portal.item.appointment"
		data.Channel = translate(lang, "portal.channel."+string(a.Channel))
		if g := a.Guardian; g != nil {
			data.Guardian = g.FirstName + " " + g.LastName
		}
		acct, _ := s.account(r)
		ms, err := s.d.Store.Messages(r.Context(), rdv.MessageFilter{AppointmentID: a.ID, ClinicID: acct.ClinicID})
		if err != nil {
			s.log.WarnContext(r.Context(), "messages of an appointment unread", "appointment", a.ID, "err", err)
			data.MessagesUnavailable = true
		}
		data.Messages = messageRowsOf(ms, lang)
	}
	s.render(w, r, http.StatusOK, "portal_item", &page{Title: title, Data: data})
}

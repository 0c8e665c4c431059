package fhir

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"rdv"
	"rdv/i18n"
)

// appointmentStatus is a booking's FHIR status.
var appointmentStatus = map[rdv.AppointmentStatus]string{
	rdv.Booked:    "booked",
	rdv.Arrived:   "arrived",
	rdv.Fulfilled: "fulfilled",
	rdv.NoShow:    "noshow",
	rdv.Cancelled: "cancelled",
}

// proposal is an Appointment not yet made: the slot it would take, as
// $find proposes it (status proposed) or $hold holds it (pending).
func (s *Server) proposal(slotID, clinicID, practID int64, svc rdv.Service, start, end time.Time, lang string) Appointment {
	a := Appointment{
		ResourceType: "Appointment", ID: proposedID(slotID), Language: lang, Status: "proposed",
		ServiceType: []CodeableConcept{s.serviceConcept(svc, lang)},
		Start:       instant(start), End: instant(end), MinutesDur: int(end.Sub(start) / time.Minute),
		Slot: []Reference{{Reference: "Slot/" + idOf(slotID)}},
	}
	a.Participant = s.staffParticipants(clinicID, practID, lang)
	a.Participant = append(a.Participant, Participant{Actor: &Reference{Display: i18n.T(lang, "fhir.patient.to_come")}, Required: "required", Status: "needs-action"})
	a.Description = svc.Name(lang)
	return a
}

// staffParticipants are the practitioner and the clinic of a slot.
func (s *Server) staffParticipants(clinicID, practID int64, lang string) []Participant {
	var ps []Participant
	if p, ok := s.d.Index.Practitioner(practID); ok {
		ps = append(ps, Participant{Actor: &Reference{Reference: "PractitionerRole/" + idOf(practID), Display: i18n.PractitionerName(p.Name, lang)}, Required: "required", Status: "accepted"})
	}
	if c, ok := s.d.Index.Clinic(clinicID); ok {
		ps = append(ps, Participant{Actor: &Reference{Reference: "Location/" + idOf(clinicID), Display: c.Name}, Required: "required", Status: "accepted"})
	}
	return ps
}

// appointment is a booking as FHIR shows it to who may read it: the
// person booked is named (display) but has no resource of their own
// here, and their health number never leaves the platform this way.
func (s *Server) appointment(a rdv.Appointment, lang string) Appointment {
	sl := a.Slot
	out := Appointment{
		ResourceType: "Appointment", ID: idOf(a.ID), Language: lang, Status: appointmentStatus[a.Status],
		ServiceType: []CodeableConcept{s.serviceConcept(sl.Service, lang)},
		Description: sl.Service.Name(lang),
		Start:       instant(sl.Start), End: instant(sl.End), MinutesDur: int(sl.End.Sub(sl.Start) / time.Minute),
		Slot:    []Reference{{Reference: "Slot/" + idOf(sl.ID)}},
		Created: instant(a.CreatedAt),
		Meta:    &Meta{LastUpdated: instant(a.CreatedAt)},
	}
	if out.Status == "" {
		out.Status = "booked"
	}
	who := Participant{Actor: &Reference{Display: a.Patient.FirstName + " " + a.Patient.LastName}, Required: "required", Status: "accepted"}
	if a.Status == rdv.Cancelled {
		who.Status = "declined"
	}
	out.Participant = append([]Participant{who}, s.staffParticipants(sl.ClinicID, sl.PractitionerID, lang)...)
	if a.CancelToken != "" {
		// Shown once, in the answer to the booking: the token and the
		// appointment's page, which opens with it.
		out.Identifier = []Identifier{{System: cancelTokenSystem, Value: a.CancelToken}}
		out.Extension = []Extension{{URL: extAppointmentLink, ValueURL: s.d.PublicURL + "/rendez-vous/" + idOf(a.ID) + "?" + url.Values{"token": {a.CancelToken}}.Encode()}}
	}
	return out
}

// cancelTokenSystem names an appointment's token on the Appointment that
// $book answers, and on the one a cancellation sends back.
const cancelTokenSystem = "urn:rdv:appointment-token" // #nosec G101 -- a naming system's URI, not a credential

// readAppointment answers GET /fhir/Appointment/{id}: to the holder of
// its token (?token=, as the JSON API reads it), or to its clinic's
// party. Anyone else reads it as not found, so that ids cannot be
// probed; with neither a token nor a party, 401 says what is missing.
func (s *Server) readAppointment(w http.ResponseWriter, r *http.Request) {
	ref, ok := parseAppointmentID(r.PathValue("id"))
	if !ok || ref.appointment == 0 {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "appointment %q", r.PathValue("id")))
		return
	}
	a, err := s.openAppointment(r, ref.appointment, r.URL.Query().Get("token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.write(w, r, http.StatusOK, s.appointment(a, lang(r)))
}

// openAppointment reads an appointment for its token's holder or its
// clinic's party, and records the read.
func (s *Server) openAppointment(r *http.Request, id int64, token string) (rdv.Appointment, error) {
	var party *Party
	var a rdv.Appointment
	var err error
	if token != "" {
		a, err = s.d.Engine.Appointment(r.Context(), id, token)
	} else {
		var p Party
		if p, err = s.partyFor(r, rdv.ScopeAgendaRead); err != nil {
			return rdv.Appointment{}, err
		}
		party = &p
		a, err = s.desk.Appointment(r.Context(), p.ClinicID, id)
	}
	if err != nil {
		return rdv.Appointment{}, err
	}
	if err := s.recordRead(r, party, rdv.AuditAppointmentRead, rdv.AppointmentRecords(a)); err != nil {
		return rdv.Appointment{}, err
	}
	return a, nil
}

// maxAgendaDays is the longest stretch one Appointment search reads.
const maxAgendaDays = 31

// searchAppointments answers GET /fhir/Appointment: a clinic's
// appointments for its party, over at most a month (date, default the
// next seven days), by status, practitioner or slot. One appointment by
// its token is GET /fhir/Appointment/{id}?token=.
func (s *Server) searchAppointments(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("Appointment")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	party, err := s.partyFor(r, rdv.ScopeAgendaRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, to, err := parseDateRange(p.Values["date"], "date")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.d.Engine.Now()
	if from.IsZero() {
		from = rdv.DateOf(now).Start(rdv.Toronto)
	}
	if to.IsZero() {
		to = rdv.DateOf(from).AddDays(7).Start(rdv.Toronto)
	}
	first, last := rdv.DateOf(from), rdv.DateOf(to.Add(-time.Nanosecond))
	if !to.After(from) || last.AddDays(-maxAgendaDays+1).Start(rdv.Toronto).After(first.Start(rdv.Toronto)) {
		s.fail(w, r, badParam("date"))
		return
	}
	act, err := s.parseActor(firstOf(p.Get("practitioner"), p.Get("actor")), "practitioner")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, err := s.agenda(r, party, first, last.AddDays(1), from, to, act, tokens(p.Get("status")), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.paged(w, r, p, entries)
}

// agenda lists the party's clinic's appointments in [from, to) that the
// filters keep, as entries.
func (s *Server) agenda(r *http.Request, party Party, day, dayAfter rdv.Date, from, to time.Time, act actor, statuses []string, p searchParams) ([]Entry, error) {
	list, err := s.desk.Agenda(r.Context(), party.ClinicID, day, dayAfter)
	if err != nil {
		return nil, err
	}
	if err := s.recordRead(r, &party, rdv.AuditAppointmentsRead, rdv.AgendaRecords(list)); err != nil {
		return nil, err
	}
	l := lang(r)
	var entries []Entry
	for _, e := range list {
		a := e.Appointment
		if a == nil || e.Slot.Start.Before(from) || !e.Slot.Start.Before(to) {
			continue
		}
		a.Slot = e.Slot
		res := s.appointment(*a, l)
		if (act.practitioner != 0 && e.Slot.PractitionerID != act.practitioner) ||
			(act.clinic != 0 && act.clinic != party.ClinicID) ||
			(len(statuses) > 0 && !slices.Contains(statuses, res.Status)) ||
			!idMatch(p, res.ID) || !s.refMatch(p, "slot", "Slot", idOf(e.Slot.ID)) {
			continue
		}
		entries = append(entries, s.match("Appointment", res.ID, res))
	}
	return entries, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// holdUntil says when a hold runs out, for the answer to $hold.
func holdUntil(t, now time.Time, lang string) string {
	return i18n.T(lang, "fhir.hold.until", i18n.FormatClock(t, lang), strconv.Itoa(int(t.Sub(now).Round(time.Minute).Minutes())))
}

package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rdv"
	"rdv/availability"
	"rdv/booking"
)

// Bookings made by staff: a receptionist for a walk-in or a caller of the
// clinic, a phone agent for a caller anywhere in the network. Staff may
// hold slots kept for a clinic's own patients; the booking records who
// made it and how it arrived.

// staffMode is what differs between the clinic's desk and the phone
// console.
type staffMode struct {
	prefix   string // "/clinique" or "/agent"
	bookedBy rdv.BookedBy
	clinic   int64 // the only clinic reachable, 0 for any
}

func (s *Server) staffMode(r *http.Request) staffMode {
	a, _ := s.account(r)
	if a.Role == rdv.PhoneAgent {
		return staffMode{prefix: "/agent", bookedBy: rdv.ByAgent}
	}
	clinic := a.ClinicID
	if clinic <= 0 {
		// A clinic's staff without a clinic (an account stored wrongly)
		// reaches none, never every one: 0 would mean the agent's any.
		clinic = -1
	}
	return staffMode{prefix: "/clinique", bookedBy: rdv.ByStaff, clinic: clinic}
}

// reachable reports whether the mode may book slot sl.
func (m staffMode) reachable(sl rdv.Slot) bool { return m.clinic == 0 || sl.ClinicID == m.clinic }

// staffHold holds a slot for the caller and opens the booking form.
func (s *Server) staffHold(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m := s.staffMode(r)
	a, _ := s.account(r)
	id, err := strconv.ParseInt(r.PostForm.Get("slot_id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	sl, err := s.d.Store.Slot(r.Context(), id)
	if err != nil || !m.reachable(sl) {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	h, err := s.d.Engine.HoldFor(r.Context(), booking.HoldInput{SlotID: id, ClientKey: "staff:" + strconv.FormatInt(a.ID, 10), AllowRostered: true}, nil)
	switch rdv.ErrorCode(err) {
	case "":
		target := m.bookingPath(h.ID)
		if req, ok := s.requestFor(r, r.PostForm.Get("demande")); ok && m.clinic == 0 {
			target += "?demande=" + strconv.FormatInt(req.ID, 10)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	case rdv.ESLOTTAKEN, rdv.ECONFLICT, rdv.ETOOMANYHOLDS:
		if m.clinic != 0 {
			backToDay(w, r, rdv.DateOf(sl.Start).String(), "conflict")
			return
		}
		http.Redirect(w, r, "/agent?avis=slot_taken", http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// staffBookingData is what the staff booking form shows.
type staffBookingData struct {
	Slot      slotView
	HeldUntil string
	Action    string
	Nonce     string
	Agent     bool
	// Desk is the clinic's own desk, which may book a walk-in seen
	// without a card.
	Desk bool
}

// staffHoldOf finds the live hold of a staff booking page, within reach.
func (s *Server) staffHoldOf(w http.ResponseWriter, r *http.Request, m staffMode) (rdv.Hold, rdv.Slot, bool) {
	h, sl, state, err := s.findHold(r.Context(), r.PathValue("hold"))
	switch {
	case err != nil:
		s.fail(w, r, err)
		return h, sl, false
	case state == holdUsed || !m.reachable(sl):
		s.renderMessage(w, r, http.StatusNotFound, "error.hold_missing")
		return h, sl, false
	case state == holdExpired:
		s.renderMessage(w, r, http.StatusGone, "portal.hold_expired")
		return h, sl, false
	}
	return h, sl, true
}

// staffBookingForm asks for the caller's details.
func (s *Server) staffBookingForm(w http.ResponseWriter, r *http.Request) {
	m := s.staffMode(r)
	h, sl, ok := s.staffHoldOf(w, r, m)
	if !ok {
		return
	}
	if f, ok := s.staffBookingDraft(w, r, m, h.ID); ok {
		// What was typed, and the messages of a form just sent back
		// (staff_sent_back.go).
		s.renderStaffBooking(w, r, http.StatusOK, m, h, sl, f)
		return
	}
	f := newForm(url.Values{"language": {"fr"}, "channel": {string(rdv.Phone)}})
	if req, ok := s.requestFor(r, r.URL.Query().Get("demande")); ok && m.clinic == 0 {
		// Booking for a request: the caller's details as the request
		// gave them, for the agent to check with the caller.
		if !s.recordRead(w, r, rdv.AuditRequestRead, rdv.RequestRecords(req)) {
			return
		}
		for k, v := range map[string]string{"demande": strconv.FormatInt(req.ID, 10), "first_name": req.FirstName, "last_name": req.LastName,
			"birth_date": req.BirthDate.String(), "health_number": req.HealthNumber, "phone": req.Phone, "email": req.Email, "language": req.Language} {
			f.Values.Set(k, v)
		}
	}
	s.renderStaffBooking(w, r, http.StatusOK, m, h, sl, f)
}

func (s *Server) renderStaffBooking(w http.ResponseWriter, r *http.Request, status int, m staffMode, h rdv.Hold, sl rdv.Slot, f *form) {
	s.render(w, r, status, "portal_book", &page{Title: "portal.book.title", Form: f, Data: staffBookingData{
		Slot: s.viewSlot(sl), HeldUntil: FormatClock(h.ExpiresAt, langOf(r.Context())),
		Action: m.bookingPath(h.ID), Nonce: newNonce(), Agent: m.bookedBy == rdv.ByAgent, Desk: m.clinic != 0,
	}})
}

// staffFields are the staff booking form's fields, in order: the same
// people as the web's form, with its guardian section.
var staffFields = bookingFields

// staffConfirm books the held slot for the caller.
func (s *Server) staffConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m := s.staffMode(r)
	values := url.Values{}
	for k, v := range r.PostForm {
		if k != "cle" && k != csrfField {
			values[k] = v
		}
	}
	f := newForm(values)
	in := booking.ConfirmInput{HoldID: r.PathValue("hold"), BookedBy: m.bookedBy, Channel: rdv.Phone}
	readPeople(f, &in)
	// Only the clinic's own desk sees a patient without a card.
	in.WithoutCard = m.clinic != 0 && values.Get(noCardField) == "1"
	if m.bookedBy == rdv.ByStaff && values.Get("channel") == "sur_place" {
		in.Channel = rdv.Web // a walk-in booked at the desk's screen
	}
	idem := idemKey("web POST "+m.prefix+"/reservation", r.PostForm.Get("cle"), values)
	h, sl, state, err := s.findHold(r.Context(), in.HoldID)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case !m.reachable(sl) || (state == holdUsed && idem == nil):
		s.renderMessage(w, r, http.StatusNotFound, "error.hold_missing")
		return
	}
	if state == holdLive {
		s.checkPeople(f, in, sl)
	}
	if len(f.Errors) > 0 {
		s.sendStaffBookingBack(w, r, m, h, sl, f)
		return
	}
	if m.clinic == 0 {
		in.ForRequest, _ = strconv.ParseInt(values.Get("demande"), 10, 64)
	}
	a, err := s.d.Engine.Confirm(r.Context(), in, idem)
	if rdv.ErrorField(err) == "request" {
		// Another agent ended the request first: nothing was booked.
		http.Redirect(w, r, "/agent/demandes/"+strconv.FormatInt(in.ForRequest, 10)+"?avis=not_open", http.StatusSeeOther)
		return
	}
	switch rdv.ErrorCode(err) {
	case "":
		dropPageCookie(w, r, staffDraftCookie, m.bookingPath(h.ID))
		v := url.Values{"token": {a.CancelToken}}
		if in.ForRequest != 0 {
			v.Set("demande", strconv.FormatInt(in.ForRequest, 10))
		}
		http.Redirect(w, r, m.prefix+"/confirmation/"+strconv.FormatInt(a.ID, 10)+"?"+v.Encode(), http.StatusSeeOther)
	case rdv.EINVALID:
		placeErrors(f, err)
		s.sendStaffBookingBack(w, r, m, h, sl, f)
	case rdv.EGONE:
		s.renderMessage(w, r, http.StatusGone, "portal.hold_expired")
	case rdv.ENOTFOUND, rdv.ECONFLICT, rdv.ESLOTTAKEN:
		s.renderMessage(w, r, http.StatusNotFound, "error.hold_missing")
	default:
		s.fail(w, r, err)
	}
}

// staffBookedData is the confirmation to read to the caller.
type staffBookedData struct {
	Slot      slotView
	Patient   string
	ID        int64
	CancelURL string // the full link of the appointment page
	BackURL   string
	Channel   string
	// RequestURL is the page of the request the booking answered.
	RequestURL string
}

// staffBooked shows the confirmation and the link that lets the caller
// see and cancel the appointment. The token in the URL is what proves the
// page may show it.
func (s *Server) staffBooked(w http.ResponseWriter, r *http.Request) {
	m := s.staffMode(r)
	id, ok := pathID(r)
	token := r.URL.Query().Get("token")
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	a, err := s.d.Engine.Appointment(r.Context(), id, token)
	if err != nil || !m.reachable(a.Slot) {
		s.renderMessage(w, r, http.StatusNotFound, "error.appt_notfound")
		return
	}
	if !s.recordRead(w, r, rdv.AuditAppointmentRead, rdv.AppointmentRecords(a)) {
		return
	}
	back := "/agent"
	if m.clinic != 0 {
		back = "/clinique?date=" + rdv.DateOf(a.Slot.Start).String()
	}
	var requestURL, notice string
	if id, err := strconv.ParseInt(r.URL.Query().Get("demande"), 10, 64); err == nil && m.clinic == 0 {
		if req, err := s.d.Store.Request(r.Context(), id); err == nil && req.AppointmentID == a.ID {
			requestURL, notice = "/agent/demandes/"+strconv.FormatInt(id, 10), translate(langOf(r.Context()), "req.notice.booked")
		}
	}
	s.render(w, r, http.StatusOK, "portal_booked", &page{Title: "portal.booked.title", Notice: notice, Data: staffBookedData{RequestURL: requestURL,
		Slot: s.viewSlot(a.Slot), Patient: a.Patient.FirstName + " " + a.Patient.LastName, ID: a.ID,
		CancelURL: s.publicURL + appointmentURL(a.ID, token, ""), BackURL: back,
		Channel: translate(langOf(r.Context()), "portal.channel."+string(a.Channel)),
	}})
}

// agentData is what the phone console shows.
type agentData struct {
	searchData
	Clinics []option
	// For is the open request the agent books for, if any.
	For *rdv.AppointmentRequest
}

// agentSearch is the phone console: the patients' search over every
// clinic, plus the rostered-only slots of the clinic the caller is
// registered with.
func (s *Server) agentSearch(w http.ResponseWriter, r *http.Request) {
	v := keepSearch(r.URL.Query())
	if x := r.URL.Query().Get("inscrit"); x != "" && len(x) < 20 {
		v.Set("inscrit", x)
	}
	f := newForm(v)
	s.fillSearchDefaults(f)
	lang := langOf(r.Context())
	data := agentData{searchData: s.searchData(r, f)}
	if req, ok := s.requestFor(r, r.URL.Query().Get("demande")); ok {
		// The caller's name shows: the agent read the request.
		if !s.recordRead(w, r, rdv.AuditRequestRead, rdv.RequestRecords(req)) {
			return
		}
		data.For = &req
	}
	rostered, _ := strconv.ParseInt(f.Values.Get("inscrit"), 10, 64)
	data.Clinics = append(data.Clinics, option{Value: "", Label: translate(lang, "agent.rostered.none")})
	for _, c := range s.d.Index.Clinics() {
		data.Clinics = append(data.Clinics, option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + " (" + c.City + ")", Selected: c.ID == rostered})
	}
	p := &page{Title: "agent.title", Form: f, Data: &data}
	if r.URL.Query().Get("avis") == "slot_taken" {
		p.Notice = p.T("notice.slot_taken")
	}
	if r.URL.Query().Get("lieu") == "" {
		s.render(w, r, http.StatusOK, "portal_agent", p)
		return
	}
	q, place, ok := s.parseSearch(f)
	if !ok {
		f.summarize(searchFields)
		s.render(w, r, http.StatusUnprocessableEntity, "portal_agent", p)
		return
	}
	data.Searched, data.PlaceName, data.RadiusKm = true, place.Name, f.Values.Get("rayon")
	q.IncludeRostered = rostered != 0
	for _, res := range s.d.Index.Search(q, make([]availability.Result, 0, resultLimit)) {
		if res.ClinicID != rostered && q.IncludeRostered {
			// Rostered-only slots of other clinics are not the caller's.
			if sl, err := s.d.Store.Slot(r.Context(), res.SlotID); err != nil || sl.Audience == rdv.Rostered {
				continue
			}
		}
		row := resultRow{SlotID: res.SlotID, When: FormatDateTime(res.Start, lang), Distance: FormatKm(res.DistanceKm, lang)}
		if c, ok := s.d.Index.Clinic(res.ClinicID); ok {
			row.ClinicName, row.City = c.Name, c.City
		}
		if pr, ok := s.d.Index.Practitioner(res.PractitionerID); ok {
			row.With = translate(lang, "results.with", practitionerName(pr.Name, lang))
		}
		data.Results = append(data.Results, row)
	}
	s.render(w, r, http.StatusOK, "portal_agent", p)
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/availability"
)

// Rescheduling from the appointment page, with the token of its link (or
// from « Mes rendez-vous », as the account it belongs to: see
// appointment_access.go): the times near the same clinic for the same
// service, a hold on the one chosen, a page to confirm the change, and
// the appointment page again with its new time. Every step works with
// plain forms.

// Reschedule bounds: the list looks around the clinic as far as people
// usually travel to it, over the whole slot horizon.
const (
	rescheduleRadiusKm  = 10
	rescheduleLimit     = 20
	reschedulePerClinic = 6
)

func init() {
	notices["rescheduled"] = "notice.rescheduled"
	notices["not_changed"] = "notice.not_changed"
	notices["hold_expired"] = "notice.hold_expired"
}

// rescheduleTimesData is what the list of other times shows.
type rescheduleTimesData struct {
	Current slotView
	Action  string // where a chosen time posts
	Token   string
	Nonce   string
	Choose  string
	Results []resultRow
	Back    string // the appointment page
}

// rescheduleFormData is what the page confirming the change shows.
type rescheduleFormData struct {
	Old, New    slotView
	HeldUntil   time.Time
	SecondsLeft int
	Action      string
	Token       string
	Nonce       string
	Other       string // gives the hold back for the list of other times
}

// rescheduleURL is the list of other times of an appointment.
func rescheduleURL(id int64, token, notice string) string {
	v := url.Values{"token": {token}}
	if notice != "" {
		v.Set("avis", notice)
	}
	return "/rendez-vous/" + strconv.FormatInt(id, 10) + "/changer?" + v.Encode()
}

// appointmentID reads the appointment number of the request's path. A
// malformed one answers the request as an unknown appointment does.
func (s *Server) appointmentID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderMessage(w, r, http.StatusNotFound, "error.appt_notfound")
		return 0, false
	}
	return id, true
}

// linkedAppointment finds the appointment of the request's link. It
// answers the request itself when the appointment is not found (a wrong
// token reads the same) or cannot be read, and returns false.
func (s *Server) linkedAppointment(w http.ResponseWriter, r *http.Request, token string) (rdv.Appointment, bool) {
	id, ok := s.appointmentID(w, r)
	if !ok {
		return rdv.Appointment{}, false
	}
	a, err := s.d.Engine.Appointment(r.Context(), id, token)
	switch rdv.ErrorCode(err) {
	case "":
		return a, s.recordRead(w, r, rdv.AuditAppointmentRead, rdv.AppointmentRecords(a))
	case rdv.ENOTFOUND:
		s.renderMessage(w, r, http.StatusNotFound, "error.appt_notfound")
	default:
		s.fail(w, r, err)
	}
	return rdv.Appointment{}, false
}

// movable reports whether an appointment can still be cancelled or moved:
// booked, and not yet begun.
func (s *Server) movable(a rdv.Appointment) bool {
	return a.Status == rdv.Booked && s.d.Engine.Now().Before(a.Slot.Start)
}

// movableAppointment finds the appointment of the request, as
// openAppointment does, and sends the holder back to it when it can no
// longer be moved.
func (s *Server) movableAppointment(w http.ResponseWriter, r *http.Request, k apptAccess) (rdv.Appointment, bool) {
	a, ok := s.openAppointment(w, r, k)
	if ok && !s.movable(a) {
		http.Redirect(w, r, k.path(a.ID, "", "not_changed"), http.StatusSeeOther)
		return a, false
	}
	return a, ok
}

// rescheduleTimes lists the free times near the appointment's clinic for
// its service.
func (s *Server) rescheduleTimes(w http.ResponseWriter, r *http.Request) {
	k := s.accessOf(r)
	a, ok := s.movableAppointment(w, r, k)
	if !ok {
		return
	}
	lang := langOf(r.Context())
	data := rescheduleTimesData{
		Current: s.viewSlot(a.Slot),
		Action:  k.action(a.ID, "/changer"),
		Token:   k.token,
		Nonce:   newNonce(),
		Choose:  translate(lang, "results.choose"),
		Back:    k.path(a.ID, "", ""),
	}
	c, _ := s.d.Index.Clinic(a.Slot.ClinicID)
	now := s.d.Engine.Now()
	q := availability.Query{
		Lat: c.Lat, Lon: c.Lon, RadiusKm: rescheduleRadiusKm, Service: a.Slot.Service,
		From: now, To: rdv.DateOf(now).AddDays(maxDays).Start(rdv.Toronto),
		Limit: rescheduleLimit, PerClinic: reschedulePerClinic,
	}
	for _, res := range s.d.Index.Search(q, make([]availability.Result, 0, q.Limit)) {
		row := resultRow{SlotID: res.SlotID, When: FormatDateTime(res.Start, lang), Distance: FormatKm(res.DistanceKm, lang), ClinicID: res.ClinicID}
		if c, ok := s.d.Index.Clinic(res.ClinicID); ok {
			row.ClinicName, row.City = c.Name, c.City
		}
		if p, ok := s.d.Index.Practitioner(res.PractitionerID); ok {
			row.With = translate(lang, "results.with", practitionerName(p.Name, lang))
		}
		data.Results = append(data.Results, row)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	s.render(w, r, http.StatusOK, "reschedule", &page{Title: "resched.title", Notice: noticeOf(r), Data: data})
}

// rescheduleHold holds the chosen time and sends the person to the page
// that confirms the change. The appointment's token (or account) is
// checked first: no hold is placed for a link that does not open the
// appointment.
func (s *Server) rescheduleHold(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	k := s.accessOf(r)
	a, ok := s.movableAppointment(w, r, k)
	if !ok {
		return
	}
	slotID, err := strconv.ParseInt(r.PostForm.Get("slot_id"), 10, 64)
	if err != nil || slotID <= 0 {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	// Only a time of the same service: the list offers nothing else.
	if sl, err := s.d.Store.Slot(r.Context(), slotID); err != nil || sl.Service != a.Slot.Service || sl.ID == a.Slot.ID {
		http.Redirect(w, r, k.path(a.ID, "/changer", "slot_taken"), http.StatusSeeOther)
		return
	}
	slot := strconv.FormatInt(slotID, 10)
	idem := idemKey("web POST /rendez-vous/changer", r.PostForm.Get("cle")+":"+slot, url.Values{"slot_id": {slot}})
	h, err := s.d.Engine.HoldFor(r.Context(), s.holdInput(r, slotID), idem)
	switch rdv.ErrorCode(err) {
	case "":
		http.Redirect(w, r, k.path(a.ID, "/changer/"+url.PathEscape(h.ID), ""), http.StatusSeeOther)
	case rdv.ESLOTTAKEN, rdv.ENOTFOUND, rdv.ECONFLICT, rdv.EGONE, rdv.EFORBIDDEN:
		http.Redirect(w, r, k.path(a.ID, "/changer", "slot_taken"), http.StatusSeeOther)
	case rdv.ETOOMANYHOLDS:
		http.Redirect(w, r, k.path(a.ID, "/changer", "too_many"), http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// rescheduleForm shows the old and the new time and asks to confirm.
func (s *Server) rescheduleForm(w http.ResponseWriter, r *http.Request) {
	k := s.accessOf(r)
	a, ok := s.movableAppointment(w, r, k)
	if !ok {
		return
	}
	h, sl, state, err := s.findHold(r.Context(), r.PathValue("hold"))
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case state == holdUsed && sl.ID == a.Slot.ID:
		// Confirmed already (a reload after the change): show the result.
		http.Redirect(w, r, k.path(a.ID, "", ""), http.StatusSeeOther)
		return
	case state != holdLive:
		http.Redirect(w, r, k.path(a.ID, "/changer", "hold_expired"), http.StatusSeeOther)
		return
	}
	lang := langOf(r.Context())
	self := k.path(a.ID, "/changer/"+url.PathEscape(h.ID), "")
	sep := "?"
	if strings.Contains(self, "?") {
		sep = "&"
	}
	s.render(w, r, http.StatusOK, "reschedule_confirm", &page{
		Title:     "resched.confirm.title",
		SwitchURL: self + sep + "lang=" + otherLang(lang),
		Data: rescheduleFormData{
			Old:         s.viewSlot(a.Slot),
			New:         s.viewSlot(sl),
			HeldUntil:   h.ExpiresAt,
			SecondsLeft: max(0, int(h.ExpiresAt.Sub(s.d.Engine.Now()).Seconds())),
			Action:      k.action(a.ID, "/changer/"+url.PathEscape(h.ID)),
			Token:       k.token,
			Nonce:       newNonce(),
			Other:       rescheduleOtherPath(k, a.ID, h.ID),
		},
	})
}

// rescheduleConfirm moves the appointment to the held time and shows it.
func (s *Server) rescheduleConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, ok := s.appointmentID(w, r)
	if !ok {
		return
	}
	k, hold := s.accessOf(r), r.PathValue("hold")
	idem := idemKey("web POST /rendez-vous/changer/confirmer", r.PostForm.Get("cle"), url.Values{"id": {r.PathValue("id")}, "hold": {hold}})
	_, err := s.rescheduleAs(r.Context(), k, id, hold, idem)
	switch rdv.ErrorCode(err) {
	case "":
		http.Redirect(w, r, k.path(id, "", "rescheduled"), http.StatusSeeOther)
		return
	case rdv.EINVALID:
		s.renderMessage(w, r, http.StatusNotFound, "error.appt_notfound")
		return
	case rdv.ENOTFOUND, rdv.EGONE, rdv.ECONFLICT, rdv.ESLOTTAKEN:
	default:
		s.fail(w, r, err)
		return
	}
	// Say what went wrong: a link that does not open the appointment, an
	// appointment that can no longer move, or a hold that ran out.
	if _, ok := s.movableAppointment(w, r, k); !ok {
		return
	}
	switch {
	case rdv.ErrorCode(err) == rdv.ESLOTTAKEN:
		http.Redirect(w, r, k.path(id, "/changer", "slot_taken"), http.StatusSeeOther)
	default:
		http.Redirect(w, r, k.path(id, "/changer", "hold_expired"), http.StatusSeeOther)
	}
}

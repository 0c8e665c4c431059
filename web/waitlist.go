package web

import (
	"net/http"
	"strconv"

	"rdv"
	"rdv/auth"
	"rdv/spool"
)

// The waitlist of one's own clinic, from « Mes rendez-vous »: a signed-in
// patient asks for an appointment to come to be moved earlier at its
// clinic, free (rdv's waitlist.go). The place is a request like any
// other, in the matcher's one queue; its page is the request's own
// (/demande/{reference}), where its proposal is answered, opened once by
// the redirect that follows the ask and afterwards by the proposal's
// message. The account leaves the waitlist from « Mes rendez-vous »,
// without the request's token.

func init() {
	notices["waitlisted"] = "wait.notice.joined"
	notices["waitlist_left"] = "wait.notice.left"
	notices["waitlist_already"] = "wait.notice.already"
	notices["waitlist_ended"] = "wait.notice.ended"
	requestPageNotices["waitlisted"] = "wait.notice.joined"
}

// waitlistRow is a place on the waitlist as « Mes rendez-vous » shows it
// under its appointment.
type waitlistRow struct {
	Reference string
	Proposed  bool   // a slot is held for it: its message says how to answer
	Leave     string // where the form that leaves the waitlist posts
}

// waitlistPath is the path of appointment id's waitlist actions.
func waitlistPath(id int64, suffix string) string {
	return myAppointmentsPath + "/" + strconv.FormatInt(id, 10) + "/plus-tot" + suffix
}

// waitlistRows reads the account's places on the waitlist, by the
// appointment each moves, and names them for the trail.
func (s *Server) waitlistRows(r *http.Request, accountID int64) (map[int64]*waitlistRow, rdv.AuditRecords, error) {
	rs, err := s.d.Store.WaitlistRequests(r.Context(), accountID)
	if err != nil {
		return nil, rdv.AuditRecords{}, err
	}
	out := make(map[int64]*waitlistRow, len(rs))
	for _, req := range rs {
		out[req.MovesAppointment] = &waitlistRow{Reference: req.Reference, Proposed: req.Status == rdv.RequestProposed,
			Leave: waitlistPath(req.MovesAppointment, "/retirer")}
	}
	return out, rdv.RequestRecords(rs...), nil
}

// joinWaitlist puts one of the account's appointments on the waitlist of
// its clinic and leads to the place's page, whose link (the request's
// token) this answer gives once.
func (s *Server) joinWaitlist(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if s.d.Matcher == nil {
		s.renderError(w, r, http.StatusServiceUnavailable)
		return
	}
	acct, _ := s.patient(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderMessage(w, r, http.StatusNotFound, "appt.notfound")
		return
	}
	a, err := s.d.Store.Appointment(r.Context(), id)
	if err != nil {
		s.waitlistFailed(w, r, err)
		return
	}
	c, _ := s.d.Index.Clinic(a.Slot.ClinicID)
	token := auth.RandomToken(24)
	req, err := rdv.WaitlistInput{Appointment: a, Clinic: c, SamePractitioner: r.PostForm.Get("meme") == "1",
		Account: acct, Reference: spool.NewReference(), TokenHash: auth.HashToken(token), Now: s.d.Matcher.Now()}.Request()
	if err == nil {
		req, err = s.d.Store.AddRequest(r.Context(), req)
	}
	if err != nil {
		s.waitlistFailed(w, r, err)
		return
	}
	s.d.Matcher.Arrived(req)
	s.log.InfoContext(r.Context(), "waitlist joined", "reference", req.Reference, "appointment", a.ID)
	http.Redirect(w, r, requestPagePathFor(req.Reference, token, "waitlisted"), http.StatusSeeOther)
}

// leaveWaitlist ends the account's waiting place for an appointment,
// freeing a slot proposed to it.
func (s *Server) leaveWaitlist(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if s.d.Matcher == nil {
		s.renderError(w, r, http.StatusServiceUnavailable)
		return
	}
	acct, _ := s.patient(r)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	rows, _, err := s.waitlistRows(r, acct.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	row, ok := rows[id]
	if !ok {
		// Left already, or ended by the appointment's change.
		http.Redirect(w, r, myAppointmentsPath+"?avis=waitlist_ended", http.StatusSeeOther)
		return
	}
	if _, err := s.d.Matcher.WithdrawAs(r.Context(), row.Reference, acct.ID); err != nil {
		s.waitlistFailed(w, r, err)
		return
	}
	http.Redirect(w, r, myAppointmentsPath+"?avis=waitlist_left", http.StatusSeeOther)
}

// waitlistFailed leads back to « Mes rendez-vous » with what happened: a
// place already waiting, an appointment no longer booked at its time. An
// appointment of another account reads as unknown.
func (s *Server) waitlistFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch code, field := rdv.ErrorCode(err), rdv.ErrorField(err); {
	case code == rdv.ENOTFOUND:
		s.renderMessage(w, r, http.StatusNotFound, "appt.notfound")
	case code == rdv.ECONFLICT && field == "waitlist":
		http.Redirect(w, r, myAppointmentsPath+"?avis=waitlist_already", http.StatusSeeOther)
	case code == rdv.ECONFLICT:
		http.Redirect(w, r, myAppointmentsPath+"?avis=waitlist_ended", http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// moveLines writes what a place on the waitlist asks for: the
// appointment it moves earlier and where, and the practitioner when the
// person asked for the same one.
func moveLines(req rdv.AppointmentRequest, lang string) []string {
	lines := []string{translate(lang, "wait.criteria.move", FormatDateTime(req.To, lang), req.Service.Name(lang), req.Place)}
	if req.PractitionerID != 0 {
		lines = append(lines, translate(lang, "wait.criteria.same"))
	}
	return append(lines, translate(lang, "req.scope."+string(req.Scope)))
}

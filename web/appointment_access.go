package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rdv"
)

// An appointment's pages (cancel it, move it, its .ics file) open it in
// one of two ways, with the same handlers:
//
//   - by its link: /rendez-vous/{id}/... with the token in the query (a
//     GET) or the form (a post), which the store checks against its hash;
//   - as the signed-in patient account it belongs to:
//     /mes-rendez-vous/{id}/... without a token, whose routes need the
//     account (route.SignedInPatient); another account's appointment, or
//     one of no account, reads as not found, as a wrong token does.
//
// apptAccess is which of the two a request uses: it says where the pages'
// links and redirects lead, and whom the engine acts for.

// myAppointmentsPath is the account's list of appointments, the page its
// appointments' own pages lead back to.
const myAppointmentsPath = "/mes-rendez-vous"

// apptAccess is how a request opens an appointment: token for its link's
// pages, account for the signed-in owner's.
type apptAccess struct {
	token   string
	account int64
}

// accessOf returns how r opens its appointment: as the signed-in account
// on the account's pages, else by the token of the link (the query's on
// a GET, the form's on a post).
func (s *Server) accessOf(r *http.Request) apptAccess {
	if strings.HasPrefix(r.URL.Path, myAppointmentsPath+"/") {
		a, _ := s.patient(r)
		return apptAccess{account: a.ID}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return apptAccess{token: r.URL.Query().Get("token")}
	}
	return apptAccess{token: r.PostForm.Get("token")}
}

// action is where a form of the appointment's pages posts: its path
// alone, since a post carries the token in its form.
func (k apptAccess) action(id int64, suffix string) string {
	base := "/rendez-vous/"
	if k.account != 0 {
		base = myAppointmentsPath + "/"
	}
	return base + strconv.FormatInt(id, 10) + suffix
}

// path is the link of one of the appointment's pages (suffix "" is the
// appointment's own: for the account, its list), with a notice for it
// to show ("" for none).
func (k apptAccess) path(id int64, suffix, notice string) string {
	v := url.Values{}
	if notice != "" {
		v.Set("avis", notice)
	}
	p := k.action(id, suffix)
	switch {
	case k.account != 0 && suffix == "":
		p = myAppointmentsPath
	case k.account == 0:
		v.Set("token", k.token)
	}
	if len(v) == 0 {
		return p
	}
	return p + "?" + v.Encode()
}

// findAppointment returns the appointment if k opens it, and ENOTFOUND
// otherwise.
func (s *Server) findAppointment(ctx context.Context, k apptAccess, id int64) (rdv.Appointment, error) {
	if k.account == 0 {
		return s.d.Engine.Appointment(ctx, id, k.token)
	}
	a, err := s.d.Store.Appointment(ctx, id)
	if err == nil && a.AccountID != k.account {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	return a, err
}

// openAppointment finds the appointment of the request's path, as k
// opens it. It answers the request itself when the appointment is not
// found (a wrong token or another's account reads the same) or cannot be
// read, and returns false.
func (s *Server) openAppointment(w http.ResponseWriter, r *http.Request, k apptAccess) (rdv.Appointment, bool) {
	id, ok := s.appointmentID(w, r)
	if !ok {
		return rdv.Appointment{}, false
	}
	a, err := s.findAppointment(r.Context(), k, id)
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

// cancelAs cancels the appointment as k opens it.
func (s *Server) cancelAs(ctx context.Context, k apptAccess, id int64, idem *rdv.IdemKey) (rdv.Appointment, error) {
	if k.account != 0 {
		return s.d.Engine.CancelForAccount(ctx, k.account, id, idem)
	}
	return s.d.Engine.Cancel(ctx, id, k.token, idem)
}

// rescheduleAs moves the appointment to the held slot as k opens it.
func (s *Server) rescheduleAs(ctx context.Context, k apptAccess, id int64, hold string, idem *rdv.IdemKey) (rdv.Appointment, error) {
	if k.account != 0 {
		return s.d.Engine.RescheduleForAccount(ctx, k.account, id, hold, idem)
	}
	return s.d.Engine.Reschedule(ctx, id, k.token, hold, idem)
}

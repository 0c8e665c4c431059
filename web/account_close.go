package web

import (
	"net/http"

	"rdv"
)

// « Fermer mon compte »: a patient closes their account (Law 25). The page
// says what closing does and lists the appointments it cancels; the
// patient ticks that they understand and confirms. In one transaction
// (booking.Engine.CloseAccount) the future appointments are cancelled,
// their slots freed and their clinics told as by any cancellation, the
// waiting requests withdrawn, and the identity of the holder and their
// people erased; the clinics keep their past appointments, naming a
// removed patient. The sessions end, the browser's with them.

const (
	accountClosePath = "/compte/fermer"
	closeConfirmName = "confirm"
)

func init() {
	notices["account_closed"] = "privacy.close.done"
}

// accountCloseData is what the closing page shows.
type accountCloseData struct {
	Cancelled []closeRow // the appointments closing cancels
	Kept      int        // past appointments kept by the clinics
}

// closeRow is an appointment closing cancels.
type closeRow struct {
	When, Clinic, Person string
}

// accountCloseForm shows what closing the account does.
func (s *Server) accountCloseForm(w http.ResponseWriter, r *http.Request) {
	s.renderAccountClose(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderAccountClose(w http.ResponseWriter, r *http.Request, status int, f *form) {
	acct, _ := s.patient(r)
	lang := langOf(r.Context())
	appts, err := s.d.Store.AccountAppointments(r.Context(), acct.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAppointmentsRead, rdv.AppointmentRecords(appts...)) {
		return
	}
	var d accountCloseData
	now := s.d.Engine.Now()
	for _, a := range appts {
		switch {
		case a.Status == rdv.Booked && a.Slot.Start.After(now):
			row := closeRow{When: FormatDateTime(a.Slot.Start, lang), Person: a.Patient.FirstName + " " + a.Patient.LastName}
			if c, ok := s.d.Index.Clinic(a.Slot.ClinicID); ok {
				row.Clinic = c.Name
			}
			d.Cancelled = append(d.Cancelled, row)
		case a.Status != rdv.Cancelled:
			d.Kept++
		}
	}
	f.summarize([]labelled{{closeConfirmName, "privacy.close.confirm"}})
	s.render(w, r, status, "account_close", &page{Title: "privacy.close.title", Form: f, Data: d})
}

// closeAccount closes the account once the patient confirmed, signs the
// browser out and sends it home with a notice.
func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	acct, _ := s.patient(r)
	if r.PostForm.Get(closeConfirmName) != "1" {
		f := newForm(nil)
		f.Fail(closeConfirmName, "privacy.close.err.confirm")
		s.renderAccountClose(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if _, err := s.d.Engine.CloseAccount(r.Context(), s.d.Store, acct.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	setPatientCookie(w, r, "")
	http.Redirect(w, r, "/?avis=account_closed", http.StatusSeeOther)
}

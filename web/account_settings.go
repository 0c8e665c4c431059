package web

import (
	"net/http"
	"net/url"

	"rdv"
)

// « Mon compte »: the language of a patient's messages and the channels
// that the booking form ticks for them. The consent's wording is shown
// beside the boxes, and saving records its time (ConsentAt), which the
// page shows after.

const (
	accountPath        = "/compte"
	accountDraftCookie = "rdv_account_form"
)

func init() {
	notices["account_saved"] = "account.notice.saved"
}

// accountFields are the fields of the account's page, in order.
var accountFields = []labelled{{"language", "book.language"}, {"form", "account.settings.title"}}

// accountSettingsData is what « Mon compte » shows besides its form.
type accountSettingsData struct {
	Email, Phone string
	ConsentAt    string // when the channels were chosen; "" never
	// Consents is the history of the choices, the latest first
	// (account_privacy.go).
	Consents []consentRow
}

// accountSettings shows the account's choices.
func (s *Server) accountSettings(w http.ResponseWriter, r *http.Request) {
	acct, _ := s.patient(r)
	if !s.recordRead(w, r, rdv.AuditAccountRead, rdv.AuditRecords{Accounts: []int64{acct.ID}}) {
		return
	}
	f, status, ok := s.accountFormBack(w, r, accountDraftCookie, accountPath, patientBound(r, "account"))
	if !ok {
		v := url.Values{"language": {acct.Language}}
		if acct.ConsentAt.IsZero() {
			v.Set(notifyEmailField, "1") // the booking form's own default
		} else {
			setBox(v, notifyEmailField, acct.Notify.Email)
			setBox(v, notifySMSField, acct.Notify.SMS)
		}
		f, status = newForm(v), http.StatusOK
	}
	s.renderAccountSettings(w, r, status, acct, f)
}

func (s *Server) renderAccountSettings(w http.ResponseWriter, r *http.Request, status int, acct rdv.PatientAccount, f *form) {
	d := accountSettingsData{Email: acct.Email, Phone: rdv.FormatPhone(acct.Phone)}
	if !acct.ConsentAt.IsZero() {
		d.ConsentAt = FormatDateTime(acct.ConsentAt, langOf(r.Context()))
	}
	d.Consents = s.consentRows(r, acct.ID)
	f.summarize(accountFields)
	s.render(w, r, status, "account", &page{Title: "account.settings.title", NoticeKey: noticeKeyOf(r), Form: f, Data: d})
}

// saveAccountSettings records the language and the channels chosen, with
// the time of the choice.
func (s *Server) saveAccountSettings(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	acct, _ := s.patient(r)
	f := newForm(url.Values{"language": {r.PostForm.Get("language")}})
	setBox(f.Values, notifyEmailField, r.PostForm.Get(notifyEmailField) == "1")
	setBox(f.Values, notifySMSField, r.PostForm.Get(notifySMSField) == "1")
	acct.Language = f.Values.Get("language")
	acct.Notify = rdv.Notify{Email: f.Values.Has(notifyEmailField), SMS: f.Values.Has(notifySMSField)}
	acct.ConsentAt = s.d.Engine.Now()
	if acct.Language != "fr" && acct.Language != "en" {
		f.Fail("language", "err.language")
	} else {
		err := s.d.Store.UpdatePatientAccount(r.Context(), acct)
		switch rdv.ErrorCode(err) {
		case "":
			dropPageCookie(w, r, accountDraftCookie, accountPath)
			http.Redirect(w, r, accountPath+"?avis=account_saved", http.StatusSeeOther)
			return
		case rdv.EINVALID:
			f.Fail("form", "err.invalid")
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.sendAccountFormBack(w, r, accountDraftCookie, accountPath, patientBound(r, "account"), f, http.StatusUnprocessableEntity, func(status int) {
		s.renderAccountSettings(w, r, status, acct, f)
	})
}

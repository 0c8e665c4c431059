package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rdv"
)

// TestBookingChannels: the booking form ticks email by default, needs
// the contact of each channel chosen, and records the channels with the
// appointment, with their messages in the outbox.
func TestBookingChannels(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	tests := []struct {
		name   string
		edit   func(url.Values)
		field  string // the field a message is on, "" for a booking
		key    string
		notify rdv.Notify
	}{
		{"email ticked without an email", func(v url.Values) { v.Set(notifyEmailField, "1") }, "", "", rdv.Notify{}},
		{"text ticked without a phone", func(v url.Values) {
			v.Set(notifySMSField, "1")
			v.Set("phone", "")
			v.Set("email", "julie@exemple.ca")
		}, "phone", "book.err.notify_sms", rdv.Notify{}},
		{"none ticked", func(v url.Values) {}, "", "", rdv.Notify{}},
		{"text alone", func(v url.Values) { v.Set(notifySMSField, "1") }, "", "", rdv.Notify{SMS: true}},
		{"both", func(v url.Values) {
			v.Set(notifyEmailField, "1")
			v.Set(notifySMSField, "1")
			v.Set("email", "julie@exemple.ca")
		}, "", "", rdv.Notify{Email: true, SMS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			formURL := s.holdFirst("fr")
			form := s.get(formURL, "fr").want(t, http.StatusOK)
			if tt.name == "none ticked" {
				form.contains(t, `name="notify_email" value="1" checked`, translate("fr", "book.notify"))
				form.lacks(t, `name="notify_sms" value="1" checked`)
			}
			v := adult("fr")
			v.Set("cle", hiddenValue(t, form.body, "cle"))
			tt.edit(v)
			a := s.post(formURL, v, "fr")
			if tt.field != "" {
				back := s.sentBack(a, "fr")
				back.contains(t, translate("fr", tt.key))
				if !strings.Contains(back.body, `id="`+fieldID(tt.field)+`-error"`) {
					t.Errorf("the message is not by the field %s", tt.field)
				}
				return
			}
			id, _ := linkParts(t, a.want(t, http.StatusSeeOther).location(t))
			appt, err := s.store.Appointment(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if appt.Notify != tt.notify || appt.AccountID != 0 {
				t.Errorf("notify %+v, account %d; want %+v and none", appt.Notify, appt.AccountID, tt.notify)
			}
			ms, err := s.store.Messages(t.Context(), rdv.MessageFilter{AppointmentID: id})
			if err != nil {
				t.Fatal(err)
			}
			got := map[rdv.MessageChannel]bool{}
			for _, m := range ms {
				if m.Kind == rdv.MessageConfirmed {
					got[m.Channel] = true
				}
			}
			if got[rdv.ByEmail] != tt.notify.Email || got[rdv.BySMS] != tt.notify.SMS {
				t.Errorf("confirmations by %v, want %+v", got, tt.notify)
			}
		})
	}
}

// TestBookingForFamily: a signed-in patient chooses whom a booking is
// for; the form comes filled in (a child with the holder as parent), the
// booking belongs to the account and shows under « Mes rendez-vous »; a
// person of another account fills in nothing.
func TestBookingForFamily(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			b := inLang(newBrowser(t, s), lang)
			b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
			b.addPerson(person("Julie", "Tremblay-O'Neil", "1990-05-17", "TREJ90551712", rdv.Self)).want(t, http.StatusSeeOther)
			b.addPerson(person("Léa", "Tremblay", "2019-03-02", "TREL19530212", rdv.Parent)).want(t, http.StatusSeeOther)
			ps, err := s.store.People(t.Context(), b.patientID())
			if err != nil || len(ps) != 2 {
				t.Fatalf("people %+v, %v", ps, err)
			}
			self, child := strconv.FormatInt(ps[0].ID, 10), strconv.FormatInt(ps[1].ID, 10)

			formURL := b.holdFirst(lang)
			form := b.do(http.MethodGet, formURL, nil).want(t, http.StatusOK)
			form.contains(t, translate(lang, "book.for_whom"), `href="`+formURL+`?pour=`+self+`"`, `href="`+formURL+`?pour=`+child+`"`, "Léa Tremblay")

			mine := b.do(http.MethodGet, formURL+"?pour="+self, nil).want(t, http.StatusOK)
			v := formValues(t, mine.body, `id="booking"`)
			if v.Get("first_name") != "Julie" || v.Get("email") != "julie@exemple.ca" || v.Get("for_child") != "" || v.Get("health_number") != "TREJ90551712" {
				t.Errorf("form for the holder: %v", v)
			}

			filled := b.do(http.MethodGet, formURL+"?pour="+child, nil).want(t, http.StatusOK)
			filled.contains(t, `aria-current="true">Léa Tremblay`)
			v = formValues(t, filled.body, `id="booking"`)
			for k, want := range map[string]string{
				"first_name": "Léa", "birth_date": "2019-03-02", "health_number": "TREL19530212", "for_child": "1",
				"guardian_first_name": "Julie", "guardian_email": "julie@exemple.ca", "guardian_relationship": "parent",
				notifyEmailField: "1", "language": lang,
			} {
				if v.Get(k) != want {
					t.Errorf("%s = %q, want %q", k, v.Get(k), want)
				}
			}
			done := b.post(filled, formURL, v).want(t, http.StatusSeeOther)
			id, _ := linkParts(t, done.location(t))
			a, err := s.store.Appointment(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.AccountID != b.patientID() || a.Patient.FirstName != "Léa" || a.Guardian == nil || a.Guardian.Email != "julie@exemple.ca" || !a.Notify.Email {
				t.Errorf("appointment %+v, guardian %+v", a, a.Guardian)
			}
			b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK).contains(t, translate(lang, "mine.for", "Léa Tremblay"))

			// Another account's person fills in nothing.
			other := inLang(newBrowser(t, s), lang)
			other.signInPatient("autre@exemple.ca", "autre@exemple.ca")
			otherForm := other.holdFirst(lang)
			page := other.do(http.MethodGet, otherForm+"?pour="+child, nil).want(t, http.StatusOK)
			page.lacks(t, "Léa")
		})
	}
}

// TestBookingSignInHint: someone not signed in is offered to sign in and
// come back to the form.
func TestBookingSignInHint(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	formURL := s.holdFirst("fr")
	s.get(formURL, "fr").want(t, http.StatusOK).contains(t, translate("fr", "book.signin_link"),
		`href="`+patientSigninPath+"?"+url.Values{"retour": {formURL}}.Encode()+`"`)
}

// TestAccountSettings: the channels chosen are recorded with the time of
// the choice, and become the booking form's defaults.
func TestAccountSettings(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			b := inLang(newBrowser(t, s), lang)
			b.signInPatient("514-555-0199", "+15145550199")
			page := b.do(http.MethodGet, accountPath, nil).want(t, http.StatusOK)
			page.contains(t, "514 555-0199", translate(lang, "account.settings.consent"))
			before := formValues(t, page.body, `action="/compte"`)

			b.post(page, accountPath, url.Values{"language": {"xx"}, notifySMSField: {"1"}}).want(t, http.StatusSeeOther)
			b.do(http.MethodGet, accountPath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate(lang, "err.language"))
			if acct, _ := s.store.PatientAccount(t.Context(), b.patientID()); before.Get(notifySMSField) != boxOf(acct.Notify.SMS) || before.Get(notifyEmailField) != boxOf(acct.Notify.Email) {
				t.Errorf("the page shows %v for the account's %+v", before, acct.Notify)
			}

			for _, choice := range []rdv.Notify{{Email: true, SMS: true}, {SMS: true}} {
				v := url.Values{"language": {"en"}}
				setBox(v, notifyEmailField, choice.Email)
				setBox(v, notifySMSField, choice.SMS)
				saved := b.post(page, accountPath, v).want(t, http.StatusSeeOther)
				after := b.follow(saved).want(t, http.StatusOK)
				after.contains(t, translate(lang, "account.notice.saved"))
				if got := formValues(t, after.body, `action="/compte"`); got.Get(notifyEmailField) != boxOf(choice.Email) || got.Get(notifySMSField) != boxOf(choice.SMS) {
					t.Errorf("chose %+v, the page shows %v", choice, got)
				}
				acct, err := s.store.PatientAccount(t.Context(), b.patientID())
				if err != nil || acct.Language != "en" || acct.Notify != choice || acct.ConsentAt.IsZero() {
					t.Fatalf("account %+v, %v", acct, err)
				}
				after.contains(t, translate(lang, "account.settings.consent_at", FormatDateTime(acct.ConsentAt, lang)))
			}

			form := b.do(http.MethodGet, b.holdFirst(lang), nil).want(t, http.StatusOK)
			v := formValues(t, form.body, `id="booking"`)
			if v.Get(notifySMSField) != "1" || v.Get(notifyEmailField) != "" || v.Get("language") != "en" || v.Get("phone") != "" {
				t.Errorf("the booking form's defaults: %v", v)
			}
		})
	}
}

// boxOf is a box's value in a posted form: "1" ticked, "" not.
func boxOf(on bool) string {
	if on {
		return "1"
	}
	return ""
}

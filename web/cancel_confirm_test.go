package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
)

// linkParts reads the appointment number and token of an appointment
// page's link.
func linkParts(t *testing.T, apptURL string) (int64, string) {
	t.Helper()
	u, err := url.Parse(apptURL)
	if err != nil {
		t.Fatal(err)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(u.Path, "/rendez-vous/"), 10, 64)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("appointment link %s: %v", apptURL, err)
	}
	return id, u.Query().Get("token")
}

// TestCancelAsksOnce: the appointment page's « Annuler » is a link (no
// form that cancels at once) to a page that says what will be cancelled,
// with « Oui, annuler » posting with the form token and « Non, garder »
// back to the appointment; opening that page changes nothing, the post
// answers 303 to the appointment page showing it cancelled, and the page
// then sends back to it. In both languages.
func TestCancelAsksOnce(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			T := func(key string, args ...any) string { return translate(lang, key, args...) }
			s := mustOpenSite(t)
			apptURL, page := bookFirst(t, s, lang)
			id, token := linkParts(t, apptURL)
			action := "/rendez-vous/" + strconv.FormatInt(id, 10) + "/annuler"
			if strings.Contains(page, `action="`+action+`"`) {
				t.Fatalf("the appointment page still has a form that cancels at once")
			}
			confirmURL := cancelURL(id, token)
			if !strings.Contains(page, `href="`+htmlText(confirmURL)+`"`) || !strings.Contains(page, T("appt.cancel.link")) {
				t.Fatalf("the appointment page has no link to the confirmation %s", confirmURL)
			}

			a, err := s.engine.Appointment(context.Background(), id, token)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := s.index.Clinic(a.Slot.ClinicID)
			ask := s.get(confirmURL, lang).want(t, http.StatusOK)
			ask.contains(t, "<h1>"+htmlText(T("appt.cancel.confirm.title"))+"</h1>", htmlText(T("appt.cancel.confirm.intro")),
				FormatDateTime(a.Slot.Start, lang), htmlText(c.Name), htmlText(a.Patient.FirstName+" "+a.Patient.LastName),
				`<form method="post" action="`+action+`"`, `name="csrf"`, T("appt.cancel.yes"),
				`href="`+htmlText(appointmentURL(id, token, ""))+`"`, T("appt.cancel.no"))
			if got := hiddenValue(t, ask.body, "token"); got != token {
				t.Fatalf("the confirmation posts token %q, want the link's", got)
			}
			if cc := ask.Header.Get("Cache-Control"); !strings.Contains(cc, "private") && cc != "no-store" {
				t.Errorf("confirmation page Cache-Control %q: it holds the token", cc)
			}
			// Asking changed nothing.
			if got, _ := s.store.Appointment(context.Background(), id); got.Status != rdv.Booked {
				t.Fatalf("opening the confirmation left the appointment %s", got.Status)
			}

			// A post without the form token is refused and cancels nothing.
			s.post(action, url.Values{"token": {token}, "csrf": {""}}, lang).want(t, http.StatusForbidden)
			if got, _ := s.store.Appointment(context.Background(), id); got.Status != rdv.Booked {
				t.Fatalf("a post without the form token left the appointment %s", got.Status)
			}

			// « Oui, annuler »: 303 to the appointment page, cancelled.
			loc := s.post(action, url.Values{"token": {hiddenValue(t, ask.body, "token")}}, lang).want(t, http.StatusSeeOther).location(t)
			if want := appointmentURL(id, token, "cancelled"); loc != want {
				t.Fatalf("cancelling led to %s, want %s", loc, want)
			}
			after := s.get(loc, lang).want(t, http.StatusOK)
			after.contains(t, T("appt.title.cancelled"), T("notice.cancelled"), T("status.cancelled"))
			if strings.Contains(after.body, htmlText(confirmURL)) {
				t.Errorf("a cancelled appointment still offers to cancel")
			}
			// The confirmation of a cancelled appointment sends back to it.
			again := s.get(confirmURL, lang).want(t, http.StatusSeeOther).location(t)
			if again != appointmentURL(id, token, "cancelled") {
				t.Fatalf("the confirmation of a cancelled appointment led to %s", again)
			}
		})
	}
}

// TestCancelConfirmRefusals: a wrong or missing token or a malformed
// number reads as an unknown appointment, in the person's language; an
// appointment that has begun cannot be cancelled online and its page
// says so.
func TestCancelConfirmRefusals(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	apptURL, _ := bookFirst(t, s, "en")
	id, token := linkParts(t, apptURL)
	path := "/rendez-vous/" + strconv.FormatInt(id, 10) + "/annuler"
	for _, target := range []string{path + "?token=wrong", path, "/rendez-vous/x/annuler?token=" + url.QueryEscape(token), "/rendez-vous/0/annuler?token=" + url.QueryEscape(token)} {
		for _, lang := range []string{"fr", "en"} {
			s.get(target, lang).want(t, http.StatusNotFound).contains(t, htmlText(translate(lang, "error.appt_notfound")))
		}
	}
	a, err := s.engine.Appointment(context.Background(), id, token)
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Set(a.Slot.Start.Add(time.Minute))
	loc := s.get(cancelURL(id, token), "en").want(t, http.StatusSeeOther).location(t)
	if loc != appointmentURL(id, token, "not_cancelled") {
		t.Fatalf("the confirmation of a begun appointment led to %s", loc)
	}
	s.get(loc, "en").want(t, http.StatusOK).contains(t, htmlText(translate("en", "notice.not_cancelled")))
}

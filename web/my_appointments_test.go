package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
)

// guestBooking books the first time found for the person of v, without
// an account, and returns the appointment's number and token.
func guestBooking(t *testing.T, s *site, v url.Values) (int64, string) {
	t.Helper()
	formURL := s.holdFirst("fr")
	form := s.get(formURL, "fr").want(t, http.StatusOK)
	v = cloneValues(v)
	v.Set("cle", hiddenValue(t, form.body, "cle"))
	return linkParts(t, s.post(formURL, v, "fr").want(t, http.StatusSeeOther).location(t))
}

// TestMyAppointments: a booking made without an account joins the
// account of its contact at sign-in, and shows under « Mes rendez-vous »
// to that account alone; its owner cancels it without the link's token,
// and nobody else can.
func TestMyAppointments(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			T := func(key string, args ...any) string { return translate(lang, key, args...) }
			guest := adult(lang)
			guest.Set("email", "Julie@Exemple.ca")
			id, token := guestBooking(t, s, guest)
			a, err := s.store.Appointment(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}

			b := inLang(newBrowser(t, s), lang)
			b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
			mine := b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
			n := strconv.FormatInt(id, 10)
			mine.contains(t, T("mine.upcoming"), FormatDateTime(a.Slot.Start, lang), "Julie Tremblay-O'Neil",
				T("status.booked"), `href="/mes-rendez-vous/`+n+`/annuler"`, `href="/mes-rendez-vous/`+n+`/changer"`,
				`href="/mes-rendez-vous/`+n+`/calendrier.ics"`, T("mine.intro", "julie@exemple.ca"))
			mine.lacks(t, "token=")

			// Another account sees nothing of it, and opens none of its pages.
			other := inLang(newBrowser(t, s), lang)
			other.signInPatient("autre@exemple.ca", "autre@exemple.ca")
			otherPage := other.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
			otherPage.contains(t, T("mine.none"))
			otherPage.lacks(t, "Tremblay-O'Neil")
			for _, p := range []string{"/annuler", "/changer", "/calendrier.ics"} {
				other.do(http.MethodGet, "/mes-rendez-vous/"+n+p, nil).want(t, http.StatusNotFound)
			}
			other.post(otherPage, "/mes-rendez-vous/"+n+"/annuler", url.Values{}).want(t, http.StatusNotFound)
			if a, _ := s.store.Appointment(t.Context(), id); a.Status != rdv.Booked {
				t.Fatalf("another account cancelled the appointment: %s", a.Status)
			}
			// Nor does someone not signed in: they are sent to sign in.
			if loc := newBrowser(t, s).do(http.MethodGet, "/mes-rendez-vous/"+n+"/annuler", nil).want(t, http.StatusSeeOther).location(t); !strings.HasPrefix(loc, patientSigninPath+"?retour=") {
				t.Errorf("someone not signed in is sent to %s", loc)
			}

			// The calendar file is the link's, but for its link.
			ics := b.do(http.MethodGet, "/mes-rendez-vous/"+n+"/calendrier.ics", nil).want(t, http.StatusOK)
			linked := s.get(calendarURL(id, token), lang).want(t, http.StatusOK)
			if ct := ics.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
				t.Errorf("calendar file of type %q", ct)
			}
			if strip(ics.body) != strip(linked.body) {
				t.Errorf("the account's calendar file differs from the link's:\n%s\n%s", ics.body, linked.body)
			}

			ask := b.do(http.MethodGet, "/mes-rendez-vous/"+n+"/annuler", nil).want(t, http.StatusOK)
			ask.contains(t, T("appt.cancel.confirm.title"), `action="/mes-rendez-vous/`+n+`/annuler"`, `href="/mes-rendez-vous"`)
			ask.lacks(t, `name="token"`)
			// The form needs the session's token.
			b.do(http.MethodPost, "/mes-rendez-vous/"+n+"/annuler", url.Values{"csrf": {testCSRFField}}).want(t, http.StatusForbidden)
			done := b.post(ask, "/mes-rendez-vous/"+n+"/annuler", url.Values{}).want(t, http.StatusSeeOther)
			if loc := done.location(t); loc != patientHomePath+"?avis=cancelled" {
				t.Errorf("cancelling leads to %s", loc)
			}
			after := b.follow(done).want(t, http.StatusOK)
			after.contains(t, T("notice.cancelled"), T("mine.past"), T("status.cancelled"), T("mine.none"))
			if a, _ := s.store.Appointment(t.Context(), id); a.Status != rdv.Cancelled {
				t.Errorf("status %s after cancelling", a.Status)
			}
			// A second post finds it cancelled already.
			if loc := b.post(ask, "/mes-rendez-vous/"+n+"/annuler", url.Values{}).want(t, http.StatusSeeOther).location(t); loc != patientHomePath+"?avis=cancelled" {
				t.Errorf("cancelling twice leads to %s", loc)
			}
		})
	}
}

// TestMyAppointmentReschedule moves an appointment from « Mes
// rendez-vous » through the link's pages, opened by the account.
func TestMyAppointmentReschedule(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	guest := adult("fr")
	guest.Set("email", "julie@exemple.ca")
	id, _ := guestBooking(t, s, guest)
	before, _ := s.store.Appointment(t.Context(), id)
	b := newBrowser(t, s)
	b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
	n := strconv.FormatInt(id, 10)

	list := b.do(http.MethodGet, "/mes-rendez-vous/"+n+"/changer", nil).want(t, http.StatusOK)
	list.contains(t, `action="/mes-rendez-vous/`+n+`/changer"`, `href="/mes-rendez-vous"`)
	list.lacks(t, `name="token"`)
	slot := hiddenValue(t, list.body, "slot_id")
	held := b.post(list, "/mes-rendez-vous/"+n+"/changer", url.Values{"slot_id": {slot}, "cle": {hiddenValue(t, list.body, "cle")}}).want(t, http.StatusSeeOther)
	formURL := held.location(t)
	if !strings.HasPrefix(formURL, "/mes-rendez-vous/"+n+"/changer/h_") {
		t.Fatalf("holding a new time leads to %s", formURL)
	}
	confirm := b.do(http.MethodGet, formURL, nil).want(t, http.StatusOK)
	confirm.contains(t, `action="`+formURL+`"`, `action="`+formURL+`/autre-creneau"`)
	moved := b.post(confirm, formURL, url.Values{"cle": {hiddenValue(t, confirm.body, "cle")}}).want(t, http.StatusSeeOther)
	if loc := moved.location(t); loc != patientHomePath+"?avis=rescheduled" {
		t.Errorf("moving leads to %s", loc)
	}
	after, _ := s.store.Appointment(t.Context(), id)
	if after.Slot.ID == before.Slot.ID || strconv.FormatInt(after.Slot.ID, 10) != slot {
		t.Errorf("slot %d after moving from %d to %s", after.Slot.ID, before.Slot.ID, slot)
	}
	b.follow(moved).want(t, http.StatusOK).contains(t, translate("fr", "notice.rescheduled"), FormatDateTime(after.Slot.Start, "fr"))

	// Once begun, it can no longer be moved: back to the list.
	s.clock.Set(after.Slot.Start.Add(time.Minute))
	defer s.clock.Set(time.Time{})
	if loc := b.do(http.MethodGet, "/mes-rendez-vous/"+n+"/changer", nil).want(t, http.StatusSeeOther).location(t); loc != patientHomePath+"?avis=not_changed" {
		t.Errorf("a begun appointment's times lead to %s", loc)
	}
}

// strip drops the lines of a calendar file that differ between two
// downloads: its time stamp.
func strip(ics string) string {
	var keep []string
	for _, l := range strings.Split(ics, "\r\n") {
		if !strings.HasPrefix(l, "DTSTAMP:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\r\n")
}

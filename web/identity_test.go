package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rdv"
)

// TestBookingUnderAnotherPatientsNumber is the attack of someone who knows
// a patient's health number and birth date, through the booking form:
// another name is refused in the person's language, and a name with the
// same letters books without changing anything of the patient.
func TestBookingUnderAnotherPatientsNumber(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	victim := s.bookForm(s.holdFirst("fr"), adult("fr"))
	stored, err := s.store.Patient(context.Background(), victim.Patient.ID)
	if err != nil {
		t.Fatalf("patient: %v", err)
	}

	formURL := s.holdFirst("fr")
	mallory := adult("fr")
	mallory.Set("first_name", "Mallory")
	mallory.Set("last_name", "Attaquant")
	mallory.Set("phone", "438 555-0666")
	for _, lang := range []string{"fr", "en"} {
		mallory.Set("language", lang)
		s.sentBack(s.post(formURL, mallory, lang), lang).contains(t, translate(lang, "err.hn_name"))
	}

	// The same letters (TREJ) pass the check, and still change nothing.
	namesake := adult("en")
	namesake.Set("first_name", "Jacques")
	namesake.Set("last_name", "Trembleau")
	namesake.Set("phone", "438 555-0666")
	theirs := s.bookForm(formURL, namesake)
	if p := theirs.Patient; p.FirstName != "Jacques" || p.LastName != "Trembleau" || p.Phone != "+14385550666" || p.Language != "en" {
		t.Errorf("second booking is for %+v, want what its form said", p)
	}
	page := s.get(appointmentURL(theirs.ID, theirs.CancelToken, ""), "en").want(t, http.StatusOK)
	page.contains(t, "Jacques Trembleau")
	if strings.Contains(page.body, "Julie") {
		t.Errorf("the second booking's page shows the stored patient's name")
	}
	if got, _ := s.store.Patient(context.Background(), victim.Patient.ID); got != stored {
		t.Errorf("stored patient after the second booking\n%+v\nwant unchanged\n%+v", got, stored)
	}
	if got, _ := s.store.Appointment(context.Background(), victim.ID); got.Patient != victim.Patient {
		t.Errorf("the patient's own appointment now shows %+v, want %+v", got.Patient, victim.Patient)
	}
}

// bookForm posts a booking form and returns the appointment it made, with
// its cancel token.
func (s *site) bookForm(formURL string, v url.Values) rdv.Appointment {
	s.t.Helper()
	loc := s.post(formURL, v, "fr").want(s.t, http.StatusSeeOther).location(s.t)
	m := appointmentPath.FindStringSubmatch(loc)
	if m == nil {
		s.t.Fatalf("confirmation redirects to %s", loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	a, err := s.store.Appointment(context.Background(), id)
	if err != nil {
		s.t.Fatalf("appointment: %v", err)
	}
	a.CancelToken = loc[strings.Index(loc, "token=")+len("token="):]
	return a
}

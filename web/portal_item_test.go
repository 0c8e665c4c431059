package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// TestPortalItemPages: a row of the day leads to the page of its slot or
// appointment, which shows the details the row leaves out and the other
// actions; acting there leads back to the day and the practitioner it
// came from.
func TestPortalItemPages(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	date := s.start.String()

	// Appointment 1 (slot 2, practitioner 1) is tomorrow: it can be
	// cancelled, not yet marked.
	appt := b.do(http.MethodGet, "/clinique/rendez-vous/1?praticien=1", nil).want(t, http.StatusOK)
	appt.contains(t, translate("fr", "portal.item.appointment"), "Marie Lavoie", "514 555-0111", "Dre Amélie Tremblay",
		translate("fr", "portal.item.booking"), translate("fr", "portal.status.booked"), translate("fr", "portal.item.not_yet"),
		`action="/clinique/rendez-vous/1/annuler"`, `<input type="hidden" name="praticien" value="1">`,
		`href="/clinique?date=`+date+`&amp;praticien=1#slot-2"`)
	if strings.Contains(appt.body, "/clinique/rendez-vous/1/statut") {
		t.Fatal("the page offers to record tomorrow's visit")
	}
	// The slot's page shows the same appointment.
	b.do(http.MethodGet, "/clinique/creneau/2", nil).want(t, http.StatusOK).contains(t, "Marie Lavoie", `action="/clinique/rendez-vous/1/annuler"`)
	// A free time to come: book it or block it.
	free := b.do(http.MethodGet, "/clinique/creneau/3?praticien=1", nil).want(t, http.StatusOK)
	free.contains(t, translate("fr", "portal.item.slot"), translate("fr", "portal.state.free"), `action="/clinique/reserver"`,
		`name="slot_id" value="3"`, `action="/clinique/creneaux/3/bloquer"`)
	res := b.post(free, "/clinique/creneaux/3/bloquer", url.Values{"date": {date}, "praticien": {"1"}}).want(t, http.StatusSeeOther)
	if loc := res.location(t); !strings.Contains(loc, "avis=blocked") || !strings.Contains(loc, "praticien=1") || !strings.Contains(loc, "date="+date) {
		t.Fatalf("blocking from the slot's page led to %s, want the day of practitioner 1", loc)
	}
	blocked := b.do(http.MethodGet, "/clinique/creneau/3", nil).want(t, http.StatusOK)
	blocked.contains(t, translate("fr", "portal.state.blocked"), `action="/clinique/creneaux/3/rouvrir"`)
	if strings.Contains(blocked.body, `action="/clinique/reserver"`) {
		t.Fatal("a blocked time offers to book")
	}

	// On the appointment's day, the visit is recorded from its page, and
	// then nothing more can be done with it.
	s.clock.Set(s.start.At(8*60, rdv.Toronto))
	appt = b.do(http.MethodGet, "/clinique/rendez-vous/1", nil).want(t, http.StatusOK)
	appt.contains(t, `action="/clinique/rendez-vous/1/statut"`, `value="arrived"`, `value="fulfilled"`, `value="noshow"`)
	res = b.post(appt, "/clinique/rendez-vous/1/statut", url.Values{"status": {"noshow"}, "date": {date}}).want(t, http.StatusSeeOther)
	if loc := res.location(t); !strings.Contains(loc, "avis=status") || strings.Contains(loc, "praticien") {
		t.Fatalf("recording a no-show led to %s, want the whole clinic's day", loc)
	}
	done := b.do(http.MethodGet, "/clinique/rendez-vous/1?lang=en", nil).want(t, http.StatusOK)
	done.contains(t, "Appointment at the clinic", "No-show", translate("en", "portal.item.none"))
	for _, gone := range []string{"/statut", "/annuler"} {
		if strings.Contains(done.body, gone) {
			t.Fatalf("a no-show's page still offers %s", gone)
		}
	}
}

// TestPortalItemConfined: only the clinic's own staff open its slots and
// appointments; another clinic's, an unknown or a malformed ID is not
// found, and other roles are refused.
func TestPortalItemConfined(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	tests := []struct {
		role   rdv.Role
		target string
		status int
	}{
		{rdv.Receptionist, "/clinique/rendez-vous/1", http.StatusOK},
		{rdv.ClinicAdmin, "/clinique/rendez-vous/1", http.StatusOK},
		{rdv.ClinicAdmin, "/clinique/creneau/3", http.StatusOK},
		// Appointment 2 is clinic 3's (slot 100); slot 68 is clinic 2's.
		{rdv.Receptionist, "/clinique/rendez-vous/2", http.StatusNotFound},
		{rdv.Receptionist, "/clinique/creneau/100", http.StatusNotFound},
		{rdv.Receptionist, "/clinique/creneau/68", http.StatusNotFound},
		{rdv.Receptionist, "/clinique/rendez-vous/999", http.StatusNotFound},
		{rdv.Receptionist, "/clinique/creneau/99999", http.StatusNotFound},
		{rdv.Receptionist, "/clinique/creneau/abc", http.StatusNotFound},
		{rdv.Receptionist, "/clinique/rendez-vous/-1", http.StatusNotFound},
		{rdv.PhoneAgent, "/clinique/rendez-vous/1", http.StatusForbidden},
		{rdv.PhoneAgent, "/clinique/creneau/3", http.StatusForbidden},
		{rdv.Operator, "/clinique/rendez-vous/1", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+" "+tt.target, func(t *testing.T) {
			res := staffBrowser(t, s, accts, tt.role).do(http.MethodGet, tt.target, nil).want(t, tt.status)
			if tt.status != http.StatusOK && (strings.Contains(res.body, "Lavoie") || strings.Contains(res.body, "Smith")) {
				t.Fatal("a refused page shows a patient")
			}
		})
	}
	newBrowser(t, s).do(http.MethodGet, "/clinique/rendez-vous/1", nil).want(t, http.StatusSeeOther)
}

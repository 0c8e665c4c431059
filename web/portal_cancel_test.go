package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// TestPortalCancel: the receptionist of clinic 1 cancels its appointment
// from its page at the desk and the slot is offered again; another clinic's
// appointment, or one whose visit is recorded, stays as it is.
func TestPortalCancel(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	date := s.start.String()
	// The day's row leads to the appointment's page, which offers to cancel.
	b.do(http.MethodGet, "/clinique?date="+date, nil).want(t, http.StatusOK).contains(t, `href="/clinique/rendez-vous/1"`)
	page := b.do(http.MethodGet, "/clinique/rendez-vous/1", nil).want(t, http.StatusOK)
	page.contains(t, `action="/clinique/rendez-vous/1/annuler"`, translate("fr", "portal.cancel.confirm"))

	tests := []struct {
		name   string
		id     string
		notice string
		want   rdv.AppointmentStatus
	}{
		// Appointment 2 is clinic 3's (slot 100).
		{"another clinic's", "2", "notfound", rdv.Booked},
		{"unknown", "999", "notfound", ""},
		{"own clinic's", "1", "cancelled", rdv.Cancelled},
		{"own clinic's again", "1", "cancelled", rdv.Cancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.post(page, "/clinique/rendez-vous/"+tt.id+"/annuler", url.Values{"date": {date}}).want(t, http.StatusSeeOther)
			if loc := res.location(t); !strings.Contains(loc, "avis="+tt.notice) || !strings.Contains(loc, "date="+date) {
				t.Fatalf("cancel led to %s, want notice %s on %s", loc, tt.notice, date)
			}
			if tt.want == "" {
				return
			}
			var id int64 = 1
			if tt.id == "2" {
				id = 2
			}
			if a, err := s.store.Appointment(t.Context(), id); err != nil || a.Status != tt.want {
				t.Fatalf("appointment %d: %v, %v; want %s", id, a.Status, err, tt.want)
			}
		})
	}
	if sl, _ := s.store.Slot(t.Context(), 2); sl.State != rdv.SlotFree {
		t.Fatalf("slot 2 is %s after its appointment was cancelled", sl.State)
	}
	after := b.do(http.MethodGet, "/clinique?date="+date+"&avis=cancelled", nil).want(t, http.StatusOK)
	after.contains(t, translate("fr", "portal.notice.cancelled"))
	if strings.Contains(after.body, "Lavoie") {
		t.Fatal("the day still shows the cancelled appointment's patient")
	}

	// A recorded visit is not cancelled.
	res := b.post(page, "/clinique/reserver", url.Values{"slot_id": {"3"}}).want(t, http.StatusSeeOther)
	form := b.do(http.MethodGet, res.location(t), nil).want(t, http.StatusOK)
	done := b.post(form, res.location(t), url.Values{"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"1985-04-07"},
		"health_number": {"TREL85540712"}, "phone": {"514-555-0123"}, "language": {"fr"}, "channel": {"sur_place"}, "cle": {hiddenValue(t, form.body, "cle")}}).want(t, http.StatusSeeOther)
	var id string
	if _, rest, ok := strings.Cut(done.location(t), "/clinique/confirmation/"); ok {
		id, _, _ = strings.Cut(rest, "?")
	}
	// Visits are recorded from their day on: the clock moves to that morning.
	s.clock.Set(s.start.At(8*60, rdv.Toronto))
	if res := b.post(page, "/clinique/rendez-vous/"+id+"/statut", url.Values{"status": {"noshow"}, "date": {date}}).want(t, http.StatusSeeOther); !strings.Contains(res.location(t), "avis=status") {
		t.Fatalf("recording a no-show led to %s", res.location(t))
	}
	res = b.post(page, "/clinique/rendez-vous/"+id+"/annuler", url.Values{"date": {date}}).want(t, http.StatusSeeOther)
	if !strings.Contains(res.location(t), "avis=not_cancelled") {
		t.Fatalf("cancelling a no-show led to %s", res.location(t))
	}
	b.do(http.MethodGet, res.location(t)+"&tout=1", nil).want(t, http.StatusOK).contains(t, translate("fr", "portal.notice.not_cancelled"), translate("fr", "portal.status.noshow"))
}

// TestPortalCancelNeedsClinicRole: the phone console cannot cancel through
// the clinic's route.
func TestPortalCancelNeedsClinicRole(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)
	page := b.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK)
	b.post(page, "/clinique/rendez-vous/1/annuler", url.Values{}).want(t, http.StatusForbidden)
	if a, _ := s.store.Appointment(t.Context(), 1); a.Status != rdv.Booked {
		t.Fatalf("appointment 1 is %s after an agent's post", a.Status)
	}
}

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// staffBrowser returns a browser signed in as the account of role.
func staffBrowser(t *testing.T, s *site, accts map[rdv.Role]rdv.Account, role rdv.Role) *browser {
	t.Helper()
	b := newBrowser(t, s)
	b.signIn(accts[role].Email, testPassword).want(t, http.StatusSeeOther)
	return b
}

func TestPortalRoles(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	day := "?date=" + s.start.String()
	tests := []struct {
		role   rdv.Role
		target string
		status int
	}{
		{rdv.Receptionist, "/clinique" + day, http.StatusOK},
		{rdv.Receptionist, "/clinique/semaine" + day, http.StatusOK},
		{rdv.Receptionist, "/clinique/horaire", http.StatusForbidden},
		{rdv.Receptionist, "/agent", http.StatusForbidden},
		{rdv.ClinicAdmin, "/clinique/horaire", http.StatusOK},
		{rdv.ClinicAdmin, "/clinique" + day, http.StatusOK},
		{rdv.PhoneAgent, "/agent", http.StatusOK},
		{rdv.PhoneAgent, "/clinique", http.StatusForbidden},
		{rdv.Operator, "/clinique", http.StatusForbidden},
		{rdv.Operator, "/agent", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.role, tt.target), func(t *testing.T) {
			staffBrowser(t, s, accts, tt.role).do(http.MethodGet, tt.target, nil).want(t, tt.status)
		})
	}
	newBrowser(t, s).do(http.MethodGet, "/clinique", nil).want(t, http.StatusSeeOther)
}

// TestPortalDay: the receptionist of clinic 1 sees its practitioners only,
// blocks and reopens a slot, marks a no-show, and reaches nothing of
// clinic 2 by editing IDs in a form.
func TestPortalDay(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	target := "/clinique?date=" + s.start.String()
	page := b.do(http.MethodGet, target, nil).want(t, http.StatusOK)
	page.contains(t, "Dre Amélie Tremblay", "Dr Samuel Gagnon", "Lavoie")
	if strings.Contains(page.body, "Léa Roy") || strings.Contains(page.body, "Côté") {
		t.Fatal("clinic 1's agenda shows another clinic's practitioner")
	}
	// Slot 3 is practitioner 1's 09:30 on the first day; slot 68 is clinic 2's.
	b.post(page, "/clinique/creneaux/3/bloquer", url.Values{"date": {s.start.String()}}).want(t, http.StatusSeeOther)
	if sl, _ := s.store.Slot(t.Context(), 3); sl.State != rdv.SlotBlocked {
		t.Fatalf("slot 3 is %s after block", sl.State)
	}
	b.post(page, "/clinique/creneaux/3/rouvrir", url.Values{"date": {s.start.String()}}).want(t, http.StatusSeeOther)
	res := b.post(page, "/clinique/creneaux/68/bloquer", url.Values{"date": {s.start.String()}}).want(t, http.StatusSeeOther)
	if !strings.Contains(res.location(t), "avis=notfound") {
		t.Fatalf("blocking another clinic's slot led to %s", res.location(t))
	}
	if sl, _ := s.store.Slot(t.Context(), 68); sl.State != rdv.SlotFree {
		t.Fatalf("another clinic's slot is %s after a receptionist's post", sl.State)
	}
	// The loaded appointment of slot 2 (clinic 1) is appointment 1; that of
	// slot 100 (clinic 3) is appointment 2. Both are tomorrow: no visit can
	// be recorded yet, and the day shows no button for it.
	if strings.Contains(page.body, "/clinique/rendez-vous/1/statut") {
		t.Fatal("the day view offers to record tomorrow's visit")
	}
	for _, status := range []string{"arrived", "fulfilled", "noshow"} {
		res := b.post(page, "/clinique/rendez-vous/1/statut", url.Values{"status": {status}, "date": {s.start.String()}}).want(t, http.StatusSeeOther)
		if !strings.Contains(res.location(t), "avis=too_early") {
			t.Fatalf("recording %s tomorrow led to %s", status, res.location(t))
		}
		if a, _ := s.store.Appointment(t.Context(), 1); a.Status != rdv.Booked {
			t.Fatalf("tomorrow's appointment is %s after recording %s", a.Status, status)
		}
	}
	b.do(http.MethodGet, "/clinique?avis=too_early&date="+s.start.String(), nil).want(t, http.StatusOK).contains(t, translate("fr", "portal.notice.too_early"))
	// On the day itself (in Montréal), the desk records it.
	s.clock.Set(s.start.At(8*60, rdv.Toronto))
	page = b.do(http.MethodGet, target, nil).want(t, http.StatusOK)
	page.contains(t, "/clinique/rendez-vous/1/statut")
	b.post(page, "/clinique/rendez-vous/1/statut", url.Values{"status": {"noshow"}, "date": {s.start.String()}}).want(t, http.StatusSeeOther)
	if a, _ := s.store.Appointment(t.Context(), 1); a.Status != rdv.NoShow {
		t.Fatalf("appointment 1 is %s after no-show", a.Status)
	}
	b.post(page, "/clinique/rendez-vous/2/statut", url.Values{"status": {"noshow"}}).want(t, http.StatusSeeOther)
	if a, _ := s.store.Appointment(t.Context(), 2); a.Status != rdv.Booked {
		t.Fatalf("another clinic's appointment is %s after a receptionist's post", a.Status)
	}
	b.post(page, "/clinique/reserver", url.Values{"slot_id": {"68"}}).want(t, http.StatusNotFound)
	// A no-show is no longer at a glance: it is one link away.
	if strings.Contains(b.do(http.MethodGet, target, nil).want(t, http.StatusOK).body, translate("fr", "portal.status.noshow")) {
		t.Fatal("the day at a glance shows a no-show")
	}
	b.do(http.MethodGet, target+"&tout=1", nil).want(t, http.StatusOK).contains(t, translate("fr", "portal.status.noshow"))
}

func TestPortalAddSlotsKeepsInput(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	page := b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
	form := url.Values{"practitioner": {"1"}, "date": {s.start.String()}, "service": {"general"}, "start": {"09:05"}, "minutes": {"15"}, "count": {"2"}}
	res := b.post(page, "/clinique/creneaux", form).want(t, http.StatusUnprocessableEntity)
	res.contains(t, translate("fr", "portal.err.overlap"), `value="09:05"`)
	form.Set("minutes", "999")
	b.post(page, "/clinique/creneaux", form).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "portal.err.minutes"), `value="999"`)
	form.Set("minutes", "15")
	form.Set("start", "14:00")
	b.post(page, "/clinique/creneaux", form).want(t, http.StatusSeeOther)
	form.Set("practitioner", "3") // clinic 2's
	form.Set("start", "15:00")
	b.post(page, "/clinique/creneaux", form).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "portal.err.practitioner"))
}

func TestPortalCSV(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	res := b.do(http.MethodGet, "/clinique/journee.csv?date="+s.start.String(), nil).want(t, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(res.body, "\ufeffDébut,Fin,Professionnel") {
		t.Fatalf("CSV starts %q", res.body[:min(60, len(res.body))])
	}
	lines := strings.Split(strings.TrimSpace(res.body), "\r\n")
	if len(lines) != 1+22 {
		t.Fatalf("CSV has %d lines, want a header and 22 slots", len(lines))
	}
	if !strings.Contains(res.body, "Lavoie") || strings.Contains(res.body, ",+1") {
		t.Fatalf("CSV body:\n%s", res.body)
	}
	for _, c := range []struct{ in, want string }{{"=1+1", "'=1+1"}, {"+15145550111", "'+15145550111"}, {"-2", "'-2"}, {"@x", "'@x"}, {"Marie", "Marie"}, {"", ""}} {
		if got := csvSafe(c.in); got != c.want {
			t.Errorf("csvSafe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestAgentBooksByPhone: the agent finds a slot, books it for a caller,
// and the booking is marked as made by an agent, by phone.
func TestAgentBooksByPhone(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)
	res := b.do(http.MethodGet, "/agent?service=pediatrics&lieu=Montr%C3%A9al&rayon=25&inscrit=1", nil).want(t, http.StatusOK)
	slot := hiddenValue(t, res.body, "slot_id")
	res = b.post(res, "/agent/reserver", url.Values{"slot_id": {slot}}).want(t, http.StatusSeeOther)
	form := b.do(http.MethodGet, res.location(t), nil).want(t, http.StatusOK)
	// Pediatrics: a patient of 15, who may book for herself.
	bad := url.Values{"first_name": {"Léa"}, "last_name": {""}, "birth_date": {"2011-04-07"}, "health_number": {"TREL11540712"}, "phone": {"514-555-0123"}, "language": {"fr"}, "cle": {hiddenValue(t, form.body, "cle")}}
	b.sentBack(b.post(form, res.location(t), bad), res.location(t)).contains(t, `value="TREL11540712"`, translate("fr", "err.required"))
	good := cloneValues(bad)
	good.Set("last_name", "Tremblay")
	done := b.post(form, res.location(t), good).want(t, http.StatusSeeOther)
	conf := b.do(http.MethodGet, done.location(t), nil).want(t, http.StatusOK)
	conf.contains(t, "/rendez-vous/", "token=")
	var id int64
	fmt.Sscanf(strings.TrimPrefix(done.location(t), "/agent/confirmation/"), "%d", &id)
	a, err := s.store.Appointment(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.BookedBy != rdv.ByAgent || a.Channel != rdv.Phone || a.Slot.Audience != rdv.Rostered {
		t.Fatalf("agent booking: booked by %s, channel %s, audience %s; want agent, phone, rostered", a.BookedBy, a.Channel, a.Slot.Audience)
	}
}

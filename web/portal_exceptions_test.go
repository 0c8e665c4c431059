package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
	"rdv/availability"
)

// offeredOn counts the public general slots of practitioner 1 that search
// offers on a day.
func (s *site) offeredOn(day rdv.Date) int {
	res := s.index.Search(availability.Query{Lat: 45.5, Lon: -73.6, RadiusKm: 100, Service: rdv.General,
		From: day.Start(rdv.Toronto), To: day.AddDays(1).Start(rdv.Toronto), Limit: 1000}, nil)
	n := 0
	for _, r := range res {
		if sl, _ := s.store.Slot(s.t.Context(), r.SlotID); sl.PractitionerID == 1 {
			n++
		}
	}
	return n
}

// TestPortalExceptions: the clinic admin previews a holiday (the slots it
// withdraws listed), confirms it (search no longer offers them), removes
// it (search offers them again); an exception over an appointment is
// refused; receptionists and other clinics reach nothing.
func TestPortalExceptions(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	recep := staffBrowser(t, s, accts, rdv.Receptionist)
	recep.do(http.MethodGet, "/clinique/horaire/exceptions", nil).want(t, http.StatusForbidden)
	day := recep.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
	holiday := url.Values{"practitioner": {"1"}, "from": {s.start.AddDays(1).String()}, "reason": {"Fête nationale"}}
	recep.post(day, "/clinique/horaire/exceptions/apercu", cloneValues(holiday)).want(t, http.StatusForbidden)
	recep.post(day, "/clinique/horaire/exceptions", cloneValues(holiday)).want(t, http.StatusForbidden)

	b := staffBrowser(t, s, accts, rdv.ClinicAdmin)
	page := b.do(http.MethodGet, "/clinique/horaire/exceptions?praticien=1", nil).want(t, http.StatusOK)
	page.contains(t, "congé", translate("fr", "portal.exc.add"))
	before := s.offeredOn(s.start.AddDays(1))
	if before != 8 {
		t.Fatalf("search offers %d general slots of practitioner 1 on the second day, want 8", before)
	}

	preview := b.post(page, "/clinique/horaire/exceptions/apercu", cloneValues(holiday)).want(t, http.StatusOK)
	preview.contains(t, translate("fr", "portal.exc.withdrawn", 11), translate("fr", "portal.exc.confirm"), "Fête nationale")
	if got := s.offeredOn(s.start.AddDays(1)); got != before {
		t.Fatalf("a preview changed search: %d offered, want %d", got, before)
	}
	done := b.post(preview, "/clinique/horaire/exceptions", cloneValues(holiday)).want(t, http.StatusSeeOther)
	if !strings.Contains(done.location(t), "avis=added") {
		t.Fatalf("adding a holiday led to %s", done.location(t))
	}
	if got := s.offeredOn(s.start.AddDays(1)); got != 0 {
		t.Fatalf("search offers %d slots on the holiday", got)
	}
	list := b.do(http.MethodGet, done.location(t), nil).want(t, http.StatusOK)
	list.contains(t, "Fête nationale", translate("fr", "portal.exc.notice.added"))

	// Re-saving the weekly plan unchanged keeps the holiday.
	plan := b.do(http.MethodGet, "/clinique/horaire?praticien=1", nil).want(t, http.StatusOK)
	form := url.Values{"practitioner": {"1"}}
	for wd := range 7 { // the test network's plan, as the form shows it
		form.Set(fmt.Sprintf("d%db0_start", wd), "09:00")
		form.Set(fmt.Sprintf("d%db0_end", wd), "11:00")
		form.Set(fmt.Sprintf("d%db0_service", wd), "general")
		form.Set(fmt.Sprintf("d%db0_minutes", wd), "15")
		form.Set(fmt.Sprintf("d%db1_start", wd), "11:00")
		form.Set(fmt.Sprintf("d%db1_end", wd), "12:00")
		form.Set(fmt.Sprintf("d%db1_service", wd), "pediatrics")
		form.Set(fmt.Sprintf("d%db1_minutes", wd), "20")
		form.Set(fmt.Sprintf("d%db1_rostered", wd), "1")
	}
	plan.contains(t, `name="d1b0_start" value="09:00"`)
	b.post(plan, "/clinique/horaire", form).want(t, http.StatusSeeOther)
	if got := s.offeredOn(s.start.AddDays(1)); got != 0 {
		t.Fatalf("re-saving the plan offers %d slots on the holiday again", got)
	}
	b.do(http.MethodGet, "/clinique/horaire/exceptions?praticien=1", nil).want(t, http.StatusOK).contains(t, "Fête nationale", "congé")

	// The first morning holds an appointment (slot 2): listed, refused.
	meeting := url.Values{"practitioner": {"1"}, "from": {s.start.String()}, "start": {"09:00"}, "end": {"10:00"}}
	kept := b.post(list, "/clinique/horaire/exceptions/apercu", cloneValues(meeting)).want(t, http.StatusOK)
	kept.contains(t, pluralize("fr", "portal.exc.kept", 1), translate("fr", "portal.state.booked"))
	if strings.Contains(kept.body, `action="/clinique/horaire/exceptions"`) {
		t.Fatal("the preview offers to confirm an exception over an appointment")
	}
	b.post(list, "/clinique/horaire/exceptions", cloneValues(meeting)).want(t, http.StatusConflict)
	if sl, _ := s.store.Slot(t.Context(), 1); sl.State != rdv.SlotFree {
		t.Fatalf("slot 1 is %s after a refused exception", sl.State)
	}
	// Bad input is answered on the form, in the person's language.
	bad := url.Values{"practitioner": {"1"}, "from": {s.start.String()}, "start": {"14:00"}, "end": {"13:00"}}
	b.post(list, "/clinique/horaire/exceptions/apercu", bad).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "portal.err.block"))
	past := url.Values{"practitioner": {"1"}, "from": {s.start.AddDays(-3).String()}}
	b.post(list, "/clinique/horaire/exceptions/apercu", past).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "portal.exc.err.past"))
	// Another clinic's practitioner is out of reach.
	other := url.Values{"practitioner": {"3"}, "from": {s.start.AddDays(1).String()}}
	b.post(list, "/clinique/horaire/exceptions", other).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "portal.err.practitioner"))

	id := exceptionID(t, list.body, "Fête nationale")
	b.post(list, fmt.Sprintf("/clinique/horaire/exceptions/%d/retirer", id), url.Values{"practitioner": {"3"}}).want(t, http.StatusNotFound)
	b.post(list, fmt.Sprintf("/clinique/horaire/exceptions/%d/retirer", id), url.Values{"practitioner": {"1"}}).want(t, http.StatusSeeOther)
	if got := s.offeredOn(s.start.AddDays(1)); got != before {
		t.Fatalf("search offers %d slots after removing the holiday, want %d", got, before)
	}
}

// exceptionID reads the ID of the exception whose row holds text.
func exceptionID(t *testing.T, page, text string) int64 {
	t.Helper()
	i := strings.Index(page, htmlText(text))
	j := strings.LastIndex(page[:max(i, 0)], `id="exception-`)
	if i < 0 || j < 0 {
		t.Fatalf("no exception row for %q", text)
	}
	var id int64
	fmt.Sscanf(page[j+len(`id="exception-`):], "%d", &id)
	return id
}

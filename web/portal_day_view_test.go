package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rdv"
)

// TestPortalDayAtAGlance: the day view filters by practitioner with a
// plain form, remembered in its links, shows only free, booked and
// arrived times with one primary action each, and keeps the rest one
// link away.
func TestPortalDayAtAGlance(t *testing.T) {
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	day := s.start.String()
	all := b.do(http.MethodGet, "/clinique?date="+day, nil).want(t, http.StatusOK)
	all.contains(t, `<form class="filter" method="get" action="/clinique">`, `<select id="f-praticien" name="praticien">`,
		"Dre Amélie Tremblay", "Dr Samuel Gagnon")

	one := b.do(http.MethodGet, "/clinique?date="+day+"&praticien=1", nil).want(t, http.StatusOK)
	one.contains(t, `<option value="1" selected>`, `<h3 id="p1">`, "date="+s.start.AddDays(1).String()+"&amp;praticien=1")
	if strings.Contains(one.body, `<h3 id="p2">`) {
		t.Fatal("the view of practitioner 1 shows practitioner 2")
	}
	if len(one.body)*3 > len(all.body)*2 {
		t.Fatalf("one practitioner's day is %d bytes, the clinic's %d", len(one.body), len(all.body))
	}
	t.Logf("day of clinic 1: %d bytes; of its practitioner 1: %d bytes", len(all.body), len(one.body))
	// Slot 2 holds a loaded appointment: its row has one primary action,
	// the others are in its details.
	row := rowOf(t, one.body, 2)
	if n := strings.Count(row[:strings.Index(row, "<details")], "<button"); n > 1 {
		t.Fatalf("a booked row shows %d buttons before its details, want one", n)
	}

	// A blocked time leaves the glance, and is one link away.
	b.post(one, "/clinique/creneaux/3/bloquer", url.Values{"date": {day}}).want(t, http.StatusSeeOther)
	glance := b.do(http.MethodGet, "/clinique?date="+day+"&praticien=1", nil).want(t, http.StatusOK)
	if strings.Contains(glance.body, `id="slot-3"`) {
		t.Fatal("a blocked time shows at a glance")
	}
	glance.contains(t, "tout=1")
	full := b.do(http.MethodGet, "/clinique?date="+day+"&praticien=1&tout=1", nil).want(t, http.StatusOK)
	full.contains(t, `id="slot-3"`, translate("fr", "portal.reopen"), translate("fr", "portal.glance"))

	// Another clinic's practitioner is no filter: clinic 1's day, whole.
	other := b.do(http.MethodGet, "/clinique?date="+day+"&praticien=4", nil).want(t, http.StatusOK)
	other.contains(t, `<h3 id="p1">`, `<h3 id="p2">`)
	if strings.Contains(other.body, "Léa Roy") {
		t.Fatal("another clinic's practitioner shows")
	}
	b.do(http.MethodGet, "/clinique?date="+day+"&praticien=1&lang=en", nil).want(t, http.StatusOK).contains(t, "All practitioners", "More")
}

// rowOf returns the markup of a slot's row of the day view.
func rowOf(t *testing.T, page string, slot int) string {
	t.Helper()
	i := strings.Index(page, `<tr id="slot-`+strconv.Itoa(slot)+`">`)
	if i < 0 {
		t.Fatalf("no row for slot %d", slot)
	}
	return page[i : i+strings.Index(page[i:], "</tr>")]
}


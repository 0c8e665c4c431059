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
	t.Parallel()
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
	if rows1, rowsAll := strings.Count(one.body, `<tr id="slot-`), strings.Count(all.body, `<tr id="slot-`); rows1 == 0 || rows1 >= rowsAll || len(one.body) >= len(all.body) {
		t.Fatalf("one practitioner's day is %d rows, %d bytes; the clinic's %d rows, %d bytes", rows1, len(one.body), rowsAll, len(all.body))
	}
	// The page carries one form token whatever its number of rows.
	if n := strings.Count(all.body, `name="csrf"`); n > 4 {
		t.Fatalf("the day carries %d form tokens", n)
	}
	t.Logf("day of clinic 1: %d bytes; of its practitioner 1: %d bytes", len(all.body), len(one.body))
	// Slot 2 holds a loaded appointment: its row has at most one primary
	// action and one link, to its own page; the details and the other
	// actions are there, not in the row.
	for _, slot := range []int{2, 3} {
		row := rowOf(t, one.body, slot)
		if n := strings.Count(row, "<button"); n > 1 {
			t.Fatalf("row of slot %d shows %d buttons, want one at most", slot, n)
		}
		if n := strings.Count(row, "<a "); n != 1 {
			t.Fatalf("row of slot %d has %d links, want one", slot, n)
		}
		for _, elsewhere := range []string{"<details", "555-0111", "/annuler", "/bloquer", `value="noshow"`} {
			if strings.Contains(row, elsewhere) {
				t.Fatalf("row of slot %d carries %q", slot, elsewhere)
			}
		}
	}
	one.contains(t, `<a href="/clinique/rendez-vous/1?praticien=1">`, `<a href="/clinique/creneau/3?praticien=1">`)
	all.contains(t, `<a href="/clinique/rendez-vous/1">`, `<a href="/clinique/creneau/3">`)

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
	b.do(http.MethodGet, "/clinique?date="+day+"&praticien=1&lang=en", nil).want(t, http.StatusOK).contains(t, "All practitioners", "Book")
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

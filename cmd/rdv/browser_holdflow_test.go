package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rdv"
)

// The booking form's other ways out (issue 11, items 1 to 3), at phone
// width (390 px), with screenshots of each step under testoutput/ and an
// axe-core audit of each page added or changed when RDV_AXE_PATH is set.

// holdFlowSearch is a search as a parent makes it, with a place, dates
// and times of day that are not the defaults.
func holdFlowSearch(base string) string {
	today := rdv.DateOf(time.Now())
	return base + "/recherche?" + url.Values{
		"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"50"},
		"du": {today.String()}, "au": {today.AddDays(12).String()}, "moment": {"matin", "apres-midi"},
	}.Encode()
}

// sameSearch reports whether two search addresses ask the same.
func sameSearch(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil || ua.Path != ub.Path {
		return false
	}
	qa, qb := ua.Query(), ub.Query()
	return qa.Encode() == qb.Encode()
}

// fieldValue is the value of the first input named name.
func fieldValue(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('[name=%q]').value`, name)))
	if err != nil {
		t.Fatalf("value of %s: %v", name, err)
	}
	return v
}

// TestBrowserChooseAnotherTime compares six times in a row, JavaScript
// off: « Choisir un autre créneau » gives each hold back and returns to
// the same search (place, dates, times of day), so the parent is never
// told they have too many times on hold (the cap is 3).
func TestBrowserChooseAnotherTime(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	ctx := newBrowser(t, withWindow(390, 844), withoutJavaScript())
	search := holdFlowSearch(base)
	if status := visit(t, ctx, search); status != 200 {
		t.Fatalf("results: status %d", status)
	}
	if n := count(t, ctx, "ol.slots li"); n < 6 {
		t.Fatalf("%d times found, want 6 to compare", n)
	}
	shot(t, ctx, "results")
	for i := 1; i <= 6; i++ {
		if status := submit(t, ctx, fmt.Sprintf(`ol.slots li:nth-child(%d) button[type=submit]`, i)); status != 200 {
			t.Fatalf("choice %d: status %d at %s", i, status, location(t, ctx))
		}
		mustContain(t, ctx, "h1", "Confirmer le rendez-vous")
		if i == 1 {
			shot(t, ctx, "form") // audited with scripts on, in TestBrowserBackAfterBooking
		}
		if status := submit(t, ctx, `form.other button[type=submit]`); status != 200 {
			t.Fatalf("choice %d, going back: status %d", i, status)
		}
		if got := location(t, ctx); !sameSearch(got, search) {
			t.Fatalf("choice %d: back at %s, want the same search %s", i, got, search)
		}
		if strings.Contains(text(t, ctx, "main"), "plusieurs créneaux en attente") {
			t.Fatalf("choice %d: locked out by the cap on holds", i)
		}
	}
	shot(t, ctx, "results-after-six-choices")
}

// TestBrowserBackAfterBooking books after correcting the form, then goes
// Back: Chromium neither asks to send the form again nor says the page is
// not found; the page leads to the appointment.
func TestBrowserBackAfterBooking(t *testing.T) {
	t.Parallel()
	axe := axeScriptOrEmpty(t)
	_, base := startServer(t)
	ctx := newBrowser(t, withWindow(390, 844))
	visit(t, ctx, holdFlowSearch(base))
	if status := submit(t, ctx, `ol.slots li button[type=submit]`); status != 200 {
		t.Fatalf("booking form: status %d", status)
	}
	if axe != "" {
		audit(t, ctx, axe, "booking form")
	}
	fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07", "phone", "514 555-0123")
	click(t, ctx, `input[name=notify_email]`) // no email given: no confirmation by email
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
		t.Fatalf("form with a field missing: status %d, want 200 from the form's page", status)
	}
	shot(t, ctx, "form-errors")
	fill(t, ctx, "health_number", "TREL85540712")
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
		t.Fatalf("booking: status %d", status)
	}
	appt := location(t, ctx)
	if !strings.Contains(appt, "/rendez-vous/") {
		t.Fatalf("booking led to %s", appt)
	}
	shot(t, ctx, "appointment")

	if _, err := chromedp.Run(ctx, chromedp.NavigateBack()); err != nil {
		t.Fatalf("back: %v", err)
	}
	waitFor(t, ctx, "the page after Back", `document.readyState === "complete" && document.querySelector("h1") !== null`)
	mustContain(t, ctx, "h1", "Ce rendez-vous est déjà réservé")
	shot(t, ctx, "back-after-booking")
	if axe != "" {
		audit(t, ctx, axe, "hold already booked")
	}
	if status := submit(t, ctx, `main a.button[href*="/rendez-vous/"]`); status != 200 {
		t.Fatalf("appointment from Back: status %d", status)
	}
	if got := location(t, ctx); got != appt {
		t.Fatalf("Back leads to %s, want the appointment %s", got, appt)
	}
	mustContain(t, ctx, "main", "Léa Tremblay")
	shot(t, ctx, "appointment-again")
}

// TestBrowserExpiredHoldKeepsTyped lets a hold run out (10 s here) while
// a parent fills in the form for a child: nothing typed is lost, the page
// offers the next free time at the same clinic, and holding it opens the
// form filled in.
func TestBrowserExpiredHoldKeepsTyped(t *testing.T) {
	t.Parallel()
	axe := axeScriptOrEmpty(t)
	_, base := startServer(t, "--hold-ttl", "10s")
	ctx := newBrowser(t, withWindow(390, 844))
	visit(t, ctx, holdFlowSearch(base))
	if status := submit(t, ctx, `ol.slots li button[type=submit]`); status != 200 {
		t.Fatalf("booking form: status %d", status)
	}
	typed := []string{
		"first_name", "Jacob", "last_name", "Gagnon", "birth_date", "2019-06-15", "health_number", "GAGJ19061512",
		"guardian_first_name", "Marie", "guardian_last_name", "Gagnon", "guardian_birth_date", "1988-03-02",
		"guardian_health_number", "GAGM88530211", "guardian_phone", "438 555-0199",
	}
	fill(t, ctx, typed...)
	click(t, ctx, `input[name=for_child]`)
	clinic := firstLine(text(t, ctx, ".slot-details dd:nth-of-type(3)"))
	shot(t, ctx, "form-filled")
	time.Sleep(11 * time.Second)
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 410 {
		t.Fatalf("form after the hold ran out: status %d", status)
	}
	mustContain(t, ctx, "main", "Ce que vous avez saisi est gardé")
	mustContain(t, ctx, "main", "Prochaine heure libre à cette clinique")
	if !strings.Contains(location(t, ctx), "/reservation/") || strings.Contains(location(t, ctx), "Gagnon") {
		t.Fatalf("expired page at %s", location(t, ctx))
	}
	shot(t, ctx, "expired")
	if axe != "" {
		audit(t, ctx, axe, "hold run out")
	}
	if got := firstLine(text(t, ctx, "#expired .slot-details dd:nth-of-type(3)")); got != clinic {
		t.Fatalf("next time offered at %q, want the same clinic as %q", got, clinic)
	}
	if status := submit(t, ctx, `#expired form button[type=submit]`); status != 200 {
		t.Fatalf("holding the next time: status %d", status)
	}
	mustContain(t, ctx, "h1", "Confirmer le rendez-vous")
	for i := 0; i < len(typed); i += 2 {
		if got := fieldValue(t, ctx, typed[i]); got != typed[i+1] {
			t.Errorf("%s on the next time's form: %q, want %q", typed[i], got, typed[i+1])
		}
	}
	shot(t, ctx, "next-form-filled")
	if axe != "" {
		audit(t, ctx, axe, "next time's form")
	}
}

// firstLine returns the first line of s: a clinic's name in a slot's
// "where".
func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(l)
}

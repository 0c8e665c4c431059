package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// patientPageTexts are what the patient pages say at each step, by
// language.
var patientPageTexts = map[string]struct {
	home, results, form, booked, cancelled, switchTo string
}{
	"fr": {"Trouver un rendez-vous", "Rendez-vous disponibles", "Confirmer le rendez-vous", "Votre rendez-vous est confirmé", "Rendez-vous annulé", "English"},
	"en": {"Find an appointment", "Available appointments", "Confirm the appointment", "Your appointment is booked", "Appointment cancelled", "Français"},
}

// searchAndChoose goes from the home page to the booking form of the first
// slot found near Montréal, with a screenshot of each page.
func searchAndChoose(t *testing.T, ctx context.Context, base, lang string) {
	t.Helper()
	want := patientPageTexts[lang]
	if status := visit(t, ctx, base+"/"); status != 200 {
		t.Fatalf("home page: status %d", status)
	}
	mustContain(t, ctx, "h1", want.home)
	mustContain(t, ctx, "header nav", want.switchTo)
	fill(t, ctx, "lieu", "Montréal", "rayon", "50")
	shot(t, ctx, "search")
	if status := submit(t, ctx, `form.search button[type=submit]`); status != 200 {
		t.Fatalf("results: status %d", status)
	}
	mustContain(t, ctx, "h1", want.results)
	if n := count(t, ctx, "ol.slots li"); n == 0 {
		t.Fatalf("no slot found near Montréal")
	}
	shot(t, ctx, "results")
	if status := submit(t, ctx, `ol.slots li button[type=submit]`); status != 200 {
		t.Fatalf("booking form: status %d", status)
	}
	mustContain(t, ctx, "h1", want.form)
	if !strings.Contains(location(t, ctx), "/reservation/") {
		t.Fatalf("choosing a slot led to %s, not to its booking form", location(t, ctx))
	}
	shot(t, ctx, "form")
}

// confirmBooking sends the booking form and checks the confirmation page,
// then opens the appointment page again from its link.
func confirmBooking(t *testing.T, ctx context.Context, lang, patient string) string {
	t.Helper()
	want := patientPageTexts[lang]
	shot(t, ctx, "form-filled")
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
		t.Fatalf("confirmation: status %d", status)
	}
	mustContain(t, ctx, "h1", want.booked)
	mustContain(t, ctx, "main", patient)
	link := location(t, ctx)
	if !strings.Contains(link, "/rendez-vous/") || !strings.Contains(link, "token=") {
		t.Fatalf("confirmation at %s, want the appointment's link with its token", link)
	}
	shot(t, ctx, "confirmation")
	if status := visit(t, ctx, link); status != 200 {
		t.Fatalf("appointment page: status %d", status)
	}
	mustContain(t, ctx, "h1", want.booked)
	shot(t, ctx, "appointment")
	return link
}

// TestBrowserPatientBooking books an appointment from the search to the
// appointment page, in French with JavaScript off (the flow works with
// plain forms) and in English with it on.
func TestBrowserPatientBooking(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang string
		opts []browserOption
	}{
		{"fr", []browserOption{withoutJavaScript()}},
		{"en", []browserOption{withAcceptLanguage("en-CA,en;q=0.9")}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			_, base := startServer(t)
			ctx := newBrowser(t, tc.opts...)
			searchAndChoose(t, ctx, base, tc.lang)
			fill(t, ctx,
				"first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07",
				"health_number", "TREL 8554 0712", "phone", "514 555-0123", "email", "lea@example.org")
			confirmBooking(t, ctx, tc.lang, "Léa Tremblay")
		})
	}
}

// TestBrowserPatientBookingForChild books for a child: the parent gives
// their own details and contact, the appointment page names both.
func TestBrowserPatientBookingForChild(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	ctx := newBrowser(t)
	searchAndChoose(t, ctx, base, "fr")
	fill(t, ctx,
		"first_name", "Jacob", "last_name", "Gagnon", "birth_date", "2019-06-15", "health_number", "GAGJ19061512",
		"guardian_first_name", "Marie", "guardian_last_name", "Gagnon", "guardian_birth_date", "1988-03-02",
		"guardian_health_number", "GAGM88530211", "guardian_phone", "438 555-0199",
		"guardian_relationship", "parent")
	click(t, ctx, `input[name=for_child]`)
	// The parent gave a phone and no email: the confirmation by text.
	click(t, ctx, `input[name=notify_email]`)
	click(t, ctx, `input[name=notify_sms]`)
	confirmBooking(t, ctx, "fr", "Jacob Gagnon")
	mustContain(t, ctx, "main", "Marie Gagnon")
}

// cancelTexts are what the cancel confirmation says, by language.
var cancelTexts = map[string]struct{ title, yes, no, notice string }{
	"fr": {"Annuler ce rendez-vous ?", "Oui, annuler", "Non, garder", "annulé"},
	"en": {"Cancel this appointment?", "Yes, cancel", "No, keep it", "cancelled"},
}

// TestBrowserPatientCancel cancels from the confirmation's link at phone
// width (390 px), with JavaScript off in French and on in English:
// « Annuler » asks once on a page that says what will be cancelled;
// « Non, garder » goes back to the appointment, still booked; « Oui,
// annuler » cancels and shows the appointment cancelled. Screenshots of
// each step are saved under testoutput/.
func TestBrowserPatientCancel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang string
		opts []browserOption
	}{
		{"fr", []browserOption{withWindow(390, 844), withoutJavaScript()}},
		{"en", []browserOption{withWindow(390, 844), withAcceptLanguage("en-CA,en;q=0.9")}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			want, says := patientPageTexts[tc.lang], cancelTexts[tc.lang]
			_, base := startServer(t)
			ctx := newBrowser(t, tc.opts...)
			// Headless Chromium keeps its window at least 500 px wide: the
			// phone's width is emulated.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
				t.Fatal(err)
			}
			searchAndChoose(t, ctx, base, tc.lang)
			fill(t, ctx,
				"first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07",
				"health_number", "TREL85540712", "email", "lea@example.org")
			link := confirmBooking(t, ctx, tc.lang, "Léa Tremblay")
			when := text(t, ctx, "dl.slot-details dd")
			if n := count(t, ctx, `form[action$="/annuler"]`); n != 0 {
				t.Fatalf("the appointment page has %d forms that cancel at once", n)
			}

			// « Annuler » asks, and « Non, garder » keeps it.
			if status := submit(t, ctx, `a[href*="/annuler?"]`); status != 200 {
				t.Fatalf("cancel confirmation: status %d", status)
			}
			mustContain(t, ctx, "h1", says.title)
			mustContain(t, ctx, "main", when)
			mustContain(t, ctx, "main", "Clinique")
			mustContain(t, ctx, "main", "Léa Tremblay")
			if w := evalInt(t, ctx, `window.innerWidth`); w != 390 {
				t.Fatalf("the window is %d px wide, want a 390 px phone", w)
			}
			noWiderThanWindow(t, ctx)
			shot(t, ctx, "cancel-asks")
			mustContain(t, ctx, "form.confirm-cancel a", says.no)
			if status := submit(t, ctx, `form.confirm-cancel a`); status != 200 {
				t.Fatalf("keep: status %d", status)
			}
			mustContain(t, ctx, "h1", want.booked)
			shot(t, ctx, "kept")

			// Asked again, « Oui, annuler » cancels.
			submit(t, ctx, `a[href*="/annuler?"]`)
			mustContain(t, ctx, "form.confirm-cancel button[type=submit]", says.yes)
			if status := submit(t, ctx, `form.confirm-cancel button[type=submit]`); status != 200 {
				t.Fatalf("cancel: status %d", status)
			}
			mustContain(t, ctx, "h1", want.cancelled)
			mustContain(t, ctx, ".notice", says.notice)
			if n := count(t, ctx, `a[href*="/annuler?"]`); n != 0 {
				t.Fatal("a cancelled appointment still offers to cancel")
			}
			if !strings.Contains(location(t, ctx), "/rendez-vous/") || strings.Contains(location(t, ctx), "/annuler") {
				t.Fatalf("after the cancel the tab is at %s, want the appointment page (303 after the post)", location(t, ctx))
			}
			shot(t, ctx, "cancelled")
			// The link still shows the appointment, cancelled, without the notice.
			visit(t, ctx, link)
			mustContain(t, ctx, "h1", want.cancelled)
			shot(t, ctx, "link-after-cancel")
		})
	}
}

// noWiderThanWindow fails the test when the page scrolls sideways: on a
// phone every control must be reachable without it.
func noWiderThanWindow(t *testing.T, ctx context.Context) {
	t.Helper()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		t.Fatalf("page width: %v", err)
	}
	if width[0] > width[1] {
		t.Errorf("the page at %s is %d px wide in a %d px window", location(t, ctx), width[0], width[1])
	}
}

package main

import (
	"context"
	"strings"
	"testing"
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
	_, base := startServer(t)
	ctx := newBrowser(t)
	searchAndChoose(t, ctx, base, "fr")
	fill(t, ctx,
		"first_name", "Jacob", "last_name", "Gagnon", "birth_date", "2019-06-15", "health_number", "GAGJ19061512",
		"guardian_first_name", "Marie", "guardian_last_name", "Gagnon", "guardian_birth_date", "1988-03-02",
		"guardian_health_number", "GAGM88530211", "guardian_phone", "438 555-0199")
	click(t, ctx, `input[name=for_child]`)
	confirmBooking(t, ctx, "fr", "Jacob Gagnon")
	mustContain(t, ctx, "main", "Marie Gagnon")
}

// TestBrowserPatientCancel cancels from the confirmation's link and sees
// the slot offered again.
func TestBrowserPatientCancel(t *testing.T) {
	_, base := startServer(t)
	ctx := newBrowser(t)
	searchAndChoose(t, ctx, base, "fr")
	fill(t, ctx,
		"first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07",
		"health_number", "TREL85540712", "email", "lea@example.org")
	link := confirmBooking(t, ctx, "fr", "Léa Tremblay")
	if status := submit(t, ctx, `form[action$="/annuler"] button[type=submit]`); status != 200 {
		t.Fatalf("cancel: status %d", status)
	}
	mustContain(t, ctx, "h1", patientPageTexts["fr"].cancelled)
	mustContain(t, ctx, ".notice", "annulé")
	if n := count(t, ctx, `form[action$="/annuler"]`); n != 0 {
		t.Fatal("a cancelled appointment still offers to cancel")
	}
	shot(t, ctx, "cancelled")
	// The link still shows the appointment, cancelled, without the notice.
	visit(t, ctx, link)
	mustContain(t, ctx, "h1", patientPageTexts["fr"].cancelled)
	shot(t, ctx, "link-after-cancel")
}

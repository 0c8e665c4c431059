package main

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rdv/notify/smtptest"
)

// sixDigits finds a sign-in code in an email's text.
var sixDigits = regexp.MustCompile(`\b(\d{3}) ?(\d{3})\b`)

// ticked reports whether the first box named name is ticked.
func ticked(t *testing.T, ctx context.Context, name string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('[name=%q]').checked`, name)))
	if err != nil {
		t.Fatalf("box %s: %v", name, err)
	}
	return v
}

// TestBrowserPatientAccount is the patient's way through the issue, in a
// browser with JavaScript off against the real server sending its emails
// to a real SMTP server: book as a guest with an email, receive the
// confirmation, sign in with the code sent by email, find the booking
// under « Mes rendez-vous », add a child under « Ma famille », and book
// for the child with the form filled in.
func TestBrowserPatientAccount(t *testing.T) {
	t.Parallel()
	mail := smtptest.Start(t)
	_, base := startServer(t, "--smtp", mail.URL(), "--mail-from", "Clinique rdv <rdv@example.org>")
	ctx := newBrowser(t, withoutJavaScript(), withTimeout(3*time.Minute))

	// A guest books, the email box ticked by default.
	searchAndChoose(t, ctx, base, "fr")
	if !ticked(t, ctx, "notify_email") {
		t.Fatal("the booking form does not tick email by default")
	}
	fill(t, ctx, "first_name", "Julie", "last_name", "Tremblay", "birth_date", "1990-05-17",
		"health_number", "TREJ 9055 1712", "email", "julie@exemple.ca")
	confirmBooking(t, ctx, "fr", "Julie Tremblay")
	confirmation := mail.Wait(t, 1, 30*time.Second)[0]
	if len(confirmation.To) != 1 || confirmation.To[0] != "julie@exemple.ca" || !strings.Contains(confirmation.Text, "/rendez-vous/") {
		t.Fatalf("confirmation to %v:\n%s", confirmation.To, confirmation.Text)
	}

	// She signs in with the code the next email brings.
	if status := visit(t, ctx, base+"/compte/connexion"); status != 200 {
		t.Fatalf("sign-in page: status %d", status)
	}
	shot(t, ctx, "sign-in")
	fill(t, ctx, "contact", "Julie@Exemple.ca")
	if status := submit(t, ctx, `form.signin button[type=submit]`); status != 200 {
		t.Fatalf("code page: status %d", status)
	}
	mustContain(t, ctx, "main", "julie@exemple.ca")
	shot(t, ctx, "code")
	got := mail.Wait(t, 2, 30*time.Second)
	m := sixDigits.FindStringSubmatch(got[1].Text)
	if m == nil || got[1].To[0] != "julie@exemple.ca" {
		t.Fatalf("no code in the email to %v:\n%s", got[1].To, got[1].Text)
	}
	fill(t, ctx, "code", m[1]+m[2])
	if status := submit(t, ctx, `form.signin button[type=submit]`); status != 200 {
		t.Fatalf("signed in: status %d", status)
	}
	if !strings.HasSuffix(location(t, ctx), "/mes-rendez-vous") {
		t.Fatalf("signed in at %s, want « Mes rendez-vous »", location(t, ctx))
	}
	mustContain(t, ctx, "h1", "Mes rendez-vous")
	mustContain(t, ctx, "main", "Julie Tremblay")
	shot(t, ctx, "my-appointments")

	// She adds herself and her child to « Ma famille ».
	for _, p := range [][]string{
		{"first_name", "Julie", "last_name", "Tremblay", "birth_date", "1990-05-17", "health_number", "TREJ90551712", "relationship", "self"},
		{"first_name", "Léa", "last_name", "Tremblay", "birth_date", "2019-03-02", "health_number", "TREL19530212", "relationship", "parent"},
	} {
		if status := visit(t, ctx, base+"/ma-famille"); status != 200 {
			t.Fatalf("family page: status %d", status)
		}
		fill(t, ctx, p...)
		if status := submit(t, ctx, `form.person button[type=submit]`); status != 200 {
			t.Fatalf("adding %s: status %d", p[1], status)
		}
		mustContain(t, ctx, "main", p[1]+" Tremblay")
	}
	shot(t, ctx, "family")

	// She books for the child: the form comes filled in.
	searchAndChoose(t, ctx, base, "fr")
	mustContain(t, ctx, "nav.for-whom", "Léa Tremblay")
	if status := submit(t, ctx, `nav.for-whom li:nth-child(2) a`); status != 200 {
		t.Fatalf("the form for the child: status %d", status)
	}
	for name, want := range map[string]string{
		"first_name": "Léa", "birth_date": "2019-03-02", "health_number": "TREL19530212",
		"guardian_first_name": "Julie", "guardian_email": "julie@exemple.ca", "guardian_relationship": "parent",
	} {
		if got := fieldValue(t, ctx, name); got != want {
			t.Errorf("%s filled in with %q, want %q", name, got, want)
		}
	}
	if !ticked(t, ctx, "for_child") {
		t.Error("the form for a child does not tick « for my child »")
	}
	shot(t, ctx, "form-for-child")
	confirmBooking(t, ctx, "fr", "Léa Tremblay")
	mustContain(t, ctx, "main", "Julie Tremblay")
	if status := visit(t, ctx, base+"/mes-rendez-vous"); status != 200 {
		t.Fatalf("« Mes rendez-vous »: status %d", status)
	}
	mustContain(t, ctx, "main", "Pour Léa Tremblay")
	shot(t, ctx, "my-appointments-after")
	child := mail.Wait(t, 3, 30*time.Second)[2]
	if child.To[0] != "julie@exemple.ca" {
		t.Errorf("the child's confirmation went to %v, want the parent", child.To)
	}
}

// TestBrowserAccountPagesAccessible audits, in both languages, every page
// of a patient's account: the sign-in and the code's page (each with its
// messages), « Mes rendez-vous » empty and with an appointment, its
// cancellation and its other times, « Ma famille » (with its messages)
// and a person's page, « Mon compte », and the booking form of a
// signed-in patient, filled in for a child.
func TestBrowserAccountPagesAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	for _, l := range a11yLangs {
		t.Run(l.lang, func(t *testing.T) {
			mail := smtptest.Start(t)
			_, base := startServer(t, "--smtp", mail.URL())
			ctx := newBrowser(t, withAcceptLanguage(l.accept), withTimeout(3*time.Minute))
			a := auditor{t, ctx, script}

			visitOK(t, ctx, base+"/compte/connexion", 200)
			a.step("signin")
			submitOK(t, ctx, `form.signin button[type=submit]`, 422)
			a.step("signin-errors")
			fill(t, ctx, "contact", "julie@exemple.ca")
			submitOK(t, ctx, `form.signin button[type=submit]`, 200)
			a.step("code")
			fill(t, ctx, "code", "12")
			submitOK(t, ctx, `form.signin button[type=submit]`, 422)
			a.step("code-errors")
			m := sixDigits.FindStringSubmatch(mail.Wait(t, 1, 30*time.Second)[0].Text)
			if m == nil {
				t.Fatal("no code in the email")
			}
			fill(t, ctx, "code", m[1]+m[2])
			submitOK(t, ctx, `form.signin button[type=submit]`, 200)
			a.step("my-appointments-empty")

			visitOK(t, ctx, base+"/ma-famille", 200)
			a.step("family-empty")
			submitOK(t, ctx, `form.person button[type=submit]`, 422)
			a.step("family-errors")
			for _, p := range [][]string{
				{"first_name", "Julie", "last_name", "Tremblay", "birth_date", "1990-05-17", "health_number", "TREJ90551712", "relationship", "self"},
				{"first_name", "Léa", "last_name", "Tremblay", "birth_date", "2019-03-02", "health_number", "TREL19530212", "relationship", "parent"},
			} {
				fill(t, ctx, p...)
				submitOK(t, ctx, `form.person button[type=submit]`, 200)
			}
			a.step("family")
			submitOK(t, ctx, `ul.people li:nth-child(2) a`, 200)
			a.step("person")
			visitOK(t, ctx, base+"/compte", 200)
			a.step("account")

			visitOK(t, ctx, base+"/recherche?"+url.Values{"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"50"}}.Encode(), 200)
			submitOK(t, ctx, `ol.slots li button[type=submit]`, 200)
			a.step("booking-signed-in")
			submitOK(t, ctx, `nav.for-whom li:nth-child(2) a`, 200)
			a.step("booking-for-child")
			submitOK(t, ctx, `form.booking button[type=submit]`, 200)
			visitOK(t, ctx, base+"/mes-rendez-vous", 200)
			a.step("my-appointments")
			submitOK(t, ctx, `a[href$="/changer"]`, 200)
			a.step("my-appointment-times")
			visitOK(t, ctx, base+"/mes-rendez-vous", 200)
			submitOK(t, ctx, `a[href$="/annuler"]`, 200)
			a.step("my-appointment-cancel")
		})
	}
}

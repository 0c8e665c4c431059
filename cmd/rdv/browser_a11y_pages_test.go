package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/sqlite"
	"rdv/storetest"
)

// The audits of this file, with those of browser_a11y_test.go, cover
// every page a person meets: the patient pages not audited there (the
// results, rescheduling, the request form) and every staff page, each
// signed in with its role, in French and in English.

// a11yRequestRef is the reference of the request the audits open.
const a11yRequestRef = "D-AXE0-AXE0-0001"

// a11yServer starts a server over the small network with one open
// appointment request near Montréal, and staff of every role.
func a11yServer(t *testing.T) string {
	t.Helper()
	path := smallNetworkDB(t, func(s *sqlite.Store) error {
		r := storetest.SampleRequest(a11yRequestRef, time.Now().Add(-time.Hour))
		r.Place, r.Lat, r.Lon = "Montréal", 45.5017, -73.5673
		_, err := s.AddRequest(context.Background(), r)
		return err
	})
	_, base := startMain(t, "--db", path)
	mustCreateStaff(t, "accueil@plateau.example", rdv.Receptionist, 1)
	mustCreateStaff(t, "admin@plateau.example", rdv.ClinicAdmin, 1)
	mustCreateStaff(t, "agent@reseau.example", rdv.PhoneAgent, 0)
	mustCreateOperator(t, base)
	return base
}

// a11yLangs are the languages of the audits with the browser's header for it.
var a11yLangs = []struct{ lang, accept string }{
	{"fr", "fr-CA,fr;q=0.9"},
	{"en", "en-CA,en;q=0.9"},
}

// auditor audits each page it is shown and saves a screenshot of it.
type auditor struct {
	t      *testing.T
	ctx    context.Context
	script string
}

func (a auditor) step(name string) {
	a.t.Helper()
	audit(a.t, a.ctx, a.script, name)
	shot(a.t, a.ctx, name)
}

// visitOK loads a page and fails unless it answers status want.
func visitOK(t *testing.T, ctx context.Context, u string, want int64) {
	t.Helper()
	if st := visit(t, ctx, u); st != want {
		t.Fatalf("%s: status %d, want %d", u, st, want)
	}
}

// submitOK clicks a button or link and fails unless the page it leads to
// answers status want.
func submitOK(t *testing.T, ctx context.Context, sel string, want int64) {
	t.Helper()
	if st := submit(t, ctx, sel); st != want {
		t.Fatalf("%s: status %d at %s, want %d", sel, st, location(t, ctx), want)
	}
}

// TestBrowserMorePatientPagesAccessible audits, in both languages, the
// patient pages that TestBrowserPatientPagesAccessible does not reach:
// the results, the other times to move an appointment to, the page that
// confirms the move, the request form (empty, with its messages) and its
// answer.
func TestBrowserMorePatientPagesAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	for _, l := range a11yLangs {
		t.Run(l.lang, func(t *testing.T) {
			_, base := startServer(t)
			ctx := newBrowser(t, withAcceptLanguage(l.accept))
			a := auditor{t, ctx, script}
			visitOK(t, ctx, base+"/recherche?"+url.Values{"service": {"general"}, "lieu": {"Montréal"}, "rayon": {"50"}}.Encode(), 200)
			a.step("results")

			// An appointment booked through the API, opened from its link.
			hold := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": 14}, 201)
			appt := call(t, "POST", base+"/api/v1/appointments", map[string]any{
				"hold_id": hold["hold_id"],
				"patient": map[string]any{"first_name": "Léa", "last_name": "Tremblay", "birth_date": "1985-04-07",
					"health_number": "TREL85540712", "phone": "514-555-0123", "language": l.lang},
			}, 201)
			visitOK(t, ctx, fmt.Sprintf("%s/rendez-vous/%v?token=%s", base, appt["id"], url.QueryEscape(fmt.Sprint(appt["cancel_token"]))), 200)
			submitOK(t, ctx, `a[href*="/changer?"]`, 200)
			a.step("reschedule")
			submitOK(t, ctx, `form[action$="/changer"] button[type=submit]`, 200)
			if !strings.Contains(location(t, ctx), "/changer/") {
				t.Fatalf("choosing another time led to %s", location(t, ctx))
			}
			a.step("reschedule-confirm")

			visitOK(t, ctx, base+"/demande", 200)
			a.step("request-form")
			submitOK(t, ctx, `form[action="/demande"] button[type=submit]`, 200) // sent back to the form's page
			a.step("request-errors")
			fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07", "health_number", "TREL85540712",
				"phone", "514-555-0123", "place", "Montréal", "availability", "les matins", "payment", "tok-demo")
			submitOK(t, ctx, `form[action="/demande"] button[type=submit]`, 200)
			a.step("request-sent")
			submitOK(t, ctx, `a[href*="/demande/D-"]`, 200) // the request's own page, by its token
			a.step("request-page")
		})
	}
}

// TestBrowserStaffPagesAccessible audits every staff page, in both
// languages, each signed in with the role that uses it: the sign-in page;
// the receptionist's day and week, a booking at the desk and its
// confirmation; the clinic admin's working plan, exceptions and the
// preview of one, API tokens (a new one's secret shown), webhooks and
// calendar feeds; the phone agent's console with results, the list of
// requests and one request; the operator's console, modes and accounts;
// the second step of a sign-in, and the security pages where a
// receptionist adds an authenticator app and sees the sessions.
func TestBrowserStaffPagesAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	for _, l := range a11yLangs {
		t.Run(l.lang, func(t *testing.T) {
			base := a11yServer(t)
			tomorrow := rdv.DateOf(time.Now()).AddDays(1).String()
			bookByAPI(t, base, 14, "Gabrielle", "Bouchard", "1990-06-21", "BOUG90562114")
			stepAudited := false // the second step's page, audited once
			signIn := func(name, page, email, password string) auditor {
				t.Helper()
				ctx := newBrowser(t, withAcceptLanguage(l.accept), withWindow(1280, 900))
				a := auditor{t, ctx, script}
				visitOK(t, ctx, base+page, 200)
				if !strings.Contains(location(t, ctx), "/connexion") {
					t.Fatalf("%s sent a signed-out visitor to %s", page, location(t, ctx))
				}
				if name != "" {
					a.step(name)
				}
				fill(t, ctx, "email", email, "password", password)
				submit(t, ctx, `form.signin button[type=submit]`)
				if strings.Contains(location(t, ctx), "/connexion/verification") {
					if !stepAudited {
						a.step("second-step")
						stepAudited = true
					}
					passSecondStep(t, ctx, email)
				}
				if password == staffPassword || password == operatorPassword {
					if strings.Contains(location(t, ctx), "/connexion") {
						t.Fatalf("%s not signed in", email)
					}
				}
				return a
			}

			// Sign-in, with a wrong password's message.
			a := signIn("sign-in", "/clinique", "accueil@plateau.example", "pas le bon")
			if n := count(t, a.ctx, ".error"); n == 0 {
				t.Fatalf("a wrong password says nothing")
			}
			a.step("sign-in-refused")
			fill(t, a.ctx, "email", "accueil@plateau.example", "password", staffPassword)
			submitOK(t, a.ctx, `form.signin button[type=submit]`, 200)
			visitOK(t, a.ctx, base+"/clinique?date="+tomorrow, 200)
			a.step("clinic-day")
			visitOK(t, a.ctx, base+"/clinique?tout=1&date="+tomorrow, 200)
			a.step("clinic-day-all")
			visitOK(t, a.ctx, base+"/clinique/semaine?date="+tomorrow, 200)
			a.step("clinic-week")
			visitOK(t, a.ctx, base+"/clinique?date="+tomorrow, 200)
			// The first free time's first button books it.
			submitOK(t, a.ctx, `tr:has(span.s-free) td.actions button[type=submit]`, 200)
			a.step("desk-booking")
			// Sent back to the form's own page (post/redirect/get), errors shown.
			submitOK(t, a.ctx, `form[action^="/clinique/reservation/"] button[type=submit]`, 200)
			a.step("desk-booking-errors")
			fill(t, a.ctx, "first_name", "Rosalie", "last_name", "Gauthier", "birth_date", "1969-11-30",
				"health_number", "GAUR69613012", "phone", "450-555-0177")
			submitOK(t, a.ctx, `form[action^="/clinique/reservation/"] button[type=submit]`, 200)
			a.step("desk-booked")
			// The receptionist adds an authenticator app (optional for the
			// role): the security page, the secret to scan or type, and the
			// recovery codes its first code brings.
			visitOK(t, a.ctx, base+"/securite", 200)
			a.step("security")
			submitOK(t, a.ctx, `form[action="/securite/totp"] button[type=submit]`, 200)
			a.step("totp-enrol")
			code, err := auth.TOTPCode(strings.ReplaceAll(text(t, a.ctx, "code.secret"), " ", ""), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			fill(t, a.ctx, "code", code)
			submitOK(t, a.ctx, `form[action="/securite/totp/confirmer"] button[type=submit]`, 200)
			if n := count(t, a.ctx, "ul.codes li"); n != rdv.RecoveryCodeCount {
				t.Fatalf("%d recovery codes shown, want %d", n, rdv.RecoveryCodeCount)
			}
			a.step("recovery-codes")
			visitOK(t, a.ctx, base+"/securite/sessions", 200)
			a.step("sessions")

			a = signIn("", "/clinique/horaire", "admin@plateau.example", staffPassword)
			a.step("plan")
			visitOK(t, a.ctx, base+"/clinique/horaire/exceptions", 200)
			a.step("exceptions")
			far := rdv.DateOf(time.Now()).AddDays(30).String()
			fill(t, a.ctx, "from", far, "reason", "Congé")
			submitOK(t, a.ctx, `form[action="/clinique/horaire/exceptions/apercu"] button[type=submit]`, 200)
			a.step("exception-preview")
			// The clinic's integrations: each page, and a new token's
			// secret, shown once.
			visitOK(t, a.ctx, base+"/clinique/jetons", 200)
			a.step("tokens")
			fill(t, a.ctx, "name", "Dossier médical")
			click(t, a.ctx, `input[name=scopes][value="agenda:read"]`)
			submitOK(t, a.ctx, `form[action="/clinique/jetons"] button[type=submit]`, 200)
			if n := count(t, a.ctx, "#f-secret"); n != 1 {
				t.Fatalf("the new token's page shows %d secrets", n)
			}
			a.step("token-made")
			visitOK(t, a.ctx, base+"/clinique/webhooks", 200)
			a.step("webhooks")
			visitOK(t, a.ctx, base+"/clinique/calendriers", 200)
			a.step("calendar-feeds")

			a = signIn("", "/agent", "agent@reseau.example", staffPassword)
			a.step("agent")
			fill(t, a.ctx, "service", "general", "lieu", "Laval", "rayon", "25", "du", tomorrow, "au", tomorrow)
			submitOK(t, a.ctx, `form.search button[type=submit]`, 200)
			a.step("agent-results")
			visitOK(t, a.ctx, base+"/agent/demandes", 200)
			a.step("agent-requests")
			submitOK(t, a.ctx, `a[href^="/agent/demandes/"]`, 200)
			mustContain(t, a.ctx, "main", a11yRequestRef)
			a.step("agent-request")

			a = signIn("", "/operateur", "operateur@reseau.example", operatorPassword)
			a.step("operator")
			visitOK(t, a.ctx, base+"/operateur/modes", 200)
			a.step("operator-modes")
			visitOK(t, a.ctx, base+"/operateur/comptes", 200)
			a.step("operator-accounts")
		})
	}
}

package main

import (
	"context"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestBrowserDeskPagesAccessible audits, in French and in English, the
// clinic's day (the whole clinic, one practitioner, every row), the desk
// pages of an appointment of today, of one to come with its cancellation
// asked, and of a free time, and the phone agents'
// queue of requests with one request.
func TestBrowserDeskPagesAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	path := smallNetworkDB(t, func(s *sqlite.Store) error {
		r := storetest.SampleRequest("D-DESK-AXE0-0001", time.Now().Add(-time.Hour))
		r.Place, r.Lat, r.Lon = "Montréal", 45.5017, -73.5673
		_, err := s.AddRequest(context.Background(), r)
		return err
	})
	_, base := startMain(t, "--db", path)
	mustCreateStaff(t, "accueil@plateau.example", rdv.Receptionist, 1)
	mustCreateStaff(t, "agent@reseau.example", rdv.PhoneAgent, 0)
	today := rdv.DateOf(time.Now()).String()
	// Tomorrow's slot 15 (practitioner 1) can still be cancelled.
	later := bookByAPI(t, base, 15, "Étienne", "Pelletier", "1978-02-09", "PELE78020912")
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := newBrowser(t, withAcceptLanguage(lang+"-CA"), withWindow(1280, 900))
			step := func(name string) {
				t.Helper()
				audit(t, ctx, script, name)
				shot(t, ctx, name)
			}
			open := func(target string) {
				t.Helper()
				if st := visit(t, ctx, base+target); st != 200 {
					t.Fatalf("%s: status %d", target, st)
				}
			}
			signIn := func(email string) {
				t.Helper()
				open("/connexion")
				if st := signInStaff(t, ctx, email, staffPassword); st != 200 {
					t.Fatalf("sign in as %s: status %d", email, st)
				}
			}
			signIn("accueil@plateau.example")
			// Today: appointment 1 (slot 2) can be marked from its row.
			open("/clinique?date=" + today)
			if n := count(t, ctx, "#slot-2 button[value=arrived]"); n != 1 {
				t.Fatalf("today's appointment offers no arrival")
			}
			step("day")
			open("/clinique?date=" + today + "&praticien=1&tout=1")
			step("day-one-practitioner-all")
			open("/clinique/rendez-vous/1?praticien=1")
			step("desk-appointment-today")
			open("/clinique/rendez-vous/" + later)
			click(t, ctx, "details.cancel summary")
			step("desk-appointment-cancel")
			open("/clinique/creneau/5")
			step("desk-slot")

			ctx = newBrowser(t, withAcceptLanguage(lang+"-CA"), withWindow(1280, 900))
			signIn("agent@reseau.example")
			open("/agent/demandes")
			step("agent-requests")
			if st := submit(t, ctx, `a[href^="/agent/demandes/"]`); st != 200 {
				t.Fatalf("open the request: status %d", st)
			}
			mustContain(t, ctx, "main", "D-DESK-AXE0-0001")
			step("agent-request")
		})
	}
}

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
)

// staffPassword is the password of the staff accounts of the desk tests.
const staffPassword = "un mot de passe du personnel"

// mustCreateStaff adds a staff account to the running server's database,
// as rdv account create does, with an authenticator app when the role
// must have one (staff_factor_test.go). Cheap hashing parameters keep the test
// quick; sign-in checks whatever parameters a hash carries.
func mustCreateStaff(t *testing.T, email string, role rdv.Role, clinicID int64) {
	t.Helper()
	hash, err := auth.HashPassword(staffPassword, auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), serverDB(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.CreateAccount(context.Background(), rdv.Account{Email: email, Name: email, Role: role, ClinicID: clinicID, PasswordHash: hash})
	if err != nil {
		t.Fatalf("create %s: %v", role, err)
	}
	if role.RequiresSecondFactor() {
		enrolTOTP(t, s, a)
	}
}

// signInAt opens a staff page signed out, follows the sign-in page it
// leads to, signs in (with the second step when asked) and checks that it comes back to the page.
func signInAt(t *testing.T, ctx context.Context, page, email, heading string) {
	t.Helper()
	if st := visit(t, ctx, page); st != 200 {
		t.Fatalf("sign-in page: status %d", st)
	}
	if loc := location(t, ctx); !strings.Contains(loc, "/connexion?retour=") {
		t.Fatalf("%s sent a signed-out visitor to %s", page, loc)
	}
	shot(t, ctx, "sign-in")
	if st := signInStaff(t, ctx, email, staffPassword); st != 200 {
		t.Fatalf("sign in: status %d", st)
	}
	mustContain(t, ctx, "h1", heading)
}

// bookByAPI books a slot for a patient through the public API and returns
// the appointment's ID.
func bookByAPI(t *testing.T, base string, slotID int64, first, last, birth, hn string) string {
	t.Helper()
	hold := call(t, "POST", base+"/api/v1/holds", map[string]any{"slot_id": slotID}, 201)
	appt := call(t, "POST", base+"/api/v1/appointments", map[string]any{
		"hold_id": hold["hold_id"],
		"patient": map[string]any{"first_name": first, "last_name": last, "birth_date": birth,
			"health_number": hn, "phone": "514-555-0142", "language": "fr"},
	}, 201)
	return fmt.Sprint(appt["id"])
}

// TestBrowserReceptionistNoShow: a receptionist signs in to today's
// agenda of the clinic, marks a patient of today arrived from the day's
// row, then a no-show from the appointment's page, and cancels another
// patient's appointment of tomorrow from its page; the agenda shows both.
// Visits are recorded from their day on, so the no-show is today's.
func TestBrowserReceptionistNoShow(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	mustCreateStaff(t, "accueil@plateau.example", rdv.Receptionist, 1)
	// The network's slots start today. Practitioner 1 of clinic 1 has 11
	// slots a day, general from 09:00 every 15 minutes: IDs 1–11 today,
	// 12–22 tomorrow. Slot 2 holds appointment 1, Marie Lavoie's, today.
	today := rdv.DateOf(time.Now()).String()
	tomorrow := rdv.DateOf(time.Now()).AddDays(1).String()
	cancelled := bookByAPI(t, base, 15, "Étienne", "Pelletier", "1978-02-09", "PELE78020912")

	ctx := newBrowser(t, withWindow(1280, 900))
	signInAt(t, ctx, base+"/clinique?date="+today, "accueil@plateau.example", "Agenda de la clinique")
	row := "#slot-2"
	mustContain(t, ctx, row, "Marie Lavoie")
	mustContain(t, ctx, row, "Attendu")
	shot(t, ctx, "agenda")

	// The row's one action: arrived.
	if n := count(t, ctx, row+" button"); n != 1 {
		t.Fatalf("today's booked row shows %d buttons, want one", n)
	}
	if st := submit(t, ctx, row+` button[name=status][value=arrived]`); st != 200 {
		t.Fatalf("mark arrived: status %d", st)
	}
	mustContain(t, ctx, ".notice", "Le rendez-vous est mis à jour")
	mustContain(t, ctx, row, "Arrivé")

	// The rest is one link away, on the appointment's own page.
	if st := submit(t, ctx, row+" td.time a"); st != 200 {
		t.Fatalf("open the appointment: status %d", st)
	}
	mustContain(t, ctx, "h1", "Rendez-vous à la clinique")
	mustContain(t, ctx, "main", "514 555-0111")
	shot(t, ctx, "appointment")
	if st := submit(t, ctx, `button[name=status][value=noshow]`); st != 200 {
		t.Fatalf("mark no-show: status %d", st)
	}
	mustContain(t, ctx, ".notice", "Le rendez-vous est mis à jour")
	if n := count(t, ctx, row); n != 0 {
		t.Error("a no-show still shows at a glance")
	}
	if st := visit(t, ctx, base+"/clinique?date="+today+"&tout=1"); st != 200 {
		t.Fatalf("whole day: status %d", st)
	}
	mustContain(t, ctx, row, "Absent")
	if n := count(t, ctx, row+" button"); n != 0 {
		t.Errorf("a no-show's row still offers %d buttons", n)
	}
	if st := submit(t, ctx, row+" td.time a"); st != 200 {
		t.Fatalf("open the no-show: status %d", st)
	}
	if n := count(t, ctx, "main button[name=status], main details.cancel"); n != 0 {
		t.Errorf("a no-show's page still offers %d actions", n)
	}
	shot(t, ctx, "no-show")

	other := "#slot-15"
	if st := visit(t, ctx, base+"/clinique?date="+tomorrow); st != 200 {
		t.Fatalf("tomorrow: status %d", st)
	}
	mustContain(t, ctx, other, "Étienne Pelletier")
	if n := count(t, ctx, other+" button"); n != 0 {
		t.Errorf("tomorrow's visit offers %d buttons: it cannot be recorded yet", n)
	}
	if st := submit(t, ctx, other+" td.time a"); st != 200 {
		t.Fatalf("open the appointment: status %d", st)
	}
	click(t, ctx, "details.cancel summary")
	shot(t, ctx, "cancel asked")
	if st := submit(t, ctx, `form[action$="/annuler"] button[type=submit]`); st != 200 {
		t.Fatalf("cancel: status %d", st)
	}
	mustContain(t, ctx, ".notice", "Le rendez-vous est annulé")
	mustContain(t, ctx, other, "Libre")
	if strings.Contains(text(t, ctx, "main"), "Pelletier") {
		t.Error("the agenda still shows the cancelled patient")
	}
	shot(t, ctx, "cancelled")

	phone := newBrowser(t)
	signInAt(t, phone, base+"/clinique?date="+today+"&tout=1", "accueil@plateau.example", "Agenda de la clinique")
	mustContain(t, phone, row, "Absent")
	shot(t, phone, "agenda on a phone")

	s, err := sqlite.Open(context.Background(), serverDB(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, want := range map[string]rdv.AppointmentStatus{"1": rdv.NoShow, cancelled: rdv.Cancelled} {
		var n int64
		fmt.Sscan(id, &n)
		if a, err := s.Appointment(context.Background(), n); err != nil || a.Status != want {
			t.Errorf("appointment %s: %s, %v; want %s", id, a.Status, err, want)
		}
	}
}

// TestBrowserAgentBooksByPhone: a phone agent signs in, searches, books for
// a caller, and reads the link the caller will use to cancel; the booking
// is recorded as made by an agent, by phone.
func TestBrowserAgentBooksByPhone(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	mustCreateStaff(t, "agent@reseau.example", rdv.PhoneAgent, 0)
	tomorrow := rdv.DateOf(time.Now()).AddDays(1).String()

	ctx := newBrowser(t, withWindow(1280, 900))
	signInAt(t, ctx, base+"/agent", "agent@reseau.example", "Console téléphonique")
	shot(t, ctx, "console")
	fill(t, ctx, "service", "general", "lieu", "Laval", "rayon", "25", "du", tomorrow, "au", tomorrow)
	shot(t, ctx, "search filled")
	if st := submit(t, ctx, `form.search button[type=submit]`); st != 200 {
		t.Fatalf("search: status %d", st)
	}
	mustContain(t, ctx, "main h2", "Rendez-vous disponibles")
	if n := count(t, ctx, "ol.slots li"); n == 0 {
		t.Fatal("the console found no slot near Laval")
	}
	shot(t, ctx, "results")
	if st := submit(t, ctx, `ol.slots li button[type=submit]`); st != 200 {
		t.Fatalf("choose: status %d", st)
	}
	mustContain(t, ctx, "h1", "Réserver pour un patient")
	fill(t, ctx, "first_name", "Rosalie", "last_name", "Gauthier", "birth_date", "1969-11-30",
		"health_number", "GAUR69613012", "phone", "450-555-0177")
	shot(t, ctx, "form filled")
	if st := submit(t, ctx, `form[action^="/agent/reservation/"] button[type=submit]`); st != 200 {
		t.Fatalf("confirm: status %d", st)
	}
	mustContain(t, ctx, "h1", "Rendez-vous confirmé")
	mustContain(t, ctx, "main", "Rosalie Gauthier")
	mustContain(t, ctx, "main", "par téléphone")
	link := text(t, ctx, "#cancel-link")
	if !strings.Contains(link, "/rendez-vous/") || !strings.Contains(link, "token=") {
		t.Fatalf("cancel link %q, want the appointment's page with its token", link)
	}
	shot(t, ctx, "confirmation")

	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(u.Path, "/rendez-vous/")
	a := call(t, "GET", base+"/api/v1/appointments/"+id+"?token="+url.QueryEscape(u.Query().Get("token")), nil, 200)
	if a["booked_by"] != "agent" || a["channel"] != "phone" || a["status"] != "booked" {
		t.Fatalf("the agent's booking: booked_by %v, channel %v, status %v; want agent, phone, booked", a["booked_by"], a["channel"], a["status"])
	}

	// The caller opens the link: the appointment page offers to cancel.
	caller := newBrowser(t)
	if st := visit(t, caller, link); st != 200 {
		t.Fatalf("the caller's link: status %d", st)
	}
	mustContain(t, caller, "main", "Rosalie")
	if n := count(t, caller, `a[href*="/annuler?"]`); n != 1 {
		t.Fatalf("the caller's page has %d links to cancel, want 1", n)
	}
	shot(t, caller, "caller's page")
}

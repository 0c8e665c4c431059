package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
	"rdv/sqlite"
)

// TestBrowserOperatorBanner: an operator signs in, sets the status
// banner, and a patient's home page shows it in French and in English;
// once cleared it is gone.
func TestBrowserOperatorBanner(t *testing.T) {
	t.Parallel()
	_, url := startServer(t)
	mustCreateOperator(t, url)

	op := newBrowser(t)
	if st := visit(t, op, url+"/operateur"); st != 200 {
		t.Fatalf("sign-in page: status %d", st)
	}
	if loc := location(t, op); !strings.Contains(loc, "/connexion?retour=") {
		t.Fatalf("the console sent a signed-out visitor to %s", loc)
	}
	shot(t, op, "sign-in")
	if st := signInStaff(t, op, "operateur@reseau.example", operatorPassword); st != 200 {
		t.Fatalf("sign in: status %d", st)
	}
	mustContain(t, op, "h1", "Console de l'opérateur")
	shot(t, op, "console")
	fill(t, op, "banner_fr", "Service perturbé ce soir", "banner_en", "Service disrupted tonight")
	click(t, op, `input[name=level][value=warning]`)
	if st := submit(t, op, `form[action="/operateur/bandeau"] button[type=submit]`); st != 200 {
		t.Fatalf("set banner: status %d", st)
	}
	mustContain(t, op, ".banner", "Service perturbé ce soir")
	shot(t, op, "banner set")

	for _, c := range []struct{ lang, accept, want string }{
		{"fr", "fr-CA,fr;q=0.9", "Service perturbé ce soir"},
		{"en", "en-CA,en;q=0.9", "Service disrupted tonight"},
	} {
		patient := newBrowser(t, withAcceptLanguage(c.accept))
		if st := visit(t, patient, url+"/"); st != 200 {
			t.Fatalf("home page (%s): status %d", c.lang, st)
		}
		mustContain(t, patient, ".banner", c.want)
		shot(t, patient, "patient home "+c.lang)
	}

	if st := submit(t, op, `form[action="/operateur/bandeau/retirer"] button[type=submit]`); st != 200 {
		t.Fatalf("clear banner: status %d", st)
	}
	patient := newBrowser(t)
	visit(t, patient, url+"/?lang=fr")
	if n := count(t, patient, ".banner"); n != 0 {
		t.Errorf("the cleared banner still shows (%d)", n)
	}
	shot(t, patient, "banner cleared")
}

const operatorPassword = "un mot de passe d'opérateur"

// mustCreateOperator adds an operator account to the running server's
// database, as rdv account create does, with its authenticator app.
func mustCreateOperator(t *testing.T, url string) {
	t.Helper()
	_ = url
	hash, err := auth.HashPassword(operatorPassword, auth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	path := serverDB(t)
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.CreateAccount(context.Background(), rdv.Account{Email: "operateur@reseau.example", Role: rdv.Operator, PasswordHash: hash})
	if err != nil {
		t.Fatalf("create operator: %v", err)
	}
	enrolTOTP(t, s, a)
}

// serverDB finds the database file startServer made in the test's
// temporary folders.
func serverDB(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(t.TempDir()), "*", "rdv.db"))
	if len(matches) == 0 {
		t.Fatal("no database of the running server")
	}
	return matches[0]
}

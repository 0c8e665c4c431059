package web

import (
	"net/http"
	"strings"
	"testing"

	"rdv"
)

// TestSignInLandsOnRoleHome: signing in without a return path takes each
// role to its own workspace, and every staff page's header says who is
// signed in, links that workspace and offers sign-out.
func TestSignInLandsOnRoleHome(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	tests := []struct {
		role       rdv.Role
		home, link string
	}{
		{rdv.Receptionist, "/clinique", "Agenda de la clinique"},
		{rdv.ClinicAdmin, "/clinique", "Agenda de la clinique"},
		{rdv.PhoneAgent, "/agent", "Console téléphonique"},
		{rdv.Operator, "/operateur", "Console de l'opérateur"},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			b := newBrowser(t, s)
			if got := b.signIn(accts[tt.role].Email, testPassword).want(t, http.StatusSeeOther).location(t); got != tt.home {
				t.Fatalf("%s signed in to %s, want %s", tt.role, got, tt.home)
			}
			page := b.do(http.MethodGet, tt.home, nil).want(t, http.StatusOK)
			page.contains(t, `<nav class="staff"`, accts[tt.role].Email, `<a href="`+tt.home+`">`+htmlText(tt.link)+`</a>`,
				`action="/deconnexion"`, translate("fr", "signout.submit"))
		})
	}
	t.Run("English", func(t *testing.T) {
		b := newBrowser(t, s)
		b.signIn(accts[rdv.PhoneAgent].Email, testPassword).want(t, http.StatusSeeOther)
		b.do(http.MethodGet, "/agent?lang=en", nil).want(t, http.StatusOK).contains(t, `<a href="/agent">Phone console</a>`, "Sign out")
	})
	t.Run("a return path still wins", func(t *testing.T) {
		b := newBrowser(t, s)
		page := b.do(http.MethodGet, "/connexion?retour=/agent/demandes", nil).want(t, http.StatusOK)
		res := b.post(page, "/connexion", map[string][]string{"email": {accts[rdv.PhoneAgent].Email}, "password": {testPassword}, "retour": {"/agent/demandes"}})
		res = b.secondStepIfAsked(accts[rdv.PhoneAgent].Email, res)
		if got := res.want(t, http.StatusSeeOther).location(t); got != "/agent/demandes" {
			t.Fatalf("signed in to %s, want the return path", got)
		}
	})
	// Patients have no account: their pages carry no staff header.
	if body := s.get("/", "fr").want(t, http.StatusOK).body; strings.Contains(body, `class="staff"`) {
		t.Fatal("a patient's page shows the staff header")
	}
}

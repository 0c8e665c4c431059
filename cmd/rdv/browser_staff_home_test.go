package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rdv"
)

// TestBrowserStaffLandOnTheirHome: on a phone (390 px wide), each staff
// role signs in from the bare sign-in page and lands on its own
// workspace, whose header says who is signed in, links back to that
// workspace and signs out; the header fits the phone's width.
func TestBrowserStaffLandOnTheirHome(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	script := ""
	if os.Getenv(axeEnv) != "" {
		script = axeScript(t)
	}
	homes := []struct {
		email   string
		role    rdv.Role
		clinic  int64
		home    string
		heading string
		link    string
	}{
		{"accueil@plateau.example", rdv.Receptionist, 1, "/clinique", "Agenda de la clinique", "Agenda de la clinique"},
		{"agent@reseau.example", rdv.PhoneAgent, 0, "/agent", "Console téléphonique", "Console téléphonique"},
		{"operateur@reseau.example", rdv.Operator, 0, "/operateur", "Console de l'opérateur", "Console de l'opérateur"},
	}
	for _, tt := range homes {
		mustCreateStaff(t, tt.email, tt.role, tt.clinic)
	}
	for _, tt := range homes {
		t.Run(string(tt.role), func(t *testing.T) {
			ctx := newBrowser(t, withWindow(390, 844))
			// Headless Chromium keeps its window at least 500 px wide: the
			// phone's width is emulated.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
				t.Fatal(err)
			}
			if st := visit(t, ctx, base+"/connexion"); st != 200 {
				t.Fatalf("sign-in page: status %d", st)
			}
			if st := signInStaff(t, ctx, tt.email, staffPassword); st != 200 {
				t.Fatalf("sign in: status %d", st)
			}
			if loc := location(t, ctx); !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], tt.home) {
				t.Fatalf("%s landed on %s, want %s", tt.role, loc, tt.home)
			}
			mustContain(t, ctx, "h1", tt.heading)
			mustContain(t, ctx, "header nav.staff", tt.email)
			mustContain(t, ctx, `header nav.staff a[href="`+tt.home+`"]`, tt.link)
			mustContain(t, ctx, "header nav.staff form.signout button", "Se déconnecter")
			if w := evalInt(t, ctx, `document.documentElement.scrollWidth`); w > 390 {
				t.Errorf("the page is %d px wide on a 390 px phone", w)
			}
			shot(t, ctx, "home on a phone")
			if script != "" {
				audit(t, ctx, script, string(tt.role)+" home")
			}
			if st := submit(t, ctx, "header nav.staff form.signout button"); st != 200 {
				t.Fatalf("sign out: status %d", st)
			}
			mustContain(t, ctx, ".notice", "déconnecté")
		})
	}
}

// evalInt evaluates a JavaScript expression that gives a whole number.
func evalInt(t *testing.T, ctx context.Context, expr string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return n
}

package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"rdv"
)

// TestBrowserPasskey: a receptionist adds a passkey from the security
// page, the page's script driving the ceremony with Chromium's virtual
// authenticator, then signs in again with it at the second step. The
// site is reached at http://localhost (browsers take passkeys for a
// domain name only, never an IP address), which --public-url names.
func TestBrowserPasskey(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	base := "http://localhost:" + port
	startServer(t, "--addr", "127.0.0.1:"+port, "--public-url", base)
	mustCreateStaff(t, "accueil@plateau.example", rdv.Receptionist, 1)

	ctx := newBrowser(t, withWindow(1280, 900))
	auth := virtualAuthenticator(t, ctx)
	if st := visit(t, ctx, base+"/connexion"); st != 200 {
		t.Fatalf("sign-in page: status %d", st)
	}
	if st := signInStaff(t, ctx, "accueil@plateau.example", staffPassword); st != 200 {
		t.Fatalf("sign in: status %d", st)
	}
	visit(t, ctx, base+"/securite")
	if n := evalInt(t, ctx, `document.getElementById("passkey-add").hidden ? 0 : 1`); n != 1 {
		t.Fatalf("the passkey form stays hidden in a browser that has WebAuthn")
	}
	shot(t, ctx, "security")
	if os.Getenv(axeEnv) != "" {
		audit(t, ctx, axeScript(t), "security with passkeys")
	}
	fill(t, ctx, "name", "Clé de test")
	click(t, ctx, `#passkey-add button[type=submit]`)
	waitForAddress(t, ctx, "the passkey added", func(u *url.URL) bool { return u.RawQuery == "avis=passkey_added" })
	mustContain(t, ctx, "ul.passkeys", "Clé de test")
	shot(t, ctx, "passkey added")
	if creds := credentials(t, ctx, auth); len(creds) != 1 || creds[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %d credentials (%+v), want one for localhost", len(creds), creds)
	}

	if st := submit(t, ctx, "header nav.staff form.signout button"); st != 200 {
		t.Fatalf("sign out: status %d", st)
	}
	visit(t, ctx, base+"/connexion")
	fill(t, ctx, "email", "accueil@plateau.example", "password", staffPassword)
	submit(t, ctx, `form.signin button[type=submit]`)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/connexion/verification") {
		t.Fatalf("an account with a passkey signed in to %s, want the second step", loc)
	}
	shot(t, ctx, "second step")
	click(t, ctx, `#passkey-step button[type=submit]`)
	waitForAddress(t, ctx, "signed in with the passkey", func(u *url.URL) bool { return u.Path == "/clinique" })
	mustContain(t, ctx, "h1", "Agenda de la clinique")
	if creds := credentials(t, ctx, auth); len(creds) != 1 || creds[0].SignCount < 2 {
		t.Errorf("the authenticator's credential %+v, want it used to sign in", creds)
	}
}

// waitForAddress waits until the tab is at an address ok accepts, its
// page loaded: for a page that the page's script leaves (an expression
// waited for in the page would be cut short by the navigation). The
// address changes as the navigation commits, before the new page's
// elements exist: reading them then finds none.
func waitForAddress(t *testing.T, ctx context.Context, what string, ok func(*url.URL) bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
			if u, err := url.Parse(loc); err == nil && ok(u) {
				if state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`)); err == nil && state == "complete" {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: the tab is at %s", what, location(t, ctx))
		}
	}
}

// freePort returns a port of the loopback free a moment ago, for a
// server whose address must be known before it starts.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// virtualAuthenticator gives the tab a security key that answers at
// once, as if touched: CTAP2 over USB, with user verification.
func virtualAuthenticator(t *testing.T, ctx context.Context) webauthn.AuthenticatorID {
	t.Helper()
	var id webauthn.AuthenticatorID
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportUsb,
			HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		id = res.AuthenticatorID
		return err
	}))
	if err != nil {
		t.Fatalf("virtual authenticator: %v", err)
	}
	return id
}

// credentials lists what the virtual authenticator holds.
func credentials(t *testing.T, ctx context.Context, id webauthn.AuthenticatorID) []*webauthn.Credential {
	t.Helper()
	var creds []*webauthn.Credential
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
		creds = res.Credentials
		return err
	}))
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	return creds
}

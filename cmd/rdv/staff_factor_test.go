package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// Staff of the end-to-end tests sign in as staff do: a password, then,
// for the roles that must have one (rdv.Role.RequiresSecondFactor), a code
// of their authenticator app. mustCreateStaff and mustCreateOperator set
// the app up through the store, as if its first code had been typed; the
// sign-in helpers type the code the app would show.
//
// Tests start many servers whose accounts share an email, and a browser
// signing in does not know which server's database it talks to: each
// email has one secret for the whole test binary, so that its codes are
// right on every server. A server takes each time step's code once, and
// the step before and after the present one: when both are spent for an
// email, the browser types one of its recovery codes, given to every
// account of the email; when those are spent too, it waits for the next
// step.

// totpStep is the length of an authenticator app's time step.
const totpStep = 30 * time.Second

// staffFactor is what the tests know of an email's second factor.
type staffFactor struct {
	mu       sync.Mutex
	secret   string
	recovery []string // not typed yet
	lastStep int64    // the newest time step whose code was typed
}

var (
	staffFactorsMu sync.Mutex
	staffFactors   = map[string]*staffFactor{}
)

// factorOf returns the email's second factor, made the first time.
func factorOf(t testing.TB, email string) *staffFactor {
	t.Helper()
	email = strings.ToLower(email)
	staffFactorsMu.Lock()
	defer staffFactorsMu.Unlock()
	if f, ok := staffFactors[email]; ok {
		return f
	}
	secret, _, err := auth.NewTOTP("rdv", email)
	if err != nil {
		t.Fatal(err)
	}
	f := &staffFactor{secret: secret, recovery: auth.NewRecoveryCodes(rdv.RecoveryCodeCount)}
	staffFactors[email] = f
	return f
}

// enrolTOTP gives the account its email's authenticator app, confirmed
// by a code of the step before the present one (so that the present
// step's code signs in), and the email's recovery codes. Confirming
// rotates a session: the one made here is held by no browser.
func enrolTOTP(t testing.TB, s rdv.StaffFactorStore, a rdv.Account) {
	t.Helper()
	ctx := context.Background()
	f := factorOf(t, a.Email)
	now := time.Now()
	if err := s.StartTOTP(ctx, a.ID, f.secret, now); err != nil {
		t.Fatalf("start TOTP of %s: %v", a.Email, err)
	}
	hashes := make([]string, len(f.recovery))
	for i, c := range f.recovery {
		hashes[i] = auth.RecoveryHash(a.ID, c)
	}
	err := s.ConfirmTOTP(ctx, rdv.ConfirmTOTPRequest{
		AccountID: a.ID, Step: now.Unix()/int64(totpStep/time.Second) - 1, RecoveryHashes: hashes, Now: now,
		Rotate: rdv.Rotation{New: rdv.Session{TokenHash: auth.HashToken(auth.NewToken()), AccountID: a.ID,
			CSRFToken: auth.NewToken(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), SecondFactor: true}},
	})
	if err != nil {
		t.Fatalf("confirm TOTP of %s: %v", a.Email, err)
	}
}

// secondFactorCode returns what the email's owner types in the second
// step now: the code of the app for the present step or the next one
// (which a server takes too) when not typed yet, else a recovery code.
func secondFactorCode(t testing.TB, email string) string {
	t.Helper()
	f := factorOf(t, email)
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		now := time.Now()
		step := now.Unix() / int64(totpStep/time.Second)
		if next := max(step, f.lastStep+1); next <= step+1 {
			code, err := auth.TOTPCode(f.secret, time.Unix(next*int64(totpStep/time.Second), 0))
			if err != nil {
				t.Fatal(err)
			}
			f.lastStep = next
			return code
		}
		if len(f.recovery) > 0 {
			code := f.recovery[0]
			f.recovery = f.recovery[1:]
			return code
		}
		time.Sleep(time.Unix((step+1)*int64(totpStep/time.Second), 0).Sub(now))
	}
}

// signInStaff signs in on the sign-in page the tab shows: the email and
// password, then the second step when the server asks for it. It
// returns the HTTP status of the page the sign-in leads to.
func signInStaff(t *testing.T, ctx context.Context, email, password string) int64 {
	t.Helper()
	fill(t, ctx, "email", email, "password", password)
	st := submit(t, ctx, `form.signin button[type=submit]`)
	if st != 200 || !strings.Contains(location(t, ctx), "/connexion/verification") {
		return st
	}
	return passSecondStep(t, ctx, email)
}

// passSecondStep types the email's code in the second step the tab
// shows, and returns the status of the page it leads to.
func passSecondStep(t *testing.T, ctx context.Context, email string) int64 {
	t.Helper()
	fill(t, ctx, "code", secondFactorCode(t, email))
	return submit(t, ctx, `#second-step button[type=submit]`)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInHTTP signs in with a plain HTTP client (its jar keeps the
// cookies, and it follows redirects): the password, then the second step
// when asked. It returns the status and body of the page the sign-in
// leads to.
func signInHTTP(t testing.TB, c *http.Client, base, email, password string) (int, string) {
	t.Helper()
	read := func(res *http.Response, err error) (*http.Response, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	csrf := func(page string) string {
		t.Helper()
		m := csrfRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the page:\n%s", page)
		}
		return m[1]
	}
	_, form := read(c.Get(base + "/connexion"))
	res, page := read(c.PostForm(base+"/connexion", url.Values{"email": {email}, "password": {password}, "csrf": {csrf(form)}}))
	if res.Request.URL.Path == "/connexion/verification" {
		res, page = read(c.PostForm(base+"/connexion/verification", url.Values{"code": {secondFactorCode(t, email)}, "csrf": {csrf(page)}}))
	}
	return res.StatusCode, page
}

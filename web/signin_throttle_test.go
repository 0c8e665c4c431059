package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"rdv"
)

// countedAccounts counts the accounts looked up by email: every sign-in
// that reaches the password check looks its email up once.
type countedAccounts struct {
	rdv.Store
	lookups atomic.Int64
}

func (c *countedAccounts) AccountByEmail(ctx context.Context, email string) (rdv.Account, error) {
	c.lookups.Add(1)
	return c.Store.AccountByEmail(ctx, email)
}

// signinForm is what a browser at addr, forwarded for xff when not
// empty, needs to post the sign-in form: the page's cookies and form
// token.
type signinForm struct {
	addr, xff string
	cookies   []*http.Cookie
	csrf      string
}

func (s *site) signinForm(t *testing.T, addr, xff string) signinForm {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/connexion", nil)
	r.RemoteAddr = addr
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("sign-in page: %d", w.Code)
	}
	return signinForm{addr: addr, xff: xff, cookies: w.Result().Cookies(), csrf: hiddenValue(t, w.Body.String(), "csrf")}
}

// post signs in with email and password and returns the status.
func (f signinForm) post(s *site, email, password string) int {
	form := url.Values{"email": {email}, "password": {password}, "csrf": {f.csrf}}
	r := httptest.NewRequest(http.MethodPost, "/connexion", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range f.cookies {
		r.AddCookie(c)
	}
	r.RemoteAddr = f.addr
	if f.xff != "" {
		r.Header.Set("X-Forwarded-For", f.xff)
	}
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, r)
	return w.Code
}

// TestSignInGuessesRacedCheckFiveAtMost: wrong passwords sent all at once
// for one email get no more password checks than the five a guesser is
// allowed one after the other. They used to be checked before any was
// counted: 25 at once got 16 checks.
func TestSignInGuessesRacedCheckFiveAtMost(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	counted := &countedAccounts{Store: s.store}
	s.srv.d.Store = counted
	const tries = 25
	start := make(chan struct{})
	var wg sync.WaitGroup
	codes := make([]int, tries)
	guesser := s.signinForm(t, "198.51.100.50:40000", "")
	for i := range tries {
		wg.Go(func() {
			<-start
			codes[i] = guesser.post(s, "operator@reseau.example", "devinette")
		})
	}
	close(start)
	wg.Wait()
	refused, waited := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			refused++
		case http.StatusTooManyRequests:
			waited++
		default:
			t.Fatalf("a guess got %d", c)
		}
	}
	if n := counted.lookups.Load(); n > 5 || n != int64(refused) {
		t.Fatalf("%d password checks for %d concurrent guesses (%d refused, %d told to wait), want at most 5", n, tries, refused, waited)
	}
}

// TestSignInFailuresFromOneAddressKeepNoOneElseOut: someone guessing the
// operator's password from one address slows that address down, but the
// operator signs in from another, whether the addresses are connections'
// or, behind a trusted proxy, the proxy's X-Forwarded-For entries.
func TestSignInFailuresFromOneAddressKeepNoOneElseOut(t *testing.T) {
	t.Parallel()
	const email = "operator@reseau.example"
	tests := []struct {
		name           string
		trust          bool
		guesser, owner [2]string // connection address, X-Forwarded-For
	}{
		{"two connections", false, [2]string{"198.51.100.60:40000", ""}, [2]string{"203.0.113.60:40000", ""}},
		{"behind a trusted proxy", true, [2]string{"10.0.0.2:40000", "198.51.100.61"}, [2]string{"10.0.0.2:40001", "203.0.113.61"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpenSite(t)
			withStaff(t, s)
			s.srv.d.TrustForwardedFor = tt.trust
			guesser := s.signinForm(t, tt.guesser[0], tt.guesser[1])
			last := 0
			for range 30 { // past both the email's and the address's allowance
				last = guesser.post(s, email, "devinette")
			}
			if last != http.StatusTooManyRequests {
				t.Fatalf("the guesser's 30th try got %d, want 429", last)
			}
			if got := guesser.post(s, email, testPassword); got != http.StatusTooManyRequests {
				t.Errorf("the right password from the guesser's address got %d, want 429: a guesser must learn nothing", got)
			}
			if got := s.signinForm(t, tt.owner[0], tt.owner[1]).post(s, email, testPassword); got != http.StatusSeeOther {
				t.Errorf("the operator's right password from another address got %d, want 303", got)
			}
			if got := s.signinForm(t, tt.owner[0], tt.owner[1]).post(s, "agent@reseau.example", testPassword); got != http.StatusSeeOther {
				t.Errorf("another account from another address got %d, want 303", got)
			}
		})
	}
}

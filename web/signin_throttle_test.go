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
	rdv.AccountStore
	lookups atomic.Int64
}

func (c *countedAccounts) AccountByEmail(ctx context.Context, email string) (rdv.Account, error) {
	c.lookups.Add(1)
	return c.AccountStore.AccountByEmail(ctx, email)
}

// signinRequest is a sign-in form post from addr, forwarded for xff when
// it is not empty.
func signinRequest(email, password, addr, xff string) *http.Request {
	form := url.Values{"email": {email}, "password": {password}, "csrf": {testCSRFToken}}
	r := httptest.NewRequest(http.MethodPost, "/connexion", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: csrfCookieName, Value: testCSRFToken})
	r.RemoteAddr = addr
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	return r
}

func (s *site) signinStatus(email, password, addr, xff string) int {
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, signinRequest(email, password, addr, xff))
	return w.Code
}

// TestSignInGuessesRacedCheckFiveAtMost: wrong passwords sent all at once
// for one email get no more password checks than the five a guesser is
// allowed one after the other. They used to be checked before any was
// counted: 25 at once got 16 checks.
func TestSignInGuessesRacedCheckFiveAtMost(t *testing.T) {
	s := mustOpenSite(t)
	withStaff(t, s)
	counted := &countedAccounts{AccountStore: s.srv.d.Accounts}
	s.srv.d.Accounts = counted
	const tries = 25
	start := make(chan struct{})
	var wg sync.WaitGroup
	codes := make([]int, tries)
	for i := range tries {
		wg.Go(func() {
			<-start
			codes[i] = s.signinStatus("operator@reseau.example", "devinette", "198.51.100.50:40000", "")
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
			last := 0
			for range 30 { // past both the email's and the address's allowance
				last = s.signinStatus(email, "devinette", tt.guesser[0], tt.guesser[1])
			}
			if last != http.StatusTooManyRequests {
				t.Fatalf("the guesser's 30th try got %d, want 429", last)
			}
			if got := s.signinStatus(email, testPassword, tt.guesser[0], tt.guesser[1]); got != http.StatusTooManyRequests {
				t.Errorf("the right password from the guesser's address got %d, want 429: a guesser must learn nothing", got)
			}
			if got := s.signinStatus(email, testPassword, tt.owner[0], tt.owner[1]); got != http.StatusSeeOther {
				t.Errorf("the operator's right password from another address got %d, want 303", got)
			}
			if got := s.signinStatus("agent@reseau.example", testPassword, tt.owner[0], tt.owner[1]); got != http.StatusSeeOther {
				t.Errorf("another account from another address got %d, want 303", got)
			}
		})
	}
}

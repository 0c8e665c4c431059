package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
)

// roleHome is each role's workspace: where it lands after signing in
// without a return path, and what the staff header links to.
var roleHome = map[rdv.Role]string{
	rdv.Receptionist: "/clinique",
	rdv.ClinicAdmin:  "/clinique",
	rdv.PhoneAgent:   "/agent",
	rdv.Operator:     "/operateur",
}

// Home returns the signed-in account's workspace, for the header; "" when
// no one is signed in.
func (p *page) Home() string {
	if p.Account == nil {
		return ""
	}
	return roleHome[p.Account.Role]
}

// signinGuard slows down password guessing: per email at one address
// (one account guessed from one place) and per address (one machine
// trying many accounts; clinics share an address, so it tolerates more),
// and it bounds how many argon2id checks run at once so that a flood of
// sign-ins cannot take every core.
//
// No count is per email alone: failures from one address must never keep
// the account's owner out from another (an attacker could otherwise lock
// every staff member out by guessing each email five times). Guessing one
// account from many addresses is bounded by each address's own slow-down
// and by the argon2id checks the platform runs at once.
type signinGuard struct {
	byEmail *throttle
	byAddr  *throttle
	hashing chan struct{}
}

func newSigninGuard() *signinGuard {
	return &signinGuard{
		byEmail: newThrottle(5, time.Second, 30*time.Second),
		byAddr:  newThrottle(20, time.Second, 30*time.Second),
		hashing: make(chan struct{}, 2),
	}
}

// signinData is what the sign-in page shows besides its form.
type signinData struct{ Return string }

// signinForm shows the sign-in page.
func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	ret := safeReturn(r.URL.Query().Get("retour"))
	if a, ok := s.account(r); ok {
		http.Redirect(w, r, landing(a, ret), http.StatusSeeOther)
		return
	}
	p := &page{Title: "signin.title", Form: newForm(nil), Data: signinData{Return: ret}}
	if r.URL.Query().Get("avis") == "signed_out" {
		p.Notice = p.T("signin.signed_out")
	}
	s.render(w, r, http.StatusOK, "signin", p)
}

// landing is where an account goes after signing in.
func landing(a rdv.Account, ret string) string {
	if ret != "" {
		return ret
	}
	if h, ok := roleHome[a.Role]; ok {
		return h
	}
	return "/"
}

// signin checks an email and password and opens a session. Every failure
// reads the same, whether the email is unknown, the account disabled or
// the password wrong, and takes the same time.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	ret := safeReturn(r.PostFormValue("retour"))
	f := newForm(url.Values{"email": {email}})
	again := func(status int, key string) {
		f.Fail("password", key)
		f.summarize([]labelled{{"password", "signin.password"}})
		s.render(w, r, status, "signin", &page{Title: "signin.title", Form: f, Data: signinData{Return: ret}})
	}
	if email == "" || password == "" || len(email) > 254 {
		if email == "" {
			f.Fail("email", "err.required")
		}
		f.summarize([]labelled{{"email", "signin.email"}})
		again(http.StatusUnprocessableEntity, "err.required")
		return
	}
	now := time.Now()
	addr := s.clientAddr(r)
	emailKey, addrKey := "e:"+email+"|"+addr, "a:"+addr
	g := s.signins
	// Both attempts are reserved before the password is checked, so that
	// concurrent guesses cannot all pass a check made before any of them
	// is counted.
	if g.byAddr.reserve(addrKey, now) > 0 {
		again(http.StatusTooManyRequests, "signin.wait")
		return
	}
	if g.byEmail.reserve(emailKey, now) > 0 {
		g.byAddr.release(addrKey)
		again(http.StatusTooManyRequests, "signin.wait")
		return
	}
	a, ok, err := s.checkPassword(r.Context(), email, password)
	if err != nil {
		g.byEmail.release(emailKey)
		g.byAddr.release(addrKey)
		s.fail(w, r, err)
		return
	}
	if !ok {
		g.byEmail.fail(emailKey, time.Now())
		g.byAddr.fail(addrKey, time.Now())
		s.log.InfoContext(r.Context(), "sign-in refused")
		again(http.StatusUnauthorized, "signin.failed")
		return
	}
	g.byEmail.forgive(emailKey)
	g.byAddr.release(addrKey)
	token, hash := auth.NewSessionToken()
	err = s.d.Store.CreateSession(r.Context(), rdv.Session{
		TokenHash: hash, AccountID: a.ID, CSRFToken: auth.NewCSRFToken(),
		CreatedAt: now, ExpiresAt: now.Add(sessionTTL),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName(r, sessionCookieName),
		Value:    token,
		Path:     "/",
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	if a.Role == rdv.Operator {
		s.setOperatorPass(w, r, hash, now.Add(sessionTTL), int(sessionTTL/time.Second))
	}
	s.log.InfoContext(r.Context(), "signed in", "account", a.ID, "role", string(a.Role))
	http.Redirect(w, r, landing(a, ret), http.StatusSeeOther)
}

// checkPassword returns the enabled account whose password matches. An
// unknown email spends the same argon2id work as a known one.
func (s *Server) checkPassword(ctx context.Context, email, password string) (rdv.Account, bool, error) {
	g := s.signins
	select {
	case g.hashing <- struct{}{}:
		defer func() { <-g.hashing }()
	case <-ctx.Done():
		return rdv.Account{}, false, rdv.Errorf(rdv.EUNAVAILABLE, "sign-in: %v", ctx.Err())
	}
	a, err := s.d.Store.AccountByEmail(ctx, email)
	if rdv.ErrorCode(err) == rdv.ENOTFOUND {
		auth.SpendVerify(password)
		return rdv.Account{}, false, nil
	}
	if err != nil {
		return rdv.Account{}, false, err
	}
	match, err := auth.VerifyPassword(password, a.PasswordHash)
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash unusable", "account", a.ID, "err", err)
		return rdv.Account{}, false, nil
	}
	return a, match && !a.Disabled, nil
}

// signout ends the session and forgets its cookie.
func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if si := signedInOf(r); si != nil {
		if err := s.d.Store.DeleteSession(r.Context(), si.sess.TokenHash); err != nil && rdv.ErrorCode(err) != rdv.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(r, sessionCookieName), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
	s.setOperatorPass(w, r, "", time.Time{}, -1)
	http.Redirect(w, r, "/connexion?avis=signed_out", http.StatusSeeOther)
}

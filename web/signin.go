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
		http.Redirect(w, r, landing(a, ret), http.StatusSeeOther) // #nosec G710 -- ret passed safeReturn: a path on this site
		return
	}
	p := &page{Title: "signin.title", Form: newForm(nil), Data: signinData{Return: ret}}
	switch r.URL.Query().Get("avis") {
	case "signed_out":
		p.NoticeKey = "signin.signed_out"
	case "step_expired":
		p.NoticeKey = "signin.step_expired"
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
	factors, err := s.d.Store.SecondFactors(r.Context(), a.ID, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if factors.Any() {
		s.startSecondStep(w, r, a, ret)
		return
	}
	if !s.openSession(w, r, a, false) {
		return
	}
	s.log.InfoContext(r.Context(), "signed in", "account", a.ID, "role", string(a.Role), "second_factor", false)
	if a.Role.RequiresSecondFactor() {
		// The role's pages refuse a session without a second factor: the
		// account sets one up first.
		http.Redirect(w, r, securityPath+"?avis=required", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, landing(a, ret), http.StatusSeeOther)
}

// openSession opens a new session for a and gives its cookie to the
// browser. The session the browser held before, if any, ends in the same
// step: a session's token never outlives a sign-in, so a token planted
// in a browser before (session fixation) or seen before a second factor
// opens nothing after it. It reports false once it has answered with an
// error.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, a rdv.Account, secondFactor bool) bool {
	now := s.now()
	se := s.newSession(r, a, secondFactor, now)
	if err := s.d.Store.CreateSession(r.Context(), se.Session); err != nil {
		s.fail(w, r, err)
		return false
	}
	s.endBrowserSession(r)
	s.setSessionCookie(w, r, se)
	return true
}

// newSession is a session for a opened at now from r's browser, with
// the token its cookie carries.
type newSession struct {
	rdv.Session
	token string
	role  rdv.Role
}

func (s *Server) newSession(r *http.Request, a rdv.Account, secondFactor bool, now time.Time) newSession {
	token, hash := auth.NewSessionToken()
	return newSession{rdv.Session{
		TokenHash: hash, AccountID: a.ID, CSRFToken: auth.NewCSRFToken(),
		CreatedAt: now, ExpiresAt: now.Add(sessionTTL), LastSeenAt: now,
		UserAgent: userAgent(r), Address: s.clientAddr(r), SecondFactor: secondFactor,
	}, token, a.Role}
}

// endBrowserSession ends the staff session the request's cookie holds,
// if any: signing in again replaces it.
func (s *Server) endBrowserSession(r *http.Request) {
	c, err := r.Cookie(cookieName(r, sessionCookieName))
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return
	}
	if err := s.d.Store.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
		s.log.WarnContext(r.Context(), "previous session not ended", "err", err)
	}
}

// setSessionCookie gives the browser a session's token, and an
// operator's, once its second factor is passed, the pass that admission
// control lets through.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, se newSession) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name:     cookieName(r, sessionCookieName),
		Value:    se.token,
		Path:     "/",
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	if se.role == rdv.Operator && se.SecondFactor {
		s.setOperatorPass(w, r, se.TokenHash, se.ExpiresAt, int(sessionTTL/time.Second))
	}
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
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: cookieName(r, sessionCookieName), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
	s.setOperatorPass(w, r, "", time.Time{}, -1)
	http.Redirect(w, r, "/connexion?avis=signed_out", http.StatusSeeOther)
}

package web

// The second step of a staff sign-in. A right password for an account
// with a second factor opens no session: it records a sign-in under way
// (rdv.Challenge, for rdv.SignInStepLife) whose token the browser holds in
// a cookie of its own, and sends to /connexion/verification. There the
// person types a code of their authenticator app or a recovery code, or
// uses a passkey (passkeys.go); a right answer opens a new session marked
// as opened with a second factor. Every typed answer spends one of the
// account's tries first (rdv.SecondFactorTries, shared by every sign-in
// of the account from anywhere), so that the password's owner cannot be
// guessed past by trying codes from many browsers.

import (
	"net/http"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
)

// staffStepCookie holds the token of a sign-in waiting for its second
// step.
const staffStepCookie = "rdv_staff_step"

const secondStepPath = "/connexion/verification"

// startSecondStep records a sign-in whose password was right and sends
// the browser to its second step.
func (s *Server) startSecondStep(w http.ResponseWriter, r *http.Request, a rdv.Account, ret string) {
	now := s.now()
	token := auth.NewToken()
	err := s.d.Store.CreateChallenge(r.Context(), rdv.Challenge{
		TokenHash: auth.HashToken(token), Kind: rdv.ChallengeSignIn, AccountID: a.ID, Return: ret,
		CreatedAt: now, ExpiresAt: now.Add(rdv.SignInStepLife),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: cookieName(r, staffStepCookie), Value: token, Path: "/connexion",
		MaxAge: int(rdv.SignInStepLife / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	s.log.InfoContext(r.Context(), "password right, second step asked", "account", a.ID)
	http.Redirect(w, r, secondStepPath, http.StatusSeeOther)
}

// forgetSecondStep removes the sign-in's cookie.
func forgetSecondStep(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{ // #nosec G124 -- Secure whenever the request came over TLS; a Secure cookie over plain HTTP would be dropped
		Name: cookieName(r, staffStepCookie), Value: "", Path: "/connexion", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

// pendingSignIn returns the sign-in under way of the request's cookie.
func (s *Server) pendingSignIn(r *http.Request) (rdv.Challenge, rdv.Account, bool) {
	c, err := r.Cookie(cookieName(r, staffStepCookie))
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return rdv.Challenge{}, rdv.Account{}, false
	}
	ch, err := s.d.Store.Challenge(r.Context(), auth.HashToken(c.Value), rdv.ChallengeSignIn, s.now())
	if err != nil {
		if rdv.ErrorCode(err) != rdv.ENOTFOUND {
			s.log.WarnContext(r.Context(), "sign-in step lookup failed", "err", err)
		}
		return rdv.Challenge{}, rdv.Account{}, false
	}
	a, err := s.d.Store.Account(r.Context(), ch.AccountID)
	if err != nil || a.Disabled {
		return rdv.Challenge{}, rdv.Account{}, false
	}
	return ch, a, true
}

// secondStepData is what the second step's page shows besides its form.
type secondStepData struct {
	TOTP     bool // the account has an authenticator app
	Passkeys bool // and passkeys
}

// secondStepForm shows the second step of a sign-in under way; without
// one, the sign-in page.
func (s *Server) secondStepForm(w http.ResponseWriter, r *http.Request) {
	_, a, ok := s.pendingSignIn(r)
	if !ok {
		http.Redirect(w, r, "/connexion?avis=step_expired", http.StatusSeeOther)
		return
	}
	s.renderSecondStep(w, r, http.StatusOK, a, newForm(nil))
}

func (s *Server) renderSecondStep(w http.ResponseWriter, r *http.Request, status int, a rdv.Account, f *form) {
	data := secondStepData{}
	if fs, err := s.d.Store.SecondFactors(r.Context(), a.ID, s.now()); err == nil {
		data = secondStepData{TOTP: fs.TOTP, Passkeys: fs.Passkeys > 0 && s.rp != nil}
	}
	p := &page{Title: "second.title", Form: f, Data: data}
	s.render(w, r, status, "signin_second", p)
}

// secondStep checks a code of the authenticator app or a recovery code
// and, right, opens the session.
func (s *Server) secondStep(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ch, a, ok := s.pendingSignIn(r)
	if !ok {
		http.Redirect(w, r, "/connexion?avis=step_expired", http.StatusSeeOther)
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	f := newForm(nil)
	again := func(status int, key string) {
		f.Fail("code", key)
		f.summarize([]labelled{{"code", "second.code"}})
		s.renderSecondStep(w, r, status, a, f)
	}
	if code == "" || len(code) > 40 {
		again(http.StatusUnprocessableEntity, "err.required")
		return
	}
	now := s.now()
	if err := s.d.Store.SpendSecondFactorTry(r.Context(), a.ID, now); err != nil {
		if rdv.ErrorCode(err) == rdv.ETOOMANY {
			s.log.InfoContext(r.Context(), "second step paused", "account", a.ID)
			again(http.StatusTooManyRequests, "second.paused")
			return
		}
		s.fail(w, r, err)
		return
	}
	proof, ok := s.proofOf(r, a, code, now)
	if !ok {
		s.log.InfoContext(r.Context(), "second step refused", "account", a.ID)
		again(http.StatusUnauthorized, "second.failed")
		return
	}
	s.finishSignIn(w, r, ch, a, proof, func(status int, key string) { again(status, key) })
}

// proofOf reads what was typed: six digits are a code of the app (its
// time step, if right), anything else a recovery code.
func (s *Server) proofOf(r *http.Request, a rdv.Account, code string, now time.Time) (rdv.Proof, bool) {
	digits := strings.ReplaceAll(code, " ", "")
	if len(digits) == 6 && strings.Trim(digits, "0123456789") == "" {
		t, err := s.d.Store.TOTP(r.Context(), a.ID)
		if err != nil || !t.Confirmed {
			return rdv.Proof{}, false
		}
		step, ok := auth.TOTPStep(t.Secret, digits, now)
		if !ok || step <= t.LastStep {
			return rdv.Proof{}, false
		}
		return rdv.Proof{TOTPStep: step}, true
	}
	return rdv.Proof{RecoveryHash: auth.RecoveryHash(a.ID, code)}, true
}

// finishSignIn spends the proof and opens the session, or says why not
// through refuse.
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, ch rdv.Challenge, a rdv.Account, proof rdv.Proof, refuse func(status int, key string)) {
	dest, err := s.openSecondFactorSession(w, r, ch, a, proof)
	switch rdv.ErrorCode(err) {
	case "":
		http.Redirect(w, r, dest, http.StatusSeeOther)
	case rdv.ECODE:
		refuse(http.StatusUnauthorized, "second.failed")
	case rdv.ENOTFOUND:
		http.Redirect(w, r, "/connexion?avis=step_expired", http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// openSecondFactorSession spends the proof, opens the session and sets
// its cookie, and returns where the sign-in goes. The proof refused is
// ECODE; the sign-in gone (expired, or passed by another answer),
// ENOTFOUND.
func (s *Server) openSecondFactorSession(w http.ResponseWriter, r *http.Request, ch rdv.Challenge, a rdv.Account, proof rdv.Proof) (string, error) {
	se := s.newSession(r, a, true, s.now())
	err := s.d.Store.FinishSignIn(r.Context(), rdv.FinishSignInRequest{Challenge: ch.TokenHash, Proof: proof, Session: se.Session, Now: se.CreatedAt})
	if err != nil {
		if rdv.ErrorCode(err) == rdv.ECODE {
			s.log.InfoContext(r.Context(), "second step refused", "account", a.ID)
		}
		return "", err
	}
	s.endBrowserSession(r)
	forgetSecondStep(w, r)
	s.setSessionCookie(w, r, se)
	how := "totp"
	switch {
	case proof.RecoveryHash != "":
		how = "recovery code"
	case proof.Passkey != nil:
		how = "passkey"
	}
	s.log.InfoContext(r.Context(), "signed in", "account", a.ID, "role", string(a.Role), "second_factor", how)
	return landing(a, ch.Return), nil
}

// secondFactorMissing answers a page of a role that must sign in with a
// second factor, asked by a session opened without one: the page says so
// and leads to the security page where one is set up.
func (s *Server) secondFactorMissing(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "second.required.title"}
	s.render(w, r, http.StatusForbidden, "second_required", p)
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// withSessionClock stops the site's sessions' clock at start, for the
// tests that move it.
func withSessionClock(s *site, start time.Time) *storetest.Clock {
	c := storetest.NewClock(start)
	s.srv.d.Now = c.Now
	return c
}

// signInPassword posts the password alone, without the helpers' second
// step, and returns where it led.
func (b *browser) signInPassword(email string) answer {
	b.t.Helper()
	page := b.do(http.MethodGet, "/connexion", nil).want(b.t, http.StatusOK)
	return b.post(page, "/connexion", url.Values{"email": {email}, "password": {testPassword}})
}

// typeSecond types a code in the second step.
func (b *browser) typeSecond(code string) answer {
	b.t.Helper()
	step := b.do(http.MethodGet, secondStepPath, nil).want(b.t, http.StatusOK)
	return b.post(step, secondStepPath, url.Values{"code": {code}})
}

func (b *browser) signOut() {
	b.t.Helper()
	page := b.do(http.MethodGet, securityPath, nil).want(b.t, http.StatusOK)
	b.post(page, "/deconnexion", url.Values{}).want(b.t, http.StatusSeeOther)
}

func inLanguage(b *browser, lang string) *browser {
	b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
	return b
}

func TestSecondFactorRequiredByRole(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	tests := []struct {
		role rdv.Role
		home string
	}{
		{rdv.Operator, "/operateur"},
		{rdv.PhoneAgent, "/agent"},
		{rdv.ClinicAdmin, "/clinique"},
		{rdv.Receptionist, "/clinique"},
	}
	for _, lang := range []string{"fr", "en"} {
		for _, tt := range tests {
			b := inLanguage(newBrowser(t, s), lang)
			res := b.signInPassword(accts[tt.role].Email).want(t, http.StatusSeeOther)
			if !tt.role.RequiresSecondFactor() {
				if loc := res.location(t); loc != tt.home {
					t.Errorf("%s signed in to %s, want %s", tt.role, loc, tt.home)
				}
				b.do(http.MethodGet, tt.home, nil).want(t, http.StatusOK)
				continue
			}
			if loc := res.location(t); loc != securityPath+"?avis=required" {
				t.Errorf("%s without a second factor signed in to %s, want the security page", tt.role, loc)
			}
			b.do(http.MethodGet, securityPath+"?avis=required", nil).want(t, http.StatusOK).
				contains(t, translate(lang, "security.notice.required"), translate(lang, "security.app.add"))
			b.do(http.MethodGet, tt.home, nil).want(t, http.StatusForbidden).
				contains(t, translate(lang, "second.required.text"), `href="/securite"`)
			b.do(http.MethodGet, securityPath+"/sessions", nil).want(t, http.StatusOK)
		}
	}
}

func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	clock := withSessionClock(s, time.Now())
	agent := accts[rdv.PhoneAgent].Email
	b := newBrowser(t, s)
	b.signInPassword(agent).want(t, http.StatusSeeOther)
	before := b.cookies[sessionCookieName].Value
	secret, codes := b.enrolTOTP(agent)
	if after := b.cookies[sessionCookieName].Value; after == before {
		t.Errorf("the session did not rotate when the app was added")
	}
	if _, _, err := s.store.SessionByTokenHash(t.Context(), auth.HashToken(before), clock.Now()); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("the session opened with the password alone still opens: %v", err)
	}
	b.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK)
	if len(codes) != rdv.RecoveryCodeCount {
		t.Fatalf("%d recovery codes", len(codes))
	}
	b.signOut()

	// The code typed at the enrolment is spent: the next step's code
	// signs in, and only once.
	clock.Set(clock.Now().Add(30 * time.Second))
	code, _ := auth.TOTPCode(secret, clock.Now())
	for _, lang := range []string{"fr", "en"} {
		inLanguage(b, lang)
		if loc := b.signInPassword(agent).want(t, http.StatusSeeOther).location(t); loc != secondStepPath {
			t.Fatalf("an account with an app signed in to %s, want the second step", loc)
		}
		if _, ok := b.cookies[sessionCookieName]; ok {
			t.Fatalf("a right password alone gave a session")
		}
		b.do(http.MethodGet, secondStepPath, nil).want(t, http.StatusOK).contains(t, translate(lang, "second.intro"))
		wrong := "000000"
		if wrong == code {
			wrong = "111111"
		}
		b.typeSecond(wrong).want(t, http.StatusUnauthorized).contains(t, translate(lang, "second.failed"))
		if lang == "fr" {
			if loc := b.typeSecond(code).want(t, http.StatusSeeOther).location(t); loc != "/agent" {
				t.Errorf("signed in to %s, want /agent", loc)
			}
			b.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK)
			b.signOut()
			continue
		}
		// Replayed, in another sign-in.
		b.typeSecond(code).want(t, http.StatusUnauthorized).contains(t, translate(lang, "second.failed"))
	}
	// The step before the last one used is refused too; the next works.
	prev, _ := auth.TOTPCode(secret, clock.Now().Add(-30*time.Second))
	if prev != code {
		b.typeSecond(prev).want(t, http.StatusUnauthorized)
	}
	clock.Set(clock.Now().Add(30 * time.Second))
	next, _ := auth.TOTPCode(secret, clock.Now())
	b.typeSecond(next).want(t, http.StatusSeeOther)
	b.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK)
}

func TestRecoveryCodesOnceAndTries(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	admin := accts[rdv.ClinicAdmin].Email
	b := newBrowser(t, s)
	b.signInPassword(admin)
	_, codes := b.enrolTOTP(admin)
	b.signOut()

	b.signInPassword(admin)
	if loc := b.typeSecond(strings.ToUpper(codes[2])).want(t, http.StatusSeeOther).location(t); loc != "/clinique" {
		t.Errorf("a recovery code signed in to %s", loc)
	}
	b.do(http.MethodGet, securityPath, nil).want(t, http.StatusOK).contains(t, pluralize("fr", "security.recovery.left", rdv.RecoveryCodeCount-1))
	b.signOut()
	b.signInPassword(admin)
	b.typeSecond(codes[2]).want(t, http.StatusUnauthorized).contains(t, translate("fr", "second.failed"))

	// The wrong answers so far and these reach the account's tries: then
	// even a right code waits, from any browser.
	for i := 0; i < rdv.SecondFactorTries-1; i++ {
		b.typeSecond("zzzz-zzzz-zzzz-zzzz").want(t, http.StatusUnauthorized)
	}
	other := inLanguage(newBrowser(t, s), "en")
	other.signInPassword(admin)
	other.typeSecond(codes[3]).want(t, http.StatusTooManyRequests).contains(t, translate("en", "second.paused"))
	b.typeSecond(codes[4]).want(t, http.StatusTooManyRequests)
}

func TestSessionIdleAndLife(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	start := time.Now()
	clock := withSessionClock(s, start)
	desk := accts[rdv.Receptionist].Email
	b := newBrowser(t, s)
	b.signInPassword(desk).want(t, http.StatusSeeOther)
	signedOut := func(a answer) bool {
		return a.StatusCode == http.StatusSeeOther && strings.HasPrefix(a.Header.Get("Location"), "/connexion?retour=")
	}
	// Used every 29 minutes, the session lives; 30 idle minutes end it.
	for i := 1; i <= 3; i++ {
		clock.Set(start.Add(time.Duration(i) * 29 * time.Minute))
		b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
	}
	clock.Set(start.Add(3*29*time.Minute + rdv.StaffSessionIdle))
	if !signedOut(b.do(http.MethodGet, "/clinique", nil)) {
		t.Errorf("a session idle for %v still opens the agenda", rdv.StaffSessionIdle)
	}

	// Used every 20 minutes, it ends 12 hours after the sign-in all the
	// same.
	start = clock.Now()
	b = newBrowser(t, s)
	b.signInPassword(desk).want(t, http.StatusSeeOther)
	for at := start.Add(20 * time.Minute); at.Before(start.Add(rdv.StaffSessionLife)); at = at.Add(20 * time.Minute) {
		clock.Set(at)
		if res := b.do(http.MethodGet, "/clinique", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("at %v: status %d", at.Sub(start), res.StatusCode)
		}
	}
	clock.Set(start.Add(rdv.StaffSessionLife))
	if !signedOut(b.do(http.MethodGet, "/clinique", nil)) {
		t.Errorf("a session still opens the agenda %v after its sign-in", rdv.StaffSessionLife)
	}
}

func TestSignInRotatesSession(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	desk := accts[rdv.Receptionist].Email
	b := newBrowser(t, s)
	b.signInPassword(desk).want(t, http.StatusSeeOther)
	first := b.cookies[sessionCookieName].Value
	// Signing in again in the same browser (the page is reached only by
	// its address while signed in) ends the session it held.
	page := b.do(http.MethodGet, "/connexion", nil)
	page.want(t, http.StatusSeeOther)
	form := b.do(http.MethodGet, securityPath, nil).want(t, http.StatusOK)
	b.post(form, "/connexion", url.Values{"email": {desk}, "password": {testPassword}}).want(t, http.StatusSeeOther)
	second := b.cookies[sessionCookieName].Value
	if second == first {
		t.Fatalf("signing in kept the session's token")
	}
	if _, _, err := s.store.SessionByTokenHash(t.Context(), auth.HashToken(first), time.Now()); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("the session held before signing in still opens: %v", err)
	}
	b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
}

func TestMySessionsAndRevocation(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	desk := accts[rdv.Receptionist].Email
	laptop, phone := newBrowser(t, s), newBrowser(t, s)
	phone.addr = "198.51.100.9:40000"
	laptop.signInPassword(desk).want(t, http.StatusSeeOther)
	phone.signInPassword(desk).want(t, http.StatusSeeOther)
	for _, lang := range []string{"fr", "en"} {
		inLanguage(laptop, lang)
		list := laptop.do(http.MethodGet, securityPath+"/sessions", nil).want(t, http.StatusOK)
		list.contains(t, translate(lang, "sessions.title"), translate(lang, "sessions.current"), "192.0.2.20", "198.51.100.9")
	}
	sessions, err := s.store.Sessions(t.Context(), accts[rdv.Receptionist].ID, time.Now())
	if err != nil || len(sessions) != 2 {
		t.Fatalf("sessions %+v, %v", sessions, err)
	}
	var phoneID string
	for _, si := range sessions {
		if si.TokenHash == auth.HashToken(phone.cookies[sessionCookieName].Value) {
			phoneID = si.ID
		}
	}
	list := laptop.do(http.MethodGet, securityPath+"/sessions", nil)
	laptop.post(list, securityPath+"/sessions/"+phoneID+"/revoquer", url.Values{}).want(t, http.StatusSeeOther)
	if loc := phone.do(http.MethodGet, "/clinique", nil).want(t, http.StatusSeeOther).location(t); !strings.HasPrefix(loc, "/connexion?retour=") {
		t.Errorf("a revoked session leads to %s", loc)
	}
	laptop.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)

	// Another account's session reads as not found.
	agent := newBrowser(t, s)
	agent.signIn(accts[rdv.PhoneAgent].Email, testPassword).want(t, http.StatusSeeOther)
	agentSessions, _ := s.store.Sessions(t.Context(), accts[rdv.PhoneAgent].ID, time.Now())
	list = laptop.do(http.MethodGet, securityPath+"/sessions", nil)
	laptop.post(list, securityPath+"/sessions/"+agentSessions[0].ID+"/revoquer", url.Values{}).want(t, http.StatusNotFound)
	agent.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK)
}

func TestOperatorRevokesAllSessions(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	desk := accts[rdv.Receptionist]
	one, two := newBrowser(t, s), newBrowser(t, s)
	one.signInPassword(desk.Email).want(t, http.StatusSeeOther)
	two.signInPassword(desk.Email).want(t, http.StatusSeeOther)
	op := inLanguage(newBrowser(t, s), "en")
	op.signIn(accts[rdv.Operator].Email, testPassword).want(t, http.StatusSeeOther)
	page := op.do(http.MethodGet, "/operateur/comptes", nil).want(t, http.StatusOK)
	page.contains(t, translate("en", "op.accounts.title"), desk.Email, pluralize("en", "op.accounts.sessions", 2))
	res := op.post(page, "/operateur/comptes/"+strconv.FormatInt(desk.ID, 10)+"/revoquer", url.Values{}).want(t, http.StatusSeeOther)
	op.do(http.MethodGet, res.location(t), nil).want(t, http.StatusOK).contains(t, pluralize("en", "op.accounts.revoked", 2))
	for _, b := range []*browser{one, two} {
		if loc := b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusSeeOther).location(t); !strings.HasPrefix(loc, "/connexion?retour=") {
			t.Errorf("after an operator revoked them, a session leads to %s", loc)
		}
	}
	// Only operators may.
	agent := newBrowser(t, s)
	agent.signIn(accts[rdv.PhoneAgent].Email, testPassword).want(t, http.StatusSeeOther)
	agent.do(http.MethodGet, "/operateur/comptes", nil).want(t, http.StatusForbidden)
}

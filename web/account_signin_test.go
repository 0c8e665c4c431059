package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// TestPatientSignInByCode walks the sign-in by code in both languages:
// a contact refused with its message (post/redirect/get, 422 once), a
// code sent to the normalised address, a wrong code refused, the right
// one opening a session with its cookie, the same code refused a second
// time, and signing out.
func TestPatientSignInByCode(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			b := inLang(newBrowser(t, s), lang)

			bad := b.askCode("julie@")
			if loc := bad.want(t, http.StatusSeeOther).location(t); loc != patientSigninPath {
				t.Fatalf("a bad contact leads to %s", loc)
			}
			again := b.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusUnprocessableEntity)
			again.contains(t, translate(lang, "err.email"), `value="julie@"`)
			b.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusOK).lacks(t, translate(lang, "err.email"))
			b.askCode("pas une adresse").want(t, http.StatusSeeOther)
			b.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate(lang, "account.err.contact"))

			sent := b.askCode("  Julie.Tremblay@Exemple.CA ").want(t, http.StatusSeeOther)
			if loc := sent.location(t); loc != patientCodePath {
				t.Fatalf("a code asked leads to %s", loc)
			}
			code := sentCode(t, s, "julie.tremblay@exemple.ca")
			if len(code) != 6 {
				t.Fatalf("code %q", code)
			}
			page := b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusOK)
			page.contains(t, translate(lang, "account.code.sent_email", "julie.tremblay@exemple.ca"))

			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			if loc := b.typeCode(wrong).want(t, http.StatusSeeOther).location(t); loc != patientCodePath {
				t.Fatalf("a wrong code leads to %s", loc)
			}
			b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate(lang, "account.err.code"))
			b.typeCode("12 34").want(t, http.StatusSeeOther)
			b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate(lang, "account.err.code_format"))

			in := b.typeCode(code[:3]+" "+code[3:]).want(t, http.StatusSeeOther)
			if loc := in.location(t); loc != patientHomePath {
				t.Errorf("signed in, sent to %s", loc)
			}
			var cookie *http.Cookie
			for _, c := range in.Cookies() {
				if c.Name == auth.PatientSessionCookie {
					cookie = c
				}
			}
			if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" ||
				cookie.MaxAge != int(patientSessionTTL/time.Second) || len(cookie.Value) < 40 {
				t.Fatalf("session cookie %+v", cookie)
			}
			if _, _, err := s.store.PatientSessionByTokenHash(t.Context(), auth.HashToken(cookie.Value), time.Now()); err != nil {
				t.Fatalf("the session is not stored: %v", err)
			}
			home := b.do(http.MethodGet, "/", nil).want(t, http.StatusOK)
			home.contains(t, `action="/compte/deconnexion"`, translate(lang, "account.nav.family"))
			if cc := home.Header.Get("Cache-Control"); cc == "" || cc[:6] == "public" {
				t.Errorf("a signed-in patient's page is cached as %q", cc)
			}

			// Signing out ends the session; the cookie kept opens nothing.
			out := b.post(home, "/compte/deconnexion", url.Values{}).want(t, http.StatusSeeOther)
			if _, _, err := s.store.PatientSessionByTokenHash(t.Context(), auth.HashToken(cookie.Value), time.Now()); rdv.ErrorCode(err) != rdv.ENOTFOUND {
				t.Errorf("the session outlives signing out: %v", err)
			}
			b.follow(out).want(t, http.StatusOK).contains(t, translate(lang, "account.notice.signed_out"), `href="/compte/connexion"`)
			b.cookies[auth.PatientSessionCookie] = cookie
			if loc := b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusSeeOther).location(t); loc != patientSigninPath+"?retour=%2Fmes-rendez-vous" {
				t.Errorf("a session signed out leads to %s", loc)
			}
			delete(b.cookies, auth.PatientSessionCookie)

			// The code that signed in signs in no more.
			b.askCode("julie.tremblay@exemple.ca").want(t, http.StatusSeeOther)
			b.typeCode(code).want(t, http.StatusSeeOther)
			if code != sentCode(t, s, "julie.tremblay@exemple.ca") {
				b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate(lang, "account.err.code"))
			}
		})
	}
}

// TestPatientSignInByPhone: a mobile number written as people do gets
// its code by text message, at its E.164 form.
func TestPatientSignInByPhone(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := newBrowser(t, s)
	b.askCode("(514) 555-0199").want(t, http.StatusSeeOther)
	b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusOK).contains(t, translate("fr", "account.code.sent_sms", "514 555-0199"))
	b.typeCode(sentCode(t, s, "+15145550199")).want(t, http.StatusSeeOther)
	if _, ok := b.cookies[auth.PatientSessionCookie]; !ok {
		t.Fatal("no session")
	}
}

// TestPatientSignInLimits: codes are capped per destination and address (429 with
// Retry-After, on the page the refusal leads to), the page is the same
// whether an account exists or not, and a code page reached without a
// code under way leads back to the first step.
func TestPatientSignInLimits(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := newBrowser(t, s)
	b.signInPatient("connu@exemple.ca", "connu@exemple.ca")
	delete(b.cookies, auth.PatientSessionCookie)
	// Known and unknown addresses answer alike.
	for _, to := range []string{"connu@exemple.ca", "inconnu@exemple.ca"} {
		if loc := b.askCode(to).want(t, http.StatusSeeOther).location(t); loc != patientCodePath {
			t.Errorf("%s: leads to %s", to, loc)
		}
	}
	for i := 2; i < rdv.SignInCodesPerAsker; i++ {
		b.askCode("connu@exemple.ca").want(t, http.StatusSeeOther)
	}
	refused := b.askCode("connu@exemple.ca").want(t, http.StatusSeeOther)
	if loc := refused.location(t); loc != patientSigninPath {
		t.Fatalf("a code too many leads to %s", loc)
	}
	page := b.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusTooManyRequests)
	page.contains(t, translate("fr", "account.err.too_many"))
	if ra, err := strconv.Atoi(page.Header.Get("Retry-After")); err != nil || ra <= 0 {
		t.Errorf("Retry-After %q", page.Header.Get("Retry-After"))
	}

	fresh := newBrowser(t, s)
	if loc := fresh.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusSeeOther).location(t); loc != patientSigninPath {
		t.Errorf("the code's page without a code leads to %s", loc)
	}
}

// TestPatientFormsNeedTheirToken: the sign-in's posts need the browser's
// form token, and a signed-in patient's posts the session's: the
// browser's alone is refused.
func TestPatientFormsNeedTheirToken(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	s.post(patientSigninPath, url.Values{"contact": {"a@exemple.ca"}, "csrf": {""}}, "fr").want(t, http.StatusForbidden)
	b := newBrowser(t, s)
	b.signInPatient("a@exemple.ca", "a@exemple.ca")
	b.cookies[csrfCookieName] = &http.Cookie{Name: csrfCookieName, Value: testCSRFToken}
	b.do(http.MethodPost, "/compte/deconnexion", url.Values{"csrf": {testCSRFField}}).want(t, http.StatusForbidden)
	b.do(http.MethodGet, patientHomePath, nil).want(t, http.StatusOK)
}

// TestPatientCodeRefusedAlike: a code run out or out of tries is refused
// with the same message as a wrong one, right as it may be.
func TestPatientCodeRefusedAlike(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	refused := func(b *browser, code string) {
		t.Helper()
		b.typeCode(code).want(t, http.StatusSeeOther)
		b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "account.err.code"))
		if _, ok := b.cookies[auth.PatientSessionCookie]; ok {
			t.Fatal("a refused code opened a session")
		}
	}

	tired := newBrowser(t, s)
	tired.askCode("essais@exemple.ca").want(t, http.StatusSeeOther)
	code := sentCode(t, s, "essais@exemple.ca")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range rdv.SignInCodeTries {
		refused(tired, wrong)
	}
	refused(tired, code)

	late := newBrowser(t, s)
	late.askCode("tard@exemple.ca").want(t, http.StatusSeeOther)
	code = sentCode(t, s, "tard@exemple.ca")
	s.clock.Set(time.Now().Add(rdv.SignInCodeTTL + time.Minute))
	defer s.clock.Set(time.Time{})
	refused(late, code)
}

// TestPatientSignInAgainstAStranger: a stranger who knows the patient's
// address asks a code for it from their own browser and address, guesses
// it until it is out of tries, and asks codes again until refused; the
// patient, from their browser, still gets a code and signs in with it.
// The patient's code asked again from the same page replaces the one
// before.
func TestPatientSignInAgainstAStranger(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	const to = "lea.cote@exemple.ca"
	stranger := newBrowser(t, s)
	stranger.addr = "198.51.100.7:40000"
	patient := newBrowser(t, s)

	stranger.askCode(to).want(t, http.StatusSeeOther)
	theirs := sentCode(t, s, to)
	patient.askCode(to).want(t, http.StatusSeeOther)
	first := sentCode(t, s, to)
	patient.askCode(to).want(t, http.StatusSeeOther)
	mine := sentCode(t, s, to)
	for _, code := range []string{first, theirs, mine} {
		if code == "000000" {
			t.Skip("a code drew the stranger's guess")
		}
	}
	refused := func(b *browser, code string) {
		t.Helper()
		b.typeCode(code).want(t, http.StatusSeeOther)
		b.do(http.MethodGet, patientCodePath, nil).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "account.err.code"))
	}
	for range rdv.SignInCodeTries {
		refused(stranger, "000000")
	}
	refused(stranger, mine)
	if _, ok := stranger.cookies[auth.PatientSessionCookie]; ok {
		t.Fatal("the patient's code signed in from the stranger's browser")
	}
	for range rdv.SignInCodesPerAsker { // one code asked already: the last is refused
		stranger.askCode(to).want(t, http.StatusSeeOther)
	}
	stranger.do(http.MethodGet, patientSigninPath, nil).want(t, http.StatusTooManyRequests)

	if first != mine {
		refused(patient, first)
	}
	if loc := patient.typeCode(mine).want(t, http.StatusSeeOther).location(t); loc != patientHomePath {
		t.Fatalf("the patient's own code after the stranger's guesses leads to %s", loc)
	}
	if _, ok := patient.cookies[auth.PatientSessionCookie]; !ok {
		t.Fatal("the patient's own code opened no session")
	}
}

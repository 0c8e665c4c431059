package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
)

// securityPages renders, for everyPage, the pages of a staff account's
// second factor, in lang: an admin signed in by the password alone (the
// security page that says an app is required, a page of the role refused),
// adding an app (with a wrong code, then the recovery codes the right one
// brings), the security page with the app, the account's sessions, the
// second step of a later sign-in (with a wrong code), the security page's
// notices; and the operator's list of accounts (op signed in), before and
// after closing the admin's sessions.
func (s *site) securityPages(t *testing.T, lang string, op *browser) map[string]answer {
	t.Helper()
	pages := map[string]answer{}
	add := func(name string, a answer) { pages["security: "+name] = a }
	withPasskeys(t, s) // the passkeys' forms on the pages
	get := func(b *browser, target string, status int) answer {
		t.Helper()
		return b.do(http.MethodGet, target, nil).want(t, status)
	}

	hash, err := auth.HashPassword(testPassword, fastParams)
	if err != nil {
		t.Fatal(err)
	}
	email := "security.admin." + lang + "@pages.example"
	a, err := s.store.CreateAccount(context.Background(), rdv.Account{Email: email, Name: "Admin", Role: rdv.ClinicAdmin, ClinicID: 1, PasswordHash: hash, Language: lang})
	if err != nil {
		t.Fatalf("create admin: %v", err)
	}
	b := inLanguage(newBrowser(t, s), lang)
	if loc := b.signInPassword(email).want(t, http.StatusSeeOther).location(t); loc != securityPath+"?avis=required" {
		t.Fatalf("an admin without a second factor signed in to %s", loc)
	}
	sec := get(b, securityPath+"?avis=required", http.StatusOK)
	add("app required", sec)
	add("page refused without a second factor", get(b, "/clinique", http.StatusForbidden))

	b.post(sec, securityPath+"/totp", url.Values{}).want(t, http.StatusSeeOther)
	form := get(b, securityPath+"/totp", http.StatusOK)
	add("app enrolment", form)
	m := secretRe.FindStringSubmatch(form.body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	code, err := auth.TOTPCode(secret, s.srv.now())
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	add("app enrolment, wrong code", b.post(form, securityPath+"/totp/confirmer", url.Values{"code": {wrong}}).want(t, http.StatusUnprocessableEntity))
	codes := b.post(form, securityPath+"/totp/confirmer", url.Values{"code": {code}}).want(t, http.StatusOK)
	add("recovery codes", codes)
	keepCodes(b, email, codes)

	add("app on", get(b, securityPath, http.StatusOK))
	for _, notice := range []string{"recovery_used", "totp_removed", "last_factor", "passkey_added", "passkey_removed"} {
		add("notice "+notice, get(b, securityPath+"?avis="+notice, http.StatusOK))
	}
	add("sessions", get(b, securityPath+"/sessions", http.StatusOK))
	add("sessions, one closed", get(b, securityPath+"/sessions?avis=revoked", http.StatusOK))

	// A later sign-in's second step, and a wrong answer to it.
	again := inLanguage(newBrowser(t, s), lang)
	if loc := again.signInPassword(email).want(t, http.StatusSeeOther).location(t); loc != secondStepPath {
		t.Fatalf("an admin with an app signed in to %s, want the second step", loc)
	}
	step := get(again, secondStepPath, http.StatusOK)
	add("second step", step)
	add("second step, wrong code", again.post(step, secondStepPath, url.Values{"code": {"pas-un-code"}}).want(t, http.StatusUnauthorized))

	accounts := get(op, "/operateur/comptes", http.StatusOK)
	add("operator accounts", accounts)
	closed := op.follow(op.post(accounts, "/operateur/comptes/"+strconv.FormatInt(a.ID, 10)+"/revoquer", url.Values{}))
	add("operator accounts, sessions closed", closed.want(t, http.StatusOK))
	// The admin's one session (the other browser is at its second step).
	closed.contains(t, pluralize(lang, "op.accounts.revoked", 1))
	return pages
}

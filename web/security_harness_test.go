package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"rdv/auth"
)

// Staff accounts' second factors in the tests: signIn sets up an
// authenticator app through the pages the first time an account that
// must have one signs in, keeps the recovery codes the pages show, and
// passes each later second step with one of them (a code of the app
// would be refused when the same account signs in twice within one
// 30-second step). When few are left, it makes new ones through the
// security page.

var (
	staffCodesMu sync.Mutex
	staffCodes   = map[string][]string{} // by store and email
)

func codesKey(b *browser, email string) string {
	return fmt.Sprintf("%p|%s", b.s.store, strings.ToLower(email))
}

var (
	secretRe = regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`)
	codeRe   = regexp.MustCompile(`<li><code>([a-z2-9-]{19})</code></li>`)
)

// enrolTOTP sets up an authenticator app for the signed-in account
// through the security pages, and keeps its recovery codes.
func (b *browser) enrolTOTP(email string) (secret string, codes []string) {
	b.t.Helper()
	sec := b.do(http.MethodGet, securityPath, nil).want(b.t, http.StatusOK)
	b.post(sec, securityPath+"/totp", url.Values{}).want(b.t, http.StatusSeeOther)
	form := b.do(http.MethodGet, securityPath+"/totp", nil).want(b.t, http.StatusOK)
	m := secretRe.FindStringSubmatch(form.body)
	if m == nil {
		b.t.Fatalf("no secret on the enrolment page")
	}
	secret = strings.ReplaceAll(m[1], " ", "")
	code, err := auth.TOTPCode(secret, b.s.srv.now())
	if err != nil {
		b.t.Fatal(err)
	}
	done := b.post(form, securityPath+"/totp/confirmer", url.Values{"code": {code}}).want(b.t, http.StatusOK)
	codes = keepCodes(b, email, done)
	return secret, codes
}

// keepCodes reads the recovery codes a page shows and keeps them for
// the account's next sign-ins.
func keepCodes(b *browser, email string, page answer) []string {
	b.t.Helper()
	var codes []string
	for _, m := range codeRe.FindAllStringSubmatch(page.body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		b.t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	staffCodesMu.Lock()
	staffCodes[codesKey(b, email)] = append([]string(nil), codes...)
	staffCodesMu.Unlock()
	return codes
}

// passSecondStep types one of the account's recovery codes in the
// second step, and makes new codes when few are left.
func (b *browser) passSecondStep(email string) answer {
	b.t.Helper()
	key := codesKey(b, email)
	staffCodesMu.Lock()
	codes := staffCodes[key]
	if len(codes) == 0 {
		staffCodesMu.Unlock()
		b.t.Fatalf("no recovery code kept for %s", email)
	}
	code := codes[0]
	staffCodes[key] = codes[1:]
	left := len(codes) - 1
	staffCodesMu.Unlock()
	step := b.do(http.MethodGet, secondStepPath, nil).want(b.t, http.StatusOK)
	res := b.post(step, secondStepPath, url.Values{"code": {code}})
	if res.StatusCode == http.StatusSeeOther && left < 3 {
		sec := b.do(http.MethodGet, securityPath, nil).want(b.t, http.StatusOK)
		keepCodes(b, email, b.post(sec, securityPath+"/codes", url.Values{}).want(b.t, http.StatusOK))
	}
	return res
}

// secondStepIfAsked passes the second step when the answer to a
// password asks for it, and returns where the sign-in led.
func (b *browser) secondStepIfAsked(email string, res answer) answer {
	b.t.Helper()
	if res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == secondStepPath {
		return b.passSecondStep(email)
	}
	return res
}

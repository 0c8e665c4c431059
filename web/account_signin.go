package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
)

// Patients sign in without a password: they give an email or a mobile
// phone, receive a six-digit code there, and type it. Any address can
// sign in (an account is made at the first sign-in, and the bookings made
// with that contact join it), so the page that follows is the same
// whether an account exists or not: a code is always sent. A code lives
// rdv.SignInCodeTTL and takes rdv.SignInCodeTries, typed from the browser
// that asked it (the step's token in its cookie); the store caps the
// codes per destination, per destination and network address (an IPv6
// /64), per network address and, for text messages, in all. Every step
// answers with a redirect (post/redirect/get): what the next page needs
// (the destination, the page to come back to) and a form's messages
// travel in cookies sealed with the server's key.

// Paths of the patients' sign-in.
const (
	patientSigninPath = "/compte/connexion"
	patientCodePath   = "/compte/code"
	patientHomePath   = "/mes-rendez-vous"
)

// maxCodesPerAddress caps the codes asked from one network address in an
// hour, whatever their destinations: a family, a clinic's waiting room
// behind one address, not a script walking through a list.
const maxCodesPerAddress = 20

// maxSMSCodesPerHour caps the codes sent by text message in an hour, all
// destinations and addresses together. A text message costs money, and a
// script with many addresses and a list of numbers could otherwise make
// the platform pay for as many as it likes (SMS pumping); a thousand an
// hour is far above what patients ask, and each is still capped by phone
// and by address.
const maxSMSCodesPerHour = 1000

// codeAddressKey is the address that the cap on codes per address
// counts: an IPv4 address as it is, an IPv6 address by its /64. One
// subscriber holds a whole /64 and may pick any address in it, so a cap
// per IPv6 address would be no cap at all.
func codeAddressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	switch {
	case err != nil:
		return addr
	case a.Is4In6():
		return a.Unmap().String()
	case a.Is6():
		p, err := a.WithZone("").Prefix(64)
		if err != nil {
			return addr
		}
		return p.String()
	}
	return a.String()
}

// codeRetryAfter is what a refusal for too many codes tells the browser
// to wait: the caps count the last hour.
const codeRetryAfter = "3600"

// Cookies of the sign-in's steps.
const (
	signinStepCookie  = "rdv_code_step" // the destination a code was sent to
	signinDraftCookie = "rdv_signin_form"
	codeDraftCookie   = "rdv_code_form"
)

// codeStep is what the code's page needs from the page that sent it.
// Token is the step's own secret: the store binds the code to its hash,
// so that guesses from this browser spend this code's tries only, and
// a stranger's guesses, sent with the step of a code they asked for the
// same address, never spend the tries of the code this browser asked.
type codeStep struct {
	Channel rdv.MessageChannel `json:"c"`
	To      string             `json:"t"`
	Return  string             `json:"r,omitempty"`
	Token   string             `json:"k"`
}

// stepToken returns the token of the browser's sign-in step when it asks
// a code again for the same destination (the store then retires the
// step's code before, and the step keeps one live code), else a new one.
func (s *Server) stepToken(r *http.Request, channel rdv.MessageChannel, to string) string {
	var step codeStep
	if s.pageCookie(r, signinStepCookie, "signin", &step) && step.Token != "" && step.Channel == channel && step.To == to {
		return step.Token
	}
	return auth.NewToken()
}

// accountDraft is a patient's form sent back with its messages, and the
// status the page shows them with once.
type accountDraft struct {
	Values url.Values        `json:"v"`
	Errors map[string]string `json:"e,omitempty"`
	Status int               `json:"s,omitempty"`
}

// sendAccountFormBack answers a patient's form with messages by a
// redirect to the form's page, the form in a sealed cookie; a form too
// big for one is answered in place.
func (s *Server) sendAccountFormBack(w http.ResponseWriter, r *http.Request, name, path, bound string, f *form, status int, render func(status int)) {
	if s.setPageCookie(w, r, name, path, bound, accountDraft{Values: f.Values, Errors: f.Errors, Status: status}, heldCookieTTL) {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return
	}
	render(status)
}

// accountFormBack opens the form a post sent back to this page: what was
// typed, its messages and their status, which are shown once (a reload
// keeps what was typed, with status 200 and no messages).
func (s *Server) accountFormBack(w http.ResponseWriter, r *http.Request, name, path, bound string) (*form, int, bool) {
	var d accountDraft
	if !s.pageCookie(r, name, bound, &d) || d.Values == nil {
		return nil, 0, false
	}
	f := newForm(d.Values)
	for k, v := range d.Errors {
		f.Fail(k, v)
	}
	status := http.StatusOK
	if len(d.Errors) > 0 {
		s.setPageCookie(w, r, name, path, bound, accountDraft{Values: d.Values}, heldCookieTTL)
		if d.Status != 0 {
			status = d.Status
		}
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", codeRetryAfter)
	}
	return f, status, true
}

// signinFields are the fields of the patients' sign-in pages, for the
// summary of messages.
var signinFields = []labelled{{"contact", "account.contact"}, {"code", "account.code"}}

// patientSigninData is what the sign-in page shows besides its form.
type patientSigninData struct{ Return string }

// patientSigninForm asks for an email or a mobile phone.
func (s *Server) patientSigninForm(w http.ResponseWriter, r *http.Request) {
	ret := safeReturn(r.URL.Query().Get("retour"))
	if _, ok := s.patient(r); ok {
		http.Redirect(w, r, patientLanding(ret), http.StatusSeeOther) // #nosec G710 -- ret passed safeReturn: a path on this site
		return
	}
	f, status, ok := s.accountFormBack(w, r, signinDraftCookie, patientSigninPath, "signin")
	if !ok {
		f, status = newForm(nil), http.StatusOK
	}
	if ret == "" {
		ret = safeReturn(f.Values.Get("retour"))
	}
	f.summarize(signinFields)
	p := &page{Title: "account.signin.title", Form: f, Data: patientSigninData{Return: ret}}
	if r.URL.Query().Get("avis") == "code_again" {
		p.NoticeKey = "account.notice.code_again"
	}
	s.render(w, r, status, "account_signin", p)
}

// patientLanding is where a patient goes after signing in.
func patientLanding(ret string) string {
	if ret != "" {
		return ret
	}
	return patientHomePath
}

// readContact reads an email or a phone number as people type them, and
// returns the channel a code goes by and the destination in its normal
// form, or the message of what is wrong.
func readContact(s string) (rdv.MessageChannel, string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "", "err.required"
	case len(s) > 254:
		return "", "", "account.err.contact"
	case strings.Contains(s, "@"):
		if e, ok := rdv.NormalizeEmail(s); ok {
			return rdv.ByEmail, e, ""
		}
		return "", "", "err.email"
	}
	if n, ok := rdv.NormalizePhone(s); ok {
		return rdv.BySMS, n, ""
	}
	return "", "", "account.err.contact"
}

// patientSignin sends a code to the email or phone given.
func (s *Server) patientSignin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ret := safeReturn(r.PostFormValue("retour"))
	f := newForm(url.Values{"contact": {strings.TrimSpace(r.PostFormValue("contact"))}})
	if ret != "" {
		f.Values.Set("retour", ret)
	}
	back := func(status int) {
		s.sendAccountFormBack(w, r, signinDraftCookie, patientSigninPath, "signin", f, status, func(status int) {
			f.summarize(signinFields)
			s.render(w, r, status, "account_signin", &page{Title: "account.signin.title", Form: f, Data: patientSigninData{Return: ret}})
		})
	}
	channel, to, problem := readContact(f.Values.Get("contact"))
	if problem != "" {
		f.Fail("contact", problem)
		back(http.StatusUnprocessableEntity)
		return
	}
	code, stepToken := auth.NewCode(), s.stepToken(r, channel, to)
	err := s.d.Store.IssueSignInCode(r.Context(), rdv.SignInCodeRequest{
		Channel:       channel,
		To:            to,
		Code:          code,
		CodeHash:      auth.CodeHash(s.codeKey, to, code),
		StepHash:      auth.HashToken(stepToken),
		Language:      langOf(r.Context()),
		Now:           s.d.Engine.Now(),
		AddressKey:    codeAddressKey(s.clientAddr(r)),
		MaxPerAddress: maxCodesPerAddress,
		MaxSMSPerHour: maxSMSCodesPerHour,
	})
	switch rdv.ErrorCode(err) {
	case "":
	case rdv.ETOOMANY:
		s.log.InfoContext(r.Context(), "sign-in code refused: too many asked")
		f.Fail("contact", "account.err.too_many")
		back(http.StatusTooManyRequests)
		return
	case rdv.EINVALID:
		f.Fail("contact", "account.err.contact")
		back(http.StatusUnprocessableEntity)
		return
	default:
		s.fail(w, r, err)
		return
	}
	dropPageCookie(w, r, signinDraftCookie, patientSigninPath)
	if !s.setPageCookie(w, r, signinStepCookie, "/compte", "signin", codeStep{Channel: channel, To: to, Return: ret, Token: stepToken}, rdv.SignInCodeTTL) {
		s.fail(w, r, rdv.Errorf(rdv.EINTERNAL, "sign-in step too big for its cookie"))
		return
	}
	http.Redirect(w, r, patientCodePath, http.StatusSeeOther)
}

// patientCodeData is what the code's page shows.
type patientCodeData struct {
	To      string // the destination, as people read it
	ByEmail bool
	Minutes int
}

// patientCodeForm asks for the code sent. Without a code under way (the
// step's cookie ran out with the code) it sends back to the first step.
func (s *Server) patientCodeForm(w http.ResponseWriter, r *http.Request) {
	var step codeStep
	if !s.pageCookie(r, signinStepCookie, "signin", &step) {
		http.Redirect(w, r, patientSigninPath, http.StatusSeeOther)
		return
	}
	f, status, ok := s.accountFormBack(w, r, codeDraftCookie, patientCodePath, "code:"+step.To)
	if !ok {
		f, status = newForm(nil), http.StatusOK
	}
	s.renderCode(w, r, status, step, f)
}

func (s *Server) renderCode(w http.ResponseWriter, r *http.Request, status int, step codeStep, f *form) {
	f.summarize(signinFields)
	to := step.To
	if step.Channel == rdv.BySMS {
		to = rdv.FormatPhone(to)
	}
	s.render(w, r, status, "account_code", &page{Title: "account.code.title", Form: f, Data: patientCodeData{
		To: to, ByEmail: step.Channel == rdv.ByEmail, Minutes: int(rdv.SignInCodeTTL.Minutes()),
	}})
}

// patientCode checks the code typed and, when it is right, opens the
// patient's session. A wrong code, one run out, used or out of tries all
// read the same.
func (s *Server) patientCode(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	// A step sealed before steps had tokens asked a code no guess can
	// reach: its owner asks again.
	var step codeStep
	if !s.pageCookie(r, signinStepCookie, "signin", &step) || step.Token == "" {
		http.Redirect(w, r, patientSigninPath+"?avis=code_again", http.StatusSeeOther)
		return
	}
	code, ok := typedCode(r.PostFormValue("code"))
	f := newForm(url.Values{})
	back := func(key string, status int) {
		f.Fail("code", key)
		s.sendAccountFormBack(w, r, codeDraftCookie, patientCodePath, "code:"+step.To, f, status, func(status int) {
			s.renderCode(w, r, status, step, f)
		})
	}
	if !ok {
		key := "account.err.code_format"
		if code == "" {
			key = "err.required"
		}
		back(key, http.StatusUnprocessableEntity)
		return
	}
	now, wall := s.d.Engine.Now(), time.Now()
	token, hash := auth.NewSessionToken()
	acct, err := s.d.Store.VerifySignInCode(r.Context(), rdv.VerifyCodeRequest{
		Channel:  step.Channel,
		To:       step.To,
		CodeHash: auth.CodeHash(s.codeKey, step.To, code),
		StepHash: auth.HashToken(step.Token),
		Language: langOf(r.Context()),
		Session: rdv.PatientSession{
			TokenHash: hash, CSRFToken: auth.NewCSRFToken(), CreatedAt: wall, ExpiresAt: wall.Add(patientSessionTTL),
		},
		Now: now,
	})
	switch rdv.ErrorCode(err) {
	case "":
	case rdv.ECODE:
		s.log.InfoContext(r.Context(), "sign-in code refused")
		back("account.err.code", http.StatusUnprocessableEntity)
		return
	default:
		s.fail(w, r, err)
		return
	}
	setPatientCookie(w, r, token)
	dropPageCookie(w, r, signinStepCookie, "/compte")
	dropPageCookie(w, r, codeDraftCookie, patientCodePath)
	s.log.InfoContext(r.Context(), "patient signed in", "patient_account", strconv.FormatInt(acct.ID, 10))
	http.Redirect(w, r, patientLanding(step.Return), http.StatusSeeOther)
}

// typedCode reads a sign-in code as patients type it: six digits, the
// spaces and dashes some put between them ("123 456") dropped. It
// returns what was typed without them, and whether that is a code.
func typedCode(s string) (string, bool) {
	code := strings.Map(func(c rune) rune {
		if c == ' ' || c == '-' {
			return -1
		}
		return c
	}, s)
	return code, len(code) == 6 && strings.Trim(code, "0123456789") == ""
}

// patientSignout ends the patient's session and forgets its cookie.
func (s *Server) patientSignout(w http.ResponseWriter, r *http.Request) {
	if p := patientOf(r); p != nil {
		if err := s.d.Store.DeletePatientSession(r.Context(), p.sess.TokenHash); err != nil && rdv.ErrorCode(err) != rdv.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
	}
	setPatientCookie(w, r, "")
	http.Redirect(w, r, "/?avis=signed_out", http.StatusSeeOther)
}

func init() {
	notices["signed_out"] = "account.notice.signed_out"
}

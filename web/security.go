package web

// A staff account's security page (/securite): its authenticator app,
// its passkeys, its recovery codes and its sessions. The pages where a
// second factor is set up are open to a session opened with a password
// alone (route.Enrol), so that the roles that must have one
// (rdv.Role.RequiresSecondFactor) can set it up; the others, which change
// or remove a factor, need a session opened with one. Adding a factor
// rotates the session: the one opened with the password alone ends, and
// a new one, marked as opened with a second factor, takes its place.

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"rdv"
	"rdv/auth"
)

const securityPath = "/securite"

// totpIssuer names the platform in authenticator apps.
const totpIssuer = "rdv"

// securityData is what the security page shows.
type securityData struct {
	Factors      rdv.SecondFactors
	Passkeys     []rdv.Passkey
	Required     bool // the role must have a second factor
	SecondFactor bool // this session was opened with one
	Pending      bool // an app's enrolment waits for its first code
	// PasskeysOffered: the site can register passkeys (passkeys.go).
	PasskeysOffered bool
}

// securityPage shows the account's factors.
func (s *Server) securityPage(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	now := s.now()
	fs, err := s.d.Store.SecondFactors(r.Context(), si.acct.ID, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.d.Store.Passkeys(r.Context(), si.acct.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := securityData{Factors: fs, Passkeys: keys, Required: si.acct.Role.RequiresSecondFactor(), SecondFactor: si.sess.SecondFactor,
		PasskeysOffered: s.rp != nil}
	if t, err := s.d.Store.TOTP(r.Context(), si.acct.ID); err == nil && !t.Confirmed {
		data.Pending = true
	}
	p := &page{Title: "security.title", Data: data}
	switch r.URL.Query().Get("avis") {
	case "required":
		p.NoticeKey = "security.notice.required"
	case "recovery_used":
		p.NoticeKey = "security.notice.recovery_used"
	case "totp_removed":
		p.NoticeKey = "security.notice.totp_removed"
	case "last_factor":
		p.NoticeKey = "security.last_factor"
	case "passkey_added":
		p.NoticeKey = "security.notice.passkey_added"
	case "passkey_removed":
		p.NoticeKey = "security.notice.passkey_removed"
	case "last_passkey":
		p.NoticeKey = "security.last_passkey"
	}
	s.render(w, r, http.StatusOK, "security", p)
}

// startTOTP gives the account a new, unconfirmed secret, and shows it.
func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	secret, _, err := auth.NewTOTP(totpIssuer, si.acct.Email)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.d.Store.StartTOTP(r.Context(), si.acct.ID, secret, s.now())
	if rdv.ErrorCode(err) == rdv.ECONFLICT {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, securityPath+"/totp", http.StatusSeeOther)
}

// totpData is what the enrolment page shows: the secret as a QR code and
// as text, to type.
type totpData struct {
	QR     template.HTML
	Secret string
}

// totpForm shows the unconfirmed secret and asks for its first code.
func (s *Server) totpForm(w http.ResponseWriter, r *http.Request) {
	s.renderTOTPForm(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderTOTPForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	si := signedInOf(r)
	t, err := s.d.Store.TOTP(r.Context(), si.acct.ID)
	if rdv.ErrorCode(err) == rdv.ENOTFOUND || (err == nil && t.Confirmed) {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r.Context())
	qr, err := qrSVG(totpURL(si.acct.Email, t.Secret), translate(lang, "totp.qr_label"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "security_totp", &page{Title: "totp.title", Form: f, Data: totpData{QR: qr, Secret: groupsOf4(t.Secret)}})
}

// totpURL is the otpauth:// URL of an account's secret, as apps read it.
func totpURL(email, secret string) string {
	return "otpauth://totp/" + totpIssuer + ":" + url.PathEscape(email) + "?secret=" + secret +
		"&issuer=" + totpIssuer + "&algorithm=SHA1&digits=6&period=30"
}

// groupsOf4 writes a secret in groups of four, easier to type.
func groupsOf4(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// confirmTOTP checks the first code of the app; right, the secret is
// confirmed, the account gets its recovery codes (shown once, here) and
// the session rotates to one opened with a second factor.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	f := newForm(nil)
	again := func(status int, key string) {
		f.Fail("code", key)
		f.summarize([]labelled{{"code", "second.code"}})
		s.renderTOTPForm(w, r, status, f)
	}
	now := s.now()
	t, err := s.d.Store.TOTP(r.Context(), si.acct.ID)
	if rdv.ErrorCode(err) == rdv.ENOTFOUND || (err == nil && t.Confirmed) {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := r.PostFormValue("code")
	if code == "" {
		again(http.StatusUnprocessableEntity, "err.required")
		return
	}
	if err := s.d.Store.SpendSecondFactorTry(r.Context(), si.acct.ID, now); err != nil {
		if rdv.ErrorCode(err) == rdv.ETOOMANY {
			again(http.StatusTooManyRequests, "second.paused")
			return
		}
		s.fail(w, r, err)
		return
	}
	step, ok := auth.TOTPStep(t.Secret, code, now)
	if !ok {
		again(http.StatusUnprocessableEntity, "totp.wrong")
		return
	}
	fs, err := s.d.Store.SecondFactors(r.Context(), si.acct.ID, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The first factor brings recovery codes; an account that has some
	// keeps them (new ones are a button away).
	var codes, hashes []string
	if fs.RecoveryCodes == 0 {
		codes = auth.NewRecoveryCodes(rdv.RecoveryCodeCount)
		hashes = recoveryHashes(si.acct.ID, codes)
	}
	next := s.newSession(r, si.acct, true, now)
	err = s.d.Store.ConfirmTOTP(r.Context(), rdv.ConfirmTOTPRequest{AccountID: si.acct.ID, Step: step, RecoveryHashes: hashes,
		Rotate: rdv.Rotation{Old: si.sess.TokenHash, New: next.Session}, Now: now})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setSessionCookie(w, r, next)
	s.log.InfoContext(r.Context(), "authenticator app added", "account", si.acct.ID)
	if codes == nil {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	s.renderRecoveryCodes(w, r, codes, "totp.confirmed")
}

func recoveryHashes(accountID int64, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = auth.RecoveryHash(accountID, c)
	}
	return out
}

// renderRecoveryCodes shows recovery codes, once: they are kept only as
// hashes. The page is not cached and has no form that would resend it.
func (s *Server) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, noticeKey string) {
	s.render(w, r, http.StatusOK, "recovery_codes", &page{Title: "recovery.title", Data: codes, NoticeKey: noticeKey})
}

// newRecoveryCodes replaces the account's recovery codes by new ones,
// shown once.
func (s *Server) newRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	fs, err := s.d.Store.SecondFactors(r.Context(), si.acct.ID, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !fs.Any() {
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
		return
	}
	codes := auth.NewRecoveryCodes(rdv.RecoveryCodeCount)
	if err := s.d.Store.ReplaceRecoveryCodes(r.Context(), si.acct.ID, recoveryHashes(si.acct.ID, codes), s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "recovery codes replaced", "account", si.acct.ID)
	s.renderRecoveryCodes(w, r, codes, "recovery.replaced")
}

// removeTOTP removes the account's authenticator app, unless the role
// must have a second factor and the app is its last.
func (s *Server) removeTOTP(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	fs, err := s.d.Store.SecondFactors(r.Context(), si.acct.ID, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if si.acct.Role.RequiresSecondFactor() && fs.Passkeys == 0 {
		http.Redirect(w, r, securityPath+"?avis=last_factor", http.StatusSeeOther)
		return
	}
	if err := s.d.Store.RemoveTOTP(r.Context(), si.acct.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "authenticator app removed", "account", si.acct.ID)
	http.Redirect(w, r, securityPath+"?avis=totp_removed", http.StatusSeeOther)
}

// sessionsData is what « Mes sessions » shows.
type sessionsData struct {
	Sessions []rdv.SessionInfo
	Current  string // the token hash of this request's session
}

// mySessions lists the account's live sessions.
func (s *Server) mySessions(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	list, err := s.d.Store.Sessions(r.Context(), si.acct.ID, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &page{Title: "sessions.title", Data: sessionsData{Sessions: list, Current: si.sess.TokenHash}}
	if r.URL.Query().Get("avis") == "revoked" {
		p.NoticeKey = "sessions.revoked"
	}
	s.render(w, r, http.StatusOK, "staff_sessions", p)
}

// revokeSession ends one of the account's sessions; another account's
// reads as not found.
func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	id := r.PathValue("id")
	if len(id) > 64 {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	if err := s.d.Store.RevokeSession(r.Context(), si.acct.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "session revoked by its account", "account", si.acct.ID)
	if si.sess.ID == id {
		http.Redirect(w, r, "/connexion?avis=signed_out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, securityPath+"/sessions?avis=revoked", http.StatusSeeOther)
}

// SessionSeen writes when a session was last used, for the list.
func (p *page) SessionSeen(t time.Time) string { return FormatDateTime(t, p.Lang) }

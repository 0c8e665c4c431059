package web

// Passkeys (WebAuthn) as a staff account's second factor, beside the
// authenticator app: added from the security page, used at a sign-in's
// second step. Each ceremony is two posts that answer JSON, made by the
// page's script (static/app.js) around the browser's
// navigator.credentials: the first returns the options, whose state
// (webauthn.SessionData) the server keeps in the ceremony's rdv.Challenge
// and never gives out; the second takes the browser's answer as a form
// field (the form's CSRF token goes with it, as with every post), checks
// it against that state, and says where to go next. Without a script
// the forms stay hidden and the app's codes do the work.
//
// The relying party is the site as people reach it: its ID is the host
// of --public-url, its one origin the public URL. Browsers refuse
// passkeys for an address that is an IP (an RP ID is a domain name), so
// such a site offers none.

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"rdv"
)

// passkeyCeremonyLife is how long a passkey's registration waits for the
// browser's answer (a sign-in's waits rdv.SignInStepLife).
const passkeyCeremonyLife = 5 * time.Minute

// maxPasskeyName bounds the name a person gives a passkey.
const maxPasskeyName = 60

// newRelyingParty returns the site's WebAuthn relying party, nil when
// the public URL is unknown or an IP address.
func newRelyingParty(publicURL string) (*webauthn.WebAuthn, error) {
	if publicURL == "" {
		return nil, nil
	}
	u, err := url.Parse(publicURL)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, nil
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: totpIssuer,
		RPOrigins:     []string{publicURL},
		// A passkey is a second factor here, after the password: presence
		// is enough, a PIN or a fingerprint welcome.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementDiscouraged,
			UserVerification: protocol.VerificationPreferred,
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
}

// passkeyUser is an account as package webauthn sees it.
type passkeyUser struct {
	acct  rdv.Account
	creds []webauthn.Credential
}

// WebAuthnID is the account's ID in 8 bytes: authenticators keep it and
// give it back, so it must never change (a handle derived from the
// server's secret would break every passkey when the secret rotates),
// and a staff account's number tells nothing about a patient.
func (u passkeyUser) WebAuthnID() []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(u.acct.ID)) // #nosec G115 -- an account ID is positive; its bits taken as they are
}
func (u passkeyUser) WebAuthnName() string                       { return u.acct.Email }
func (u passkeyUser) WebAuthnDisplayName() string                { return u.acct.Name }
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// passkeyUserOf reads the account's passkeys for package webauthn.
func (s *Server) passkeyUserOf(r *http.Request, a rdv.Account) (passkeyUser, []rdv.Passkey, error) {
	keys, err := s.d.Store.Passkeys(r.Context(), a.ID)
	if err != nil {
		return passkeyUser{}, nil, err
	}
	u := passkeyUser{acct: a}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Credential, &c); err != nil {
			return passkeyUser{}, nil, rdv.Errorf(rdv.EINTERNAL, "passkey %s of account %d: %v", k.ID, a.ID, err)
		}
		u.creds = append(u.creds, c)
	}
	return u, keys, nil
}

// passkeyID is how a credential's ID is kept and shown: base64url.
func passkeyID(raw []byte) string { return base64.RawURLEncoding.EncodeToString(raw) }

// answerJSON writes v as the JSON answer of a ceremony's post.
func answerJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone
}

// refusePasskey answers a ceremony's post that failed, with the reason in
// the person's language for the page to show.
func (s *Server) refusePasskey(w http.ResponseWriter, r *http.Request, status int, key string) {
	answerJSON(w, status, map[string]string{"error": translate(langOf(r.Context()), key)})
}

// failPasskey answers a store's failure.
func (s *Server) failPasskey(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "passkey ceremony failed", "route", r.Pattern, "err", err)
	s.refusePasskey(w, r, http.StatusInternalServerError, "passkey.error")
}

// passkeyOptions begins a passkey's registration for the signed-in
// account: the options for navigator.credentials.create, the ceremony's
// state kept under the session's token.
func (s *Server) passkeyOptions(w http.ResponseWriter, r *http.Request) {
	if s.rp == nil {
		s.refusePasskey(w, r, http.StatusNotFound, "passkey.unavailable")
		return
	}
	si := signedInOf(r)
	u, _, err := s.passkeyUserOf(r, si.acct)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	creation, state, err := s.rp.BeginRegistration(u, webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	data, err := json.Marshal(state)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	now := s.now()
	err = s.d.Store.CreateChallenge(r.Context(), rdv.Challenge{TokenHash: si.sess.TokenHash, Kind: rdv.ChallengePasskey,
		AccountID: si.acct.ID, Data: data, CreatedAt: now, ExpiresAt: now.Add(passkeyCeremonyLife)})
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	answerJSON(w, http.StatusOK, creation)
}

// addPasskey checks the browser's new credential against the ceremony
// begun by passkeyOptions and records it under the name given; the
// session rotates to one opened with a second factor, as adding an app
// does.
func (s *Server) addPasskey(w http.ResponseWriter, r *http.Request) {
	if s.rp == nil {
		s.refusePasskey(w, r, http.StatusNotFound, "passkey.unavailable")
		return
	}
	si := signedInOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > maxPasskeyName || rdv.CheckText("name", name) != nil {
		s.refusePasskey(w, r, http.StatusUnprocessableEntity, "passkey.name_invalid")
		return
	}
	now := s.now()
	ch, err := s.d.Store.Challenge(r.Context(), si.sess.TokenHash, rdv.ChallengePasskey, now)
	if rdv.ErrorCode(err) == rdv.ENOTFOUND || (err == nil && ch.AccountID != si.acct.ID) {
		s.refusePasskey(w, r, http.StatusConflict, "passkey.expired")
		return
	}
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	var state webauthn.SessionData
	if err := json.Unmarshal(ch.Data, &state); err != nil {
		s.failPasskey(w, r, err)
		return
	}
	u, _, err := s.passkeyUserOf(r, si.acct)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(r.PostFormValue("credential")))
	if err != nil {
		s.log.InfoContext(r.Context(), "passkey refused", "account", si.acct.ID, "err", err)
		s.refusePasskey(w, r, http.StatusBadRequest, "passkey.refused")
		return
	}
	cred, err := s.rp.CreateCredential(u, state, parsed)
	if err != nil {
		s.log.InfoContext(r.Context(), "passkey refused", "account", si.acct.ID, "err", err)
		s.refusePasskey(w, r, http.StatusUnprocessableEntity, "passkey.refused")
		return
	}
	record, err := json.Marshal(cred)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	next := s.newSession(r, si.acct, true, now)
	err = s.d.Store.AddPasskey(r.Context(), rdv.AddPasskeyRequest{
		Passkey:   rdv.Passkey{ID: passkeyID(cred.ID), AccountID: si.acct.ID, Name: name, Credential: record},
		Challenge: si.sess.TokenHash, Rotate: rdv.Rotation{Old: si.sess.TokenHash, New: next.Session}, Now: now,
	})
	switch rdv.ErrorCode(err) {
	case "":
	case rdv.ECONFLICT:
		s.refusePasskey(w, r, http.StatusConflict, "passkey.known")
		return
	case rdv.ENOTFOUND:
		s.refusePasskey(w, r, http.StatusConflict, "passkey.expired")
		return
	default:
		s.failPasskey(w, r, err)
		return
	}
	s.setSessionCookie(w, r, next)
	s.log.InfoContext(r.Context(), "passkey added", "account", si.acct.ID)
	answerJSON(w, http.StatusOK, map[string]string{"redirect": securityPath + "?avis=passkey_added"})
}

// removePasskey removes one of the account's passkeys, unless the role
// must have a second factor and it is the last.
func (s *Server) removePasskey(w http.ResponseWriter, r *http.Request) {
	si := signedInOf(r)
	id := r.PathValue("id")
	if id == "" || len(id) > 1400 {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	fs, err := s.d.Store.SecondFactors(r.Context(), si.acct.ID, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if si.acct.Role.RequiresSecondFactor() && !fs.TOTP && fs.Passkeys <= 1 {
		http.Redirect(w, r, securityPath+"?avis=last_passkey", http.StatusSeeOther)
		return
	}
	if err := s.d.Store.RemovePasskey(r.Context(), si.acct.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "passkey removed", "account", si.acct.ID)
	http.Redirect(w, r, securityPath+"?avis=passkey_removed", http.StatusSeeOther)
}

// signInPasskeyOptions begins the passkey step of a sign-in under way:
// the options for navigator.credentials.get, listing the account's
// passkeys, the ceremony's state kept in the sign-in's challenge.
func (s *Server) signInPasskeyOptions(w http.ResponseWriter, r *http.Request) {
	if s.rp == nil {
		s.refusePasskey(w, r, http.StatusNotFound, "passkey.unavailable")
		return
	}
	ch, a, ok := s.pendingSignIn(r)
	if !ok {
		s.refusePasskey(w, r, http.StatusConflict, "signin.step_expired")
		return
	}
	u, _, err := s.passkeyUserOf(r, a)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	if len(u.creds) == 0 {
		s.refusePasskey(w, r, http.StatusConflict, "passkey.none")
		return
	}
	assertion, state, err := s.rp.BeginLogin(u)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	data, err := json.Marshal(state)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	if err := s.d.Store.SetChallengeData(r.Context(), ch.TokenHash, rdv.ChallengeSignIn, data, s.now()); err != nil {
		if rdv.ErrorCode(err) == rdv.ENOTFOUND {
			s.refusePasskey(w, r, http.StatusConflict, "signin.step_expired")
			return
		}
		s.failPasskey(w, r, err)
		return
	}
	answerJSON(w, http.StatusOK, assertion)
}

// signInPasskey checks the browser's assertion against the ceremony
// begun by signInPasskeyOptions and, right, opens the session, the
// passkey's signature count updated in the same transaction. A count
// that did not grow (a copied authenticator) is refused.
func (s *Server) signInPasskey(w http.ResponseWriter, r *http.Request) {
	if s.rp == nil {
		s.refusePasskey(w, r, http.StatusNotFound, "passkey.unavailable")
		return
	}
	ch, a, ok := s.pendingSignIn(r)
	if !ok || len(ch.Data) == 0 {
		s.refusePasskey(w, r, http.StatusConflict, "signin.step_expired")
		return
	}
	var state webauthn.SessionData
	if err := json.Unmarshal(ch.Data, &state); err != nil {
		s.failPasskey(w, r, err)
		return
	}
	u, keys, err := s.passkeyUserOf(r, a)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(r.PostFormValue("credential")))
	if err != nil {
		s.log.InfoContext(r.Context(), "passkey step refused", "account", a.ID, "err", err)
		s.refusePasskey(w, r, http.StatusBadRequest, "passkey.refused")
		return
	}
	cred, err := s.rp.ValidateLogin(u, state, parsed)
	if err == nil && cred.Authenticator.CloneWarning {
		err = errors.New("signature count did not grow")
	}
	if err != nil {
		s.log.InfoContext(r.Context(), "passkey step refused", "account", a.ID, "err", err)
		s.refusePasskey(w, r, http.StatusUnauthorized, "passkey.refused")
		return
	}
	record, err := json.Marshal(cred)
	if err != nil {
		s.failPasskey(w, r, err)
		return
	}
	key := rdv.Passkey{ID: passkeyID(cred.ID), AccountID: a.ID, Credential: record}
	for _, k := range keys {
		if k.ID == key.ID {
			key.Name = k.Name
		}
	}
	dest, err := s.openSecondFactorSession(w, r, ch, a, rdv.Proof{Passkey: &key})
	switch rdv.ErrorCode(err) {
	case "":
		answerJSON(w, http.StatusOK, map[string]string{"redirect": dest})
	case rdv.ECODE:
		s.refusePasskey(w, r, http.StatusUnauthorized, "passkey.refused")
	case rdv.ENOTFOUND:
		s.refusePasskey(w, r, http.StatusConflict, "signin.step_expired")
	default:
		s.failPasskey(w, r, err)
	}
}

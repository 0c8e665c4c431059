package web

import (
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
)

const (
	passkeyOrigin = "https://rdv.example"
	passkeyRPID   = "rdv.example"
)

// withPasskeys makes the site the one people reach at passkeyOrigin, as
// --public-url does.
func withPasskeys(t *testing.T, s *site) {
	t.Helper()
	rp, err := newRelyingParty(passkeyOrigin)
	if err != nil || rp == nil {
		t.Fatalf("relying party: %v", err)
	}
	s.srv.rp = rp
}

// jsonOf reads a ceremony's JSON answer.
func jsonOf(t *testing.T, a answer) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatalf("not JSON (%d): %s", a.StatusCode, a.body)
	}
	return v
}

// addPasskeyWith runs a passkey's registration from the security page:
// the options, the key's answer (answer may spoil it) and the post.
func (b *browser) addPasskeyWith(k *softKey, name string, answer func(options string) string) answer {
	b.t.Helper()
	sec := b.do(http.MethodGet, securityPath, nil).want(b.t, http.StatusOK)
	opts := b.post(sec, securityPath+"/cles/options", url.Values{}).want(b.t, http.StatusOK)
	if answer == nil {
		answer = k.create
	}
	return b.post(sec, securityPath+"/cles", url.Values{"name": {name}, "credential": {answer(opts.body)}})
}

// passkeyStep runs the passkey step of a sign-in under way.
func (b *browser) passkeyStep(k *softKey, accountID int64) answer {
	b.t.Helper()
	step := b.do(http.MethodGet, secondStepPath, nil).want(b.t, http.StatusOK)
	opts := b.post(step, secondStepPath+"/cle/options", url.Values{}).want(b.t, http.StatusOK)
	return b.post(step, secondStepPath+"/cle", url.Values{"credential": {k.get(opts.body, binary.BigEndian.AppendUint64(nil, uint64(accountID)))}})
}

// TestPasskeyRegistrationAndSignIn: a clinic admin, signed in by the
// password alone, adds a passkey as the second factor the role requires
// (the session rotates); the next sign-in's second step passes with it
// and records its use; a key of another origin, a copied key whose count
// went back, an unknown key and a replayed answer open nothing.
func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withPasskeys(t, s)
	accts := withStaff(t, s)
	admin := accts[rdv.ClinicAdmin]
	key := newSoftKey(t, passkeyRPID, passkeyOrigin)

	b := newBrowser(t, s)
	b.signInPassword(admin.Email).want(t, http.StatusSeeOther)
	b.do(http.MethodGet, securityPath, nil).want(t, http.StatusOK).contains(t, `data-passkey="create"`, translate("fr", "security.passkeys.add"))
	before := b.cookies[sessionCookieName].Value

	// An empty name, and a key that answers for another site.
	b.addPasskeyWith(key, "", nil).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "passkey.name_invalid"))
	phished := newSoftKey(t, passkeyRPID, "https://rdv.example.evil.test")
	b.addPasskeyWith(phished, "Clé", phished.create).want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "passkey.refused"))
	b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusForbidden)

	added := b.addPasskeyWith(key, "Clé USB du bureau", nil).want(t, http.StatusOK)
	if to := jsonOf(t, added)["redirect"]; to != securityPath+"?avis=passkey_added" {
		t.Fatalf("a passkey added leads to %v", to)
	}
	if b.cookies[sessionCookieName].Value == before {
		t.Errorf("the session did not rotate when the passkey was added")
	}
	if _, _, err := s.store.SessionByTokenHash(t.Context(), auth.HashToken(before), s.srv.now()); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("the session opened with the password alone still opens: %v", err)
	}
	b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
	b.do(http.MethodGet, securityPath, nil).want(t, http.StatusOK).contains(t, "Clé USB du bureau", translate("fr", "security.passkeys.never"))
	// The same key again: its ID is known.
	b.addPasskeyWith(key, "Encore", nil).want(t, http.StatusConflict).contains(t, translate("fr", "passkey.known"))
	// The only second factor of a role that must have one stays.
	keys, err := s.store.Passkeys(t.Context(), admin.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("passkeys %v, %v", keys, err)
	}
	sec := b.do(http.MethodGet, securityPath, nil)
	if loc := b.post(sec, securityPath+"/cles/"+keys[0].ID+"/retirer", url.Values{}).want(t, http.StatusSeeOther).location(t); loc != securityPath+"?avis=last_passkey" {
		t.Errorf("removing the last factor led to %s", loc)
	}
	b.signOut()

	// The next sign-in: the second step offers the passkey, and passes
	// with it.
	for _, lang := range []string{"fr", "en"} {
		inLanguage(b, lang)
		if loc := b.signInPassword(admin.Email).want(t, http.StatusSeeOther).location(t); loc != secondStepPath {
			t.Fatalf("an account with a passkey signed in to %s", loc)
		}
		b.do(http.MethodGet, secondStepPath, nil).want(t, http.StatusOK).contains(t, `data-passkey="get"`, translate(lang, "second.passkey"))
		done := b.passkeyStep(key, admin.ID).want(t, http.StatusOK)
		if to := jsonOf(t, done)["redirect"]; to != "/clinique" {
			t.Fatalf("the passkey step leads to %v", to)
		}
		b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
		b.signOut()
	}
	if keys, _ = s.store.Passkeys(t.Context(), admin.ID); len(keys) != 1 || keys[0].LastUsedAt.IsZero() {
		t.Errorf("the passkey's use is not recorded: %+v", keys)
	}

	refused := []struct {
		name   string
		key    func() *softKey
		status int
	}{
		{"another origin", func() *softKey { k := *key; k.origin = "https://rdv.example.evil.test"; return &k }, http.StatusUnauthorized},
		{"a copy whose count went back", func() *softKey { k := *key; k.count = 0; return &k }, http.StatusUnauthorized},
		{"an unknown key", func() *softKey { return newSoftKey(t, passkeyRPID, passkeyOrigin) }, http.StatusUnauthorized},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			other := inLanguage(newBrowser(t, s), "en")
			other.signInPassword(admin.Email).want(t, http.StatusSeeOther)
			other.passkeyStep(tt.key(), admin.ID).want(t, tt.status).contains(t, translate("en", "passkey.refused"))
			if _, ok := other.cookies[sessionCookieName]; ok {
				t.Errorf("a refused passkey gave a session")
			}
		})
	}

	// An answer replayed, from a copy of the browser taken before it was
	// sent: its ceremony was spent with the sign-in.
	other := newBrowser(t, s)
	other.signInPassword(admin.Email).want(t, http.StatusSeeOther)
	step := other.do(http.MethodGet, secondStepPath, nil)
	opts := other.post(step, secondStepPath+"/cle/options", url.Values{}).want(t, http.StatusOK)
	answer := key.get(opts.body, binary.BigEndian.AppendUint64(nil, uint64(admin.ID)))
	again := newBrowser(t, s)
	for n, c := range other.cookies {
		again.cookies[n] = c
	}
	other.post(step, secondStepPath+"/cle", url.Values{"credential": {answer}}).want(t, http.StatusOK)
	again.post(step, secondStepPath+"/cle", url.Values{"credential": {answer}}).want(t, http.StatusConflict)
	if _, ok := again.cookies[sessionCookieName]; ok {
		t.Errorf("a replayed passkey answer gave a session")
	}
}

// TestPasskeysNeedADomain: a site reached by an IP address, or whose
// address is unknown, offers no passkeys (browsers refuse them there):
// the forms are absent and the ceremonies' posts refused.
func TestPasskeysNeedADomain(t *testing.T) {
	t.Parallel()
	for _, public := range []string{"", "http://127.0.0.1:8080", "http://[::1]:8080"} {
		rp, err := newRelyingParty(public)
		if err != nil || rp != nil {
			t.Errorf("%q: relying party %v, %v; want none", public, rp, err)
		}
	}
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := newBrowser(t, s)
	b.signInPassword(accts[rdv.ClinicAdmin].Email).want(t, http.StatusSeeOther)
	sec := b.do(http.MethodGet, securityPath, nil).want(t, http.StatusOK)
	if strings.Contains(sec.body, "data-passkey") {
		t.Errorf("the security page offers passkeys without a domain")
	}
	b.post(sec, securityPath+"/cles/options", url.Values{}).want(t, http.StatusNotFound).contains(t, translate("fr", "passkey.unavailable"))
}

// TestPasskeyRemoved: a receptionist, for whom a second factor is
// optional, removes the passkey she added; the next sign-in asks for no
// second step, and another account's passkey cannot be removed by her.
func TestPasskeyRemoved(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withPasskeys(t, s)
	accts := withStaff(t, s)
	desk := accts[rdv.Receptionist]
	b := newBrowser(t, s)
	b.signInPassword(desk.Email).want(t, http.StatusSeeOther)
	b.addPasskeyWith(newSoftKey(t, passkeyRPID, passkeyOrigin), "Téléphone", nil).want(t, http.StatusOK)

	admin := newBrowser(t, s)
	admin.signInPassword(accts[rdv.ClinicAdmin].Email).want(t, http.StatusSeeOther)
	admin.addPasskeyWith(newSoftKey(t, passkeyRPID, passkeyOrigin), "Clé", nil).want(t, http.StatusOK)
	adminKeys, _ := s.store.Passkeys(t.Context(), accts[rdv.ClinicAdmin].ID)
	sec := b.do(http.MethodGet, securityPath, nil).want(t, http.StatusOK)
	b.post(sec, securityPath+"/cles/"+adminKeys[0].ID+"/retirer", url.Values{}).want(t, http.StatusNotFound)

	keys, _ := s.store.Passkeys(t.Context(), desk.ID)
	if len(keys) != 1 {
		t.Fatalf("%d passkeys, want the one added", len(keys))
	}
	if loc := b.post(sec, securityPath+"/cles/"+keys[0].ID+"/retirer", url.Values{}).want(t, http.StatusSeeOther).location(t); loc != securityPath+"?avis=passkey_removed" {
		t.Fatalf("removing a passkey led to %s", loc)
	}
	if keys, _ = s.store.Passkeys(t.Context(), desk.ID); len(keys) != 0 {
		t.Fatalf("the passkey is still there: %+v", keys)
	}
	b.signOut()
	if loc := b.signInPassword(desk.Email).want(t, http.StatusSeeOther).location(t); loc != "/clinique" {
		t.Errorf("without a passkey the receptionist signed in to %s, want /clinique", loc)
	}
}

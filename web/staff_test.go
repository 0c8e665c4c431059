package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
)

// testPassword is every test account's password.
const testPassword = "un mot de passe assez long"

// fastParams keep the tests' hashing cheap; sign-in checks whatever
// parameters a hash carries.
var fastParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// withStaff gives the site one account per role (the clinic roles at
// clinic 1).
func withStaff(t *testing.T, s *site) map[rdv.Role]rdv.Account {
	t.Helper()
	hash, err := auth.HashPassword(testPassword, fastParams)
	if err != nil {
		t.Fatal(err)
	}
	out := map[rdv.Role]rdv.Account{}
	for _, role := range []rdv.Role{rdv.Operator, rdv.PhoneAgent, rdv.Receptionist, rdv.ClinicAdmin} {
		a := rdv.Account{Email: string(role) + "@reseau.example", Name: string(role), Role: role, PasswordHash: hash}
		if role.ClinicBound() {
			a.ClinicID = 1
		}
		if a, err = s.store.CreateAccount(context.Background(), a); err != nil {
			t.Fatalf("create %s: %v", role, err)
		}
		out[role] = a
	}
	return out
}

// browser keeps cookies across requests to the site, as a browser does.
type browser struct {
	t       *testing.T
	s       *site
	cookies map[string]*http.Cookie
	addr    string
}

func newBrowser(t *testing.T, s *site) *browser {
	return &browser{t: t, s: s, cookies: map[string]*http.Cookie{}, addr: "192.0.2.20:50000"}
}

func (b *browser) do(method, target string, form url.Values) answer {
	b.t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.RemoteAddr = b.addr
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.s.srv.ServeHTTP(w, r)
	res := w.Result()
	res.Request = r
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	var body strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return answer{res, body.String()}
}

// post sends a form with the CSRF token of the page it came from.
func (b *browser) post(from answer, target string, form url.Values) answer {
	b.t.Helper()
	form.Set("csrf", hiddenValue(b.t, from.body, "csrf"))
	return b.do(http.MethodPost, target, form)
}

// signIn signs in from the sign-in page and returns where it led. An
// account whose role must have a second factor and has none sets up an
// authenticator app first, and signs in again; an account with one
// passes the second step with a recovery code (see security_harness_test.go).
func (b *browser) signIn(email, password string) answer {
	b.t.Helper()
	page := b.do(http.MethodGet, "/connexion", nil).want(b.t, http.StatusOK)
	res := b.post(page, "/connexion", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		return res
	}
	switch loc := res.Header.Get("Location"); {
	case strings.HasPrefix(loc, securityPath+"?avis=required"):
		b.enrolTOTP(email)
		delete(b.cookies, sessionCookieName) // a browser signs in afresh
		return b.signIn(email, password)
	case loc == secondStepPath:
		return b.passSecondStep(email)
	}
	return res
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	tests := []struct {
		name, email, password string
		status                int
		location              string
	}{
		{"operator lands on the console", "operator@reseau.example", testPassword, http.StatusSeeOther, "/operateur"},
		{"email in another case", "OPERATOR@Reseau.Example", testPassword, http.StatusSeeOther, "/operateur"},
		{"wrong password", "operator@reseau.example", "pas le bon", http.StatusUnauthorized, ""},
		{"unknown email reads the same", "personne@reseau.example", testPassword, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			res := b.signIn(tt.email, tt.password).want(t, tt.status)
			if tt.location != "" {
				if got := res.location(t); got != tt.location {
					t.Errorf("signed in to %s, want %s", got, tt.location)
				}
				c := b.cookies[sessionCookieName]
				if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Lax", c)
				}
				b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, translate("fr", "op.title"), accts[rdv.Operator].Email)
				return
			}
			res.contains(t, translate("fr", "signin.failed"))
			if strings.Contains(res.body, testPassword) || strings.Contains(res.body, "pas le bon") {
				t.Errorf("the page sent the password back")
			}
		})
	}
}

func TestSignInSlowsDownGuessing(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	b := newBrowser(t, s)
	var last answer
	for i := 0; i < 7; i++ {
		last = b.signIn("agent@reseau.example", "devinette")
	}
	last.want(t, http.StatusTooManyRequests).contains(t, translate("fr", "signin.wait"))
	// The right password waits too: a guesser learns nothing from it.
	b.signIn("agent@reseau.example", testPassword).want(t, http.StatusTooManyRequests)
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	b := newBrowser(t, s)
	b.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	console := b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	b.post(console, "/deconnexion", url.Values{}).want(t, http.StatusSeeOther)
	if loc := b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusSeeOther).location(t); !strings.HasPrefix(loc, "/connexion?retour=") {
		t.Errorf("after signing out the console sends to %s", loc)
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	tests := []struct {
		name   string
		email  string // "" for not signed in
		lang   string
		status int
		want   string
	}{
		{"not signed in goes to sign-in", "", "fr", http.StatusSeeOther, "/connexion?retour=%2Foperateur"},
		{"agent is refused in French", "agent@reseau.example", "fr", http.StatusForbidden, translate("fr", "error.403.role")},
		{"receptionist is refused in English", "receptionist@reseau.example", "en", http.StatusForbidden, translate("en", "error.403.role")},
		{"operator gets in", "operator@reseau.example", "en", http.StatusOK, translate("en", "op.title")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: tt.lang}
			if tt.email != "" {
				b.signIn(tt.email, testPassword).want(t, http.StatusSeeOther)
			}
			res := b.do(http.MethodGet, "/operateur", nil).want(t, tt.status)
			if tt.status == http.StatusSeeOther {
				if loc := res.location(t); loc != tt.want {
					t.Errorf("redirect to %s, want %s", loc, tt.want)
				}
				return
			}
			res.contains(t, tt.want)
		})
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	banner := url.Values{"banner_fr": {"Panne"}, "banner_en": {"Outage"}, "level": {"critical"}}
	tests := []struct {
		name   string
		b      *browser
		target string
		form   url.Values
		token  string
		lang   string
	}{
		{"staff form without token", op, "/operateur/bandeau", banner, "", "fr"},
		{"staff form with a wrong token", op, "/operateur/bandeau", banner, strings.Repeat("x", 43), "en"},
		{"patient form without token", newBrowser(t, s), "/reserver", url.Values{"slot_id": {"1"}}, "", "fr"},
		{"sign-in without token", newBrowser(t, s), "/connexion", url.Values{"email": {"operator@reseau.example"}, "password": {testPassword}}, "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: tt.lang}
			form := cloneValues(tt.form)
			form.Set("csrf", tt.token)
			res := tt.b.do(http.MethodPost, tt.target, form).want(t, http.StatusForbidden)
			res.contains(t, translate(tt.lang, "error.403.csrf"))
		})
	}
	if b, _ := s.store.Banner(context.Background()); b.TextFR != "" {
		t.Errorf("a refused post set the banner %+v", b)
	}
}

func TestBanner(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	console := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)

	bad := op.post(console, "/operateur/bandeau", url.Values{"banner_fr": {"Panne du réseau"}, "banner_en": {""}, "level": {"warning"}})
	bad.want(t, http.StatusUnprocessableEntity).contains(t, translate("fr", "err.required"), "Panne du réseau")

	fr, en := "Service perturbé ce soir : attente prolongée", "Service disrupted tonight: longer waits"
	op.post(console, "/operateur/bandeau", url.Values{"banner_fr": {fr}, "banner_en": {en}, "level": {"warning"}}).want(t, http.StatusSeeOther)
	patient := newBrowser(t, s)
	for _, page := range []string{"/", s.searchQuery(), "/connexion"} {
		patient.do(http.MethodGet, page+sep(page)+"lang=fr", nil).want(t, http.StatusOK).contains(t, fr, "banner-warning")
		res := patient.do(http.MethodGet, page+sep(page)+"lang=en", nil).want(t, http.StatusOK)
		res.contains(t, en)
		if strings.Contains(res.body, htmlText(fr)) {
			t.Errorf("English page %s shows the French banner", page)
		}
	}

	console = op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	op.post(console, "/operateur/bandeau/retirer", url.Values{}).want(t, http.StatusSeeOther)
	if res := patient.do(http.MethodGet, "/?lang=fr", nil).want(t, http.StatusOK); strings.Contains(res.body, "banner") {
		t.Errorf("the cleared banner still shows")
	}
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func TestOnboardClinic(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withStaff(t, s)
	op := newBrowser(t, s)
	op.signIn("operator@reseau.example", testPassword).want(t, http.StatusSeeOther)
	console := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"unknown town", url.Values{"name": {"Clinique Nord"}, "address": {"1, rue Principale"}, "city": {"Atlantide"}, "services": {"general"}, "languages": {"fr"}},
			http.StatusUnprocessableEntity, []string{translate("fr", "err.place"), "Clinique Nord"}},
		{"no service", url.Values{"name": {"Clinique Nord"}, "address": {"1, rue Principale"}, "city": {"Rimouski"}, "languages": {"fr"}},
			http.StatusUnprocessableEntity, []string{translate("fr", "op.err.services")}},
		{"onboarded", url.Values{"name": {"Clinique du Fleuve"}, "address": {"1, rue Principale"}, "city": {"Rimouski"}, "phone": {"418 555-0101"}, "services": {"general", "pediatrics"}, "languages": {"fr", "en"}},
			http.StatusSeeOther, nil},
	}
	for _, tt := range tests {
		res := op.post(console, "/operateur/cliniques", tt.form).want(t, tt.status)
		res.contains(t, tt.want...)
	}
	clinics, err := s.store.Clinics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, "Clinique du Fleuve", "Rimouski", translate("fr", "op.clinics.title", len(clinics)))
	// The onboarded clinic is searchable at once: the index knows it.
	if len(clinics) != len(s.index.Clinics()) {
		t.Errorf("the store has %d clinics, the index %d", len(clinics), len(s.index.Clinics()))
	}
	if last := clinics[len(clinics)-1]; last.Name == "Clinique du Fleuve" {
		if c, ok := s.index.Clinic(last.ID); !ok || c.City != "Rimouski" {
			t.Errorf("the index has clinic %d as %+v, %v", last.ID, c, ok)
		}
	}
}

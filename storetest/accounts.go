package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runAccounts runs the conformance suite of rdv.AccountStore,
// rdv.SettingsStore and rdv.NetworkAdminStore. open returns a fresh,
// empty, migrated store.
func runAccounts(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture, s accountsStore)
	}{
		{"CreateAndRead", testCreateAccount},
		{"EmailUniqueWhateverTheCase", testEmailUnique},
		{"AccountRefused", testAccountRefused},
		{"AccountsOfClinic", testAccountsOfClinic},
		{"Sessions", testSessions},
		{"Banner", testBanner},
		{"Onboard", testOnboard},
		{"OnboardRefused", testOnboardRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, open)
			tt.fn(t, f, f.store)
		})
	}
}

type accountsStore interface {
	rdv.AccountStore
	rdv.SettingsStore
	rdv.NetworkAdminStore
}

// cheapHash is a valid argon2id hash made cheaply: the suite tests
// stores, not the cost of hashing.
var cheapHash = func() string {
	h, err := auth.HashPassword("correct horse battery", auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		panic(err)
	}
	return h
}()

func account(email string, role rdv.Role, clinicID int64) rdv.Account {
	return rdv.Account{Email: email, Name: "Test " + string(role), Role: role, ClinicID: clinicID, PasswordHash: cheapHash, Language: "fr"}
}

func mustCreateAccount(t *testing.T, f *fixture, s accountsStore, a rdv.Account) rdv.Account {
	t.Helper()
	got, err := s.CreateAccount(f.ctx, a)
	if err != nil {
		t.Fatalf("create account %s: %v", a.Email, err)
	}
	return got
}

func testCreateAccount(t *testing.T, f *fixture, s accountsStore) {
	a := mustCreateAccount(t, f, s, account("Reception@Clinique.Example", rdv.Receptionist, 1))
	if a.ID == 0 || a.Email != "reception@clinique.example" || a.CreatedAt.IsZero() {
		t.Fatalf("created %+v: want an ID, the email in lower case and a creation time", a)
	}
	byID, err := s.Account(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("account %d: %v", a.ID, err)
	}
	byEmail, err := s.AccountByEmail(f.ctx, "RECEPTION@clinique.example")
	if err != nil {
		t.Fatalf("account by email in another case: %v", err)
	}
	for _, got := range []rdv.Account{byID, byEmail} {
		if got.ID != a.ID || got.Email != a.Email || got.Role != rdv.Receptionist || got.ClinicID != 1 ||
			got.PasswordHash != cheapHash || got.Name != a.Name || got.Language != "fr" || got.Disabled ||
			!got.CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("read %+v, want %+v", got, a)
		}
	}
	if _, err := s.Account(f.ctx, a.ID+1000); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("unknown account: %v, want ENOTFOUND", err)
	}
	if _, err := s.AccountByEmail(f.ctx, "nobody@clinique.example"); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("unknown email: %v, want ENOTFOUND", err)
	}
}

func testEmailUnique(t *testing.T, f *fixture, s accountsStore) {
	mustCreateAccount(t, f, s, account("ops@reseau.example", rdv.Operator, 0))
	_, err := s.CreateAccount(f.ctx, account("OPS@Reseau.Example", rdv.PhoneAgent, 0))
	if rdv.ErrorCode(err) != rdv.ECONFLICT {
		t.Fatalf("same email in another case: %v, want ECONFLICT", err)
	}
}

func testAccountRefused(t *testing.T, f *fixture, s accountsStore) {
	tests := []struct {
		name string
		a    rdv.Account
		code string
	}{
		{"clinic role without clinic", account("a@x.example", rdv.Receptionist, 0), rdv.EINVALID},
		{"clinic admin without clinic", account("b@x.example", rdv.ClinicAdmin, 0), rdv.EINVALID},
		{"operator bound to a clinic", account("c@x.example", rdv.Operator, 1), rdv.EINVALID},
		{"unknown role", account("d@x.example", "root", 0), rdv.EINVALID},
		{"bad email", account("not an email", rdv.Operator, 0), rdv.EINVALID},
		{"no password", func() rdv.Account { a := account("e@x.example", rdv.Operator, 0); a.PasswordHash = ""; return a }(), rdv.EINVALID},
		{"password not hashed", func() rdv.Account { a := account("f@x.example", rdv.Operator, 0); a.PasswordHash = "hunter2"; return a }(), rdv.EINVALID},
		{"unknown clinic", account("g@x.example", rdv.Receptionist, 99999), rdv.ENOTFOUND},
	}
	for _, tt := range tests {
		if _, err := s.CreateAccount(f.ctx, tt.a); rdv.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if all, err := s.Accounts(f.ctx, 0); err != nil || len(all) != 0 {
		t.Errorf("after refusals: %d accounts, %v; want none", len(all), err)
	}
}

func testAccountsOfClinic(t *testing.T, f *fixture, s accountsStore) {
	r1 := mustCreateAccount(t, f, s, account("r1@x.example", rdv.Receptionist, 1))
	a1 := mustCreateAccount(t, f, s, account("a1@x.example", rdv.ClinicAdmin, 1))
	r2 := mustCreateAccount(t, f, s, account("r2@x.example", rdv.Receptionist, 2))
	op := mustCreateAccount(t, f, s, account("op@x.example", rdv.Operator, 0))
	ids := func(as []rdv.Account) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	tests := []struct {
		clinic int64
		want   []int64
	}{
		{1, []int64{r1.ID, a1.ID}},
		{2, []int64{r2.ID}},
		{0, []int64{r1.ID, a1.ID, r2.ID, op.ID}},
		{3, nil},
	}
	for _, tt := range tests {
		got, err := s.Accounts(f.ctx, tt.clinic)
		if err != nil {
			t.Fatalf("accounts of clinic %d: %v", tt.clinic, err)
		}
		if !slices.Equal(ids(got), tt.want) {
			t.Errorf("accounts of clinic %d: %v, want %v", tt.clinic, ids(got), tt.want)
		}
	}
}

func testSessions(t *testing.T, f *fixture, s accountsStore) {
	a := mustCreateAccount(t, f, s, account("agent@x.example", rdv.PhoneAgent, 0))
	off := account("off@x.example", rdv.PhoneAgent, 0)
	off.Disabled = true
	off = mustCreateAccount(t, f, s, off)
	now := time.Now().Truncate(time.Millisecond)
	newSession := func(accountID int64, life time.Duration) rdv.Session {
		_, hash := auth.NewSessionToken()
		return rdv.Session{TokenHash: hash, AccountID: accountID, CSRFToken: auth.NewCSRFToken(), CreatedAt: now, ExpiresAt: now.Add(life)}
	}
	live := newSession(a.ID, 8*time.Hour)
	short := newSession(a.ID, time.Minute)
	disabled := newSession(off.ID, 8*time.Hour)
	for _, se := range []rdv.Session{live, short, disabled} {
		if err := s.CreateSession(f.ctx, se); err != nil {
			t.Fatalf("create session: %v", err)
		}
	}
	if err := s.CreateSession(f.ctx, newSession(a.ID+1000, time.Hour)); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("session of an unknown account: %v, want ENOTFOUND", err)
	}
	if err := s.CreateSession(f.ctx, live); rdv.ErrorCode(err) != rdv.ECONFLICT {
		t.Errorf("same token twice: %v, want ECONFLICT", err)
	}

	se, acct, err := s.SessionByTokenHash(f.ctx, live.TokenHash, now.Add(10*time.Minute))
	if err != nil {
		t.Fatalf("live session: %v", err)
	}
	if se.AccountID != a.ID || se.CSRFToken != live.CSRFToken || !se.ExpiresAt.Equal(live.ExpiresAt) || !se.CreatedAt.Equal(now) || acct.ID != a.ID || acct.Role != rdv.PhoneAgent {
		t.Errorf("session %+v of %+v, want %+v of account %d", se, acct, live, a.ID)
	}
	gone := []struct {
		name string
		hash string
		at   time.Time
	}{
		{"expired", short.TokenHash, now.Add(2 * time.Minute)},
		{"at its expiry", short.TokenHash, short.ExpiresAt},
		{"unknown", strings.Repeat("0", 64), now},
		{"disabled account", disabled.TokenHash, now},
		{"past the cap", live.TokenHash, now.Add(9 * time.Hour)},
	}
	for _, g := range gone {
		if _, _, err := s.SessionByTokenHash(f.ctx, g.hash, g.at); rdv.ErrorCode(err) != rdv.ENOTFOUND {
			t.Errorf("%s session: %v, want ENOTFOUND", g.name, err)
		}
	}
	for i := 0; i < 2; i++ { // signing out twice is harmless
		if err := s.DeleteSession(f.ctx, live.TokenHash); err != nil {
			t.Fatalf("delete session (%d): %v", i+1, err)
		}
	}
	if _, _, err := s.SessionByTokenHash(f.ctx, live.TokenHash, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("deleted session: %v, want ENOTFOUND", err)
	}
}

func testBanner(t *testing.T, f *fixture, s accountsStore) {
	b, err := s.Banner(f.ctx)
	if err != nil || b != (rdv.Banner{}) {
		t.Fatalf("banner of a new store: %+v, %v; want the zero banner", b, err)
	}
	op := mustCreateAccount(t, f, s, account("op@x.example", rdv.Operator, 0))
	set := rdv.Banner{TextFR: "Service perturbé « ce soir »", TextEN: "Service disrupted tonight", Level: "warning", SetBy: op.ID, SetAt: time.Now().Truncate(time.Millisecond)}
	for _, want := range []rdv.Banner{set, {TextFR: "Autre", TextEN: "Other", Level: "info", SetBy: op.ID, SetAt: set.SetAt}, {}} {
		if err := s.SetBanner(f.ctx, want); err != nil {
			t.Fatalf("set banner %+v: %v", want, err)
		}
		got, err := s.Banner(f.ctx)
		if err != nil {
			t.Fatalf("read banner: %v", err)
		}
		if got.TextFR != want.TextFR || got.TextEN != want.TextEN || got.Level != want.Level || got.SetBy != want.SetBy || !got.SetAt.Equal(want.SetAt) {
			t.Errorf("banner %+v, want %+v", got, want)
		}
	}
}

func newClinic() rdv.Clinic {
	return rdv.Clinic{Name: "Clinique du Fjord", Address: "12, rue Racine", City: "Saguenay", Lat: 48.4284, Lon: -71.0685,
		Phone: "418 555-0100", Services: []rdv.Service{rdv.General}, Languages: []string{"fr", "en"}}
}

func testOnboard(t *testing.T, f *fixture, s accountsStore) {
	before, err := f.store.Clinics(f.ctx)
	if err != nil {
		t.Fatalf("clinics: %v", err)
	}
	c, err := s.CreateClinic(f.ctx, newClinic())
	if err != nil {
		t.Fatalf("create clinic: %v", err)
	}
	if c.ID == 0 || c.TimeZone != "America/Toronto" {
		t.Fatalf("created clinic %+v: want an ID and the network's time zone", c)
	}
	for _, old := range before {
		if old.ID == c.ID {
			t.Fatalf("new clinic took the ID %d of %s", c.ID, old.Name)
		}
	}
	p, err := s.CreatePractitioner(f.ctx, rdv.Practitioner{ClinicID: c.ID, Name: "Dre Gagnon", Services: []rdv.Service{rdv.General}, Languages: []string{"fr"}, AcceptsNew: true})
	if err != nil {
		t.Fatalf("create practitioner: %v", err)
	}
	clinics, err := f.store.Clinics(f.ctx)
	if err != nil {
		t.Fatalf("clinics: %v", err)
	}
	i := slices.IndexFunc(clinics, func(x rdv.Clinic) bool { return x.ID == c.ID })
	if i < 0 || len(clinics) != len(before)+1 {
		t.Fatalf("clinic %d not listed among %d clinics", c.ID, len(clinics))
	}
	got := clinics[i]
	if got.Name != c.Name || got.City != "Saguenay" || got.Lat != c.Lat || !slices.Equal(got.Services, c.Services) || !slices.Equal(got.Languages, []string{"fr", "en"}) {
		t.Errorf("read clinic %+v, want %+v", got, c)
	}
	ps, err := f.store.Practitioners(f.ctx)
	if err != nil {
		t.Fatalf("practitioners: %v", err)
	}
	j := slices.IndexFunc(ps, func(x rdv.Practitioner) bool { return x.ID == p.ID })
	if j < 0 || ps[j].ClinicID != c.ID || ps[j].Name != "Dre Gagnon" || !ps[j].AcceptsNew {
		t.Errorf("practitioner %+v not read back", p)
	}
	// A clinic admin of the new clinic can now be created.
	mustCreateAccount(t, f, s, account("admin@fjord.example", rdv.ClinicAdmin, c.ID))
}

func testOnboardRefused(t *testing.T, f *fixture, s accountsStore) {
	clinics := []struct {
		name string
		edit func(c *rdv.Clinic)
	}{
		{"no name", func(c *rdv.Clinic) { c.Name = " " }},
		{"no city", func(c *rdv.Clinic) { c.City = "" }},
		{"outside Québec", func(c *rdv.Clinic) { c.Lat, c.Lon = 48.85, 2.35 }},
		{"no service", func(c *rdv.Clinic) { c.Services = nil }},
		{"unknown service", func(c *rdv.Clinic) { c.Services = []rdv.Service{"surgery"} }},
		{"unknown language", func(c *rdv.Clinic) { c.Languages = []string{"de"} }},
		{"with an ID", func(c *rdv.Clinic) { c.ID = 5 }},
	}
	for _, tt := range clinics {
		c := newClinic()
		tt.edit(&c)
		if _, err := s.CreateClinic(f.ctx, c); rdv.ErrorCode(err) != rdv.EINVALID {
			t.Errorf("clinic %s: %v, want EINVALID", tt.name, err)
		}
	}
	good := rdv.Practitioner{ClinicID: 1, Name: "Dr Roy", Services: []rdv.Service{rdv.General}}
	practitioners := []struct {
		name string
		edit func(p *rdv.Practitioner)
		code string
	}{
		{"unknown clinic", func(p *rdv.Practitioner) { p.ClinicID = 99999 }, rdv.ENOTFOUND},
		{"no clinic", func(p *rdv.Practitioner) { p.ClinicID = 0 }, rdv.EINVALID},
		{"no name", func(p *rdv.Practitioner) { p.Name = "" }, rdv.EINVALID},
		{"no service", func(p *rdv.Practitioner) { p.Services = nil }, rdv.EINVALID},
	}
	for _, tt := range practitioners {
		p := good
		tt.edit(&p)
		if _, err := s.CreatePractitioner(f.ctx, p); rdv.ErrorCode(err) != tt.code {
			t.Errorf("practitioner %s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

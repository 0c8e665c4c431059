package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
	"rdv/ical"
	"rdv/ical/icaltest"
)

// secretRE finds the secret a page shows once.
var secretRE = regexp.MustCompile(`<input id="f-secret" type="text" readonly value="([^"]+)"`)

// shownOnce reads the secret a page shows, failing unless there is one.
func shownOnce(t *testing.T, a answer) string {
	t.Helper()
	m := secretRE.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("%s shows no secret", a.Request.URL)
	}
	return unescape(m[1])
}

// adminBrowser signs in clinic 1's admin in lang.
func adminBrowser(t *testing.T, s *site, accts map[rdv.Role]rdv.Account, lang string) *browser {
	t.Helper()
	b := staffBrowser(t, s, accts, rdv.ClinicAdmin)
	b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
	return b
}

// callAPI calls the JSON API with a bearer token.
func (s *site) callAPI(target, token string) int {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	r.RemoteAddr = "192.0.2.30:40000"
	w := httptest.NewRecorder()
	s.mounted().ServeHTTP(w, r)
	return w.Code
}

// TestPortalTokens: an admin makes an API token (a form without a name
// or scope is sent back with both messages), sees its secret once, the
// token opens the API within its scope, and once revoked opens nothing;
// in both languages.
func TestPortalTokens(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			accts := withStaff(t, s)
			b := adminBrowser(t, s, accts, lang)
			empty := b.do(http.MethodGet, tokensPath, nil).want(t, http.StatusOK)
			empty.contains(t, translate(lang, "tokens.title"), translate(lang, "tokens.none"), "agenda:read")

			back := b.sentBack(b.post(empty, tokensPath, url.Values{"name": {" "}, "scopes": {"admin"}}), tokensPath)
			back.contains(t, translate(lang, "integ.err.name"), translate(lang, "tokens.err.scopes"))
			if list, _ := s.store.ClinicTokens(t.Context(), 1, rdv.APIToken); len(list) != 0 {
				t.Fatalf("a refused form made tokens: %+v", list)
			}

			made := b.post(back, tokensPath, url.Values{"name": {"Dossier médical"}, "scopes": {"agenda:read"}}).want(t, http.StatusSeeOther)
			if loc := made.location(t); loc != tokensPath+"?avis=created" {
				t.Fatalf("making a token led to %s", loc)
			}
			page := b.do(http.MethodGet, made.location(t), nil).want(t, http.StatusOK)
			secret := shownOnce(t, page)
			page.contains(t, translate(lang, "tokens.notice.created"), translate(lang, "integ.secret.once"), "Dossier médical")
			if !strings.HasPrefix(secret, apiTokenPrefix) || len(secret) < 40 {
				t.Fatalf("secret %q", secret)
			}
			if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("the page that shows a secret: Cache-Control %q", cc)
			}
			again := b.do(http.MethodGet, made.location(t), nil).want(t, http.StatusOK)
			if strings.Contains(again.body, secret) || secretRE.MatchString(again.body) {
				t.Fatal("the secret is shown a second time")
			}
			again.contains(t, secret[:rdv.TokenPrefixLen]+"…", translate(lang, "tokens.scope.agenda:read"), translate(lang, "integ.never"))

			list, err := s.store.ClinicTokens(t.Context(), 1, rdv.APIToken)
			if err != nil || len(list) != 1 || list[0].CreatedBy != accts[rdv.ClinicAdmin].ID || list[0].Name != "Dossier médical" {
				t.Fatalf("tokens: %+v, %v", list, err)
			}
			if got := s.callAPI("/api/v1/clinic/agenda", secret); got != http.StatusOK {
				t.Errorf("the token reads the agenda: %d", got)
			}
			used := b.do(http.MethodGet, tokensPath, nil).want(t, http.StatusOK)
			if strings.Contains(used.body, ">"+translate(lang, "integ.never")+"<") {
				t.Error("the token's use is not shown")
			}

			// Another clinic's admin, and the feeds' page, revoke nothing.
			other := otherClinicAdmin(t, s, accts)
			otherPage := other.do(http.MethodGet, tokensPath, nil).want(t, http.StatusOK)
			other.post(otherPage, tokensPath+"/"+strconv.FormatInt(list[0].ID, 10)+"/revoquer", url.Values{}).want(t, http.StatusNotFound)
			b.post(used, feedsPath+"/"+strconv.FormatInt(list[0].ID, 10)+"/revoquer", url.Values{}).want(t, http.StatusNotFound)
			if got := s.callAPI("/api/v1/clinic/agenda", secret); got != http.StatusOK {
				t.Fatalf("after others' attempts: %d", got)
			}
			done := b.post(used, tokensPath+"/"+strconv.FormatInt(list[0].ID, 10)+"/revoquer", url.Values{}).want(t, http.StatusSeeOther)
			revoked := b.do(http.MethodGet, done.location(t), nil).want(t, http.StatusOK)
			revoked.contains(t, translate(lang, "tokens.notice.revoked"), translate(lang, "integ.revoked", formatDate(s.engine.Now())))
			if got := s.callAPI("/api/v1/clinic/agenda", secret); got != http.StatusUnauthorized {
				t.Errorf("a revoked token: %d, want 401", got)
			}
		})
	}
}

// otherClinicAdmin signs in an admin of clinic 2.
func otherClinicAdmin(t *testing.T, s *site, accts map[rdv.Role]rdv.Account) *browser {
	t.Helper()
	a := accts[rdv.ClinicAdmin]
	a.ID, a.Email, a.ClinicID, a.PasswordHash = 0, "admin.laval@reseau.example", 2, mustHash(t)
	if _, err := s.store.CreateAccount(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signIn(a.Email, testPassword).want(t, http.StatusSeeOther)
	return b
}

// TestIntegrationsAdminsOnly: a receptionist of the clinic opens none of
// the integrations' pages; signed out, each asks for a sign-in.
func TestIntegrationsAdminsOnly(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	desk := staffBrowser(t, s, accts, rdv.Receptionist)
	for _, path := range []string{tokensPath, hooksPath, feedsPath} {
		desk.do(http.MethodGet, path, nil).want(t, http.StatusForbidden)
		if loc := newBrowser(t, s).do(http.MethodGet, path, nil).want(t, http.StatusSeeOther).location(t); !strings.HasPrefix(loc, "/connexion") {
			t.Errorf("%s signed out led to %s", path, loc)
		}
	}
	day := desk.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK)
	for _, path := range []string{tokensPath, hooksPath, feedsPath} {
		desk.post(day, path, url.Values{"name": {"x"}, "scopes": {"agenda:read"}, "url": {"https://x.example"}, "events": {"appointment.booked"}}).want(t, http.StatusForbidden)
	}
	for _, kind := range []rdv.TokenKind{rdv.APIToken, rdv.CalendarFeed} {
		if list, _ := s.store.ClinicTokens(t.Context(), 1, kind); len(list) != 0 {
			t.Errorf("a receptionist made %s tokens: %+v", kind, list)
		}
	}
}

// TestPortalWebhooks: an admin adds an endpoint (an http address, a
// private one or no event is sent back with its message), sees its
// whsec_ secret once, a booking of the clinic shows in the delivery log,
// and removing the endpoint takes it off; in both languages.
func TestPortalWebhooks(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			accts := withStaff(t, s)
			b := adminBrowser(t, s, accts, lang)
			page := b.do(http.MethodGet, hooksPath, nil).want(t, http.StatusOK)
			page.contains(t, translate(lang, "hooks.none"), translate(lang, "hooks.log.none"))
			for _, tc := range []struct {
				form url.Values
				want string
			}{
				{url.Values{"url": {"http://dossier.example.org/rdv"}, "events": {"appointment.booked"}}, "hooks.err.url"},
				{url.Values{"url": {"https://10.0.0.7/rdv"}, "events": {"appointment.booked"}}, "hooks.err.private"},
				{url.Values{"url": {"https://localhost:8443/rdv"}, "events": {"appointment.booked"}}, "hooks.err.private"},
				{url.Values{"url": {"https://dossier.example.org/rdv"}}, "hooks.err.events"},
				{url.Values{"url": {"https://dossier.example.org/rdv"}, "events": {"appointment.eaten"}}, "hooks.err.events"},
			} {
				back := b.sentBack(b.post(page, hooksPath, tc.form), hooksPath)
				back.contains(t, translate(lang, tc.want))
			}
			if list, _ := s.store.WebhookEndpoints(t.Context(), 1); len(list) != 0 {
				t.Fatalf("refused forms added endpoints: %+v", list)
			}

			added := b.post(page, hooksPath, url.Values{"url": {"https://dossier.example.org/rdv"}, "events": {"appointment.booked", "appointment.cancelled"}}).want(t, http.StatusSeeOther)
			shown := b.do(http.MethodGet, added.location(t), nil).want(t, http.StatusOK)
			secret := shownOnce(t, shown)
			shown.contains(t, translate(lang, "hooks.notice.added"))
			if !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("secret %q", secret)
			}
			list, err := s.store.WebhookEndpoints(t.Context(), 1)
			if err != nil || len(list) != 1 || list[0].URL != "https://dossier.example.org/rdv" || len(list[0].Events) != 2 {
				t.Fatalf("endpoints: %+v, %v", list, err)
			}

			// A booking of the clinic, by the desk, goes to the log.
			a := s.bookAtClinic1(t, b)
			if _, err := s.store.FanOutWebhookEvents(t.Context(), 10); err != nil {
				t.Fatal(err)
			}
			logged := b.do(http.MethodGet, hooksPath, nil).want(t, http.StatusOK)
			if strings.Contains(logged.body, secret) {
				t.Fatal("the secret is shown again")
			}
			logged.contains(t, "https://dossier.example.org/rdv", translate(lang, "hooks.event.appointment.booked"),
				translate(lang, "hooks.status.pending"), `/clinique/rendez-vous/`+strconv.FormatInt(a, 10))

			done := b.post(logged, hooksPath+"/"+strconv.FormatInt(list[0].ID, 10)+"/retirer", url.Values{}).want(t, http.StatusSeeOther)
			removed := b.do(http.MethodGet, done.location(t), nil).want(t, http.StatusOK)
			removed.contains(t, translate(lang, "hooks.notice.removed"), translate(lang, "hooks.none"))
			b.post(removed, hooksPath+"/"+strconv.FormatInt(list[0].ID, 10)+"/retirer", url.Values{}).want(t, http.StatusNotFound)
		})
	}
}

// bookAtClinic1 books the first free slot of clinic 1 at the desk of b,
// signed in at clinic 1, and returns the appointment's ID.
func (s *site) bookAtClinic1(t *testing.T, b *browser) int64 {
	t.Helper()
	day := b.do(http.MethodGet, "/clinique?date="+s.start.String(), nil).want(t, http.StatusOK)
	m := regexp.MustCompile(`name="slot_id" value="(\d+)"`).FindStringSubmatch(day.body)
	if m == nil {
		t.Fatal("no free slot on clinic 1's day")
	}
	held := b.post(day, "/clinique/reserver", url.Values{"slot_id": {m[1]}}).want(t, http.StatusSeeOther).location(t)
	form := b.do(http.MethodGet, held, nil).want(t, http.StatusOK)
	done := b.post(form, held, url.Values{"first_name": {"Rosalie"}, "last_name": {"Gauthier"}, "birth_date": {"1969-11-30"},
		"health_number": {"GAUR69613012"}, "phone": {"450-555-0177"}, "language": {"fr"}, "channel": {"sur_place"},
		"cle": {hiddenValue(t, form.body, "cle")}}).want(t, http.StatusSeeOther).location(t)
	path, _, _ := strings.Cut(done, "?")
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/clinique/confirmation/"), 10, 64)
	if err != nil {
		t.Fatalf("booking led to %s", done)
	}
	return id
}

// TestCalendarFeed: an admin makes a feed of the clinic and one of a
// practitioner; each address is shown once, absolute, and serves the
// appointments it covers as a calendar that both parsers read, without
// the patient's name; a calendar that has it gets a 304 until an
// appointment changes; a revoked or unknown address is not found.
func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	srv, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store, Log: s.srv.log, Secret: testSecret, PublicURL: "https://rdv.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = srv
	accts := withStaff(t, s)
	b := adminBrowser(t, s, accts, "fr")
	page := b.do(http.MethodGet, feedsPath, nil).want(t, http.StatusOK)
	page.contains(t, "Toute la clinique", translate("fr", "feeds.none"))
	back := b.sentBack(b.post(page, feedsPath, url.Values{"name": {"Accueil"}, "practitioner": {"3"}}), feedsPath) // clinic 2's
	back.contains(t, translate("fr", "feeds.err.practitioner"))

	address := func(practitioner string) string {
		t.Helper()
		made := b.post(page, feedsPath, url.Values{"name": {"Accueil " + practitioner}, "practitioner": {practitioner}}).want(t, http.StatusSeeOther)
		u := shownOnce(t, b.do(http.MethodGet, made.location(t), nil).want(t, http.StatusOK))
		if !strings.HasPrefix(u, "https://rdv.example.org/calendrier/"+feedPrefix) || !strings.HasSuffix(u, ".ics") {
			t.Fatalf("feed address %q", u)
		}
		return strings.TrimPrefix(u, "https://rdv.example.org")
	}
	clinic, first := address("0"), address("1")

	appt := s.bookAtClinic1(t, b)
	a, err := s.store.Appointment(t.Context(), appt)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, header ...string) answer {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		s.mounted().ServeHTTP(w, r)
		res := w.Result()
		res.Request = r
		return answer{res, w.Body.String()}
	}
	res := get(clinic).want(t, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" || !strings.HasPrefix(res.Header.Get("ETag"), `W/"`) ||
		!strings.Contains(res.Header.Get("Cache-Control"), "private") {
		t.Errorf("feed headers %v", res.Header)
	}
	cal := icaltest.MustParse(t, res.body) // both parsers
	if cal.Prop("X-WR-CALNAME") != "Rendez-vous — Clinique du Plateau" {
		t.Errorf("feed called %q", cal.Prop("X-WR-CALNAME"))
	}
	var ev *icaltest.Component
	for _, e := range cal.Components("VEVENT") {
		if e.Prop("UID") == ical.UID(appt) {
			ev = e
		}
	}
	if ev == nil {
		t.Fatalf("the clinic's feed lacks appointment %d:\n%s", appt, res.body)
	}
	if ev.Prop("URL") != "https://rdv.example.org/clinique/rendez-vous/"+strconv.FormatInt(appt, 10) || ev.Sequence(t) != a.Revision ||
		ev.Prop("DTSTART") != a.Slot.Start.UTC().Format(ical.DateTime) {
		t.Errorf("event %v", ev.Props)
	}
	for _, patient := range []string{"Rosalie", "Gauthier", "GAUR", "555-0177", "5550177"} {
		if strings.Contains(res.body, patient) {
			t.Errorf("the feed tells %q of the patient", patient)
		}
	}
	// The practitioner's feed holds their appointments only.
	mine := icaltest.MustParse(t, get(first).want(t, http.StatusOK).body)
	for _, e := range mine.Components("VEVENT") {
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(e.Prop("UID"), "rdv-"), "@rdv"), 10, 64)
		if got, err := s.store.Appointment(t.Context(), id); err != nil || got.Slot.PractitionerID != 1 {
			t.Errorf("practitioner 1's feed holds %d: %+v, %v", id, got.Slot, err)
		}
	}

	tag := res.Header.Get("ETag")
	get(clinic, "If-None-Match", tag).want(t, http.StatusNotModified)
	get(clinic, "If-None-Match", strings.TrimPrefix(tag, "W/")).want(t, http.StatusNotModified)
	s.bookAtClinic1(t, b)
	changed := get(clinic, "If-None-Match", tag).want(t, http.StatusOK)
	if changed.Header.Get("ETag") == tag {
		t.Error("a new booking kept the feed's tag")
	}

	feeds, err := s.store.ClinicTokens(t.Context(), 1, rdv.CalendarFeed)
	if err != nil || len(feeds) != 2 || feeds[1].LastUsedAt.IsZero() {
		t.Fatalf("feeds: %+v, %v", feeds, err)
	}
	b.post(page, feedsPath+"/"+strconv.FormatInt(feeds[1].ID, 10)+"/revoquer", url.Values{}).want(t, http.StatusSeeOther)
	get(clinic).want(t, http.StatusNotFound)
	get(first).want(t, http.StatusOK)
	for _, bad := range []string{"/calendrier/" + feedPrefix + auth.NewToken() + ".ics", strings.TrimSuffix(first, ".ics"), first + ".ics", "/calendrier/.ics"} {
		get(bad).want(t, http.StatusNotFound)
	}
}

// integrationPages renders the integrations' pages for everyPage, with
// admin signed in at clinic 1: each empty, sent back with messages,
// showing a new secret, and listing what was made, with a delivery in
// the webhooks' log.
func (s *site) integrationPages(t *testing.T, admin *browser) map[string]answer {
	t.Helper()
	pages := map[string]answer{}
	for _, p := range []struct {
		name, path string
		bad, good  url.Values
	}{
		{"tokens", tokensPath, url.Values{"name": {""}}, url.Values{"name": {"Dossier médical"}, "scopes": {"agenda:read", "webhooks"}}},
		{"webhooks", hooksPath, url.Values{"url": {"http://10.0.0.1"}}, url.Values{"url": {"https://dossier.example.org/rdv"}, "events": {"appointment.booked"}}},
		{"calendar feeds", feedsPath, url.Values{"name": {""}, "practitioner": {"x"}}, url.Values{"name": {"Accueil"}, "practitioner": {"1"}}},
	} {
		page := admin.do(http.MethodGet, p.path, nil).want(t, http.StatusOK)
		pages["integrations: "+p.name] = page
		pages["integrations: "+p.name+" with errors"] = admin.sentBack(admin.post(page, p.path, p.bad), p.path)
		made := admin.post(page, p.path, p.good).want(t, http.StatusSeeOther).location(t)
		pages["integrations: "+p.name+", secret shown"] = admin.do(http.MethodGet, made, nil).want(t, http.StatusOK)
	}
	s.bookAtClinic1(t, admin)
	if _, err := s.store.FanOutWebhookEvents(t.Context(), 10); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{tokensPath, hooksPath, feedsPath} {
		pages["integrations: "+p+" listed"] = admin.do(http.MethodGet, p, nil).want(t, http.StatusOK)
	}
	return pages
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rdv"
)

// lea is a patient as the roster's form sends her: her number agrees
// with her name and her birth date.
func lea() url.Values {
	return url.Values{"first_name": {"Léa"}, "last_name": {"Côté"}, "birth_date": {"1985-04-07"}, "health_number": {"cotl 8554 0712"}}
}

// otherClinicDesk signs in a receptionist of clinic 2.
func otherClinicDesk(t *testing.T, s *site, accts map[rdv.Role]rdv.Account) *browser {
	t.Helper()
	a := accts[rdv.Receptionist]
	a.ID, a.Email, a.ClinicID, a.PasswordHash = 0, "receptionist.laval@reseau.example", 2, mustHash(t)
	if _, err := s.store.CreateAccount(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signIn(a.Email, testPassword).want(t, http.StatusSeeOther)
	return b
}

// rosterPatientID reads the ID of the registered patient whose row holds
// name.
func rosterPatientID(t *testing.T, page, name string) int64 {
	t.Helper()
	i := strings.Index(page, htmlText(name))
	j := strings.LastIndex(page[:max(i, 0)], `id="patient-`)
	if i < 0 || j < 0 {
		t.Fatalf("no row of %s on the roster page", name)
	}
	rest := page[j+len(`id="patient-`):]
	id, err := strconv.ParseInt(rest[:strings.IndexByte(rest, '"')], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestPortalRoster: the desk registers a patient (post/redirect/get), the
// list shows the number's last four digits only, a search finds her by
// name without accents or by the number's last digits, and removing her
// takes her off; in both languages.
func TestPortalRoster(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			accts := withStaff(t, s)
			b := staffBrowser(t, s, accts, rdv.Receptionist)
			b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}

			empty := b.do(http.MethodGet, rosterPath, nil).want(t, http.StatusOK)
			empty.contains(t, translate(lang, "roster.title"), translate(lang, "roster.none"), translate(lang, "roster.add.submit"))
			done := b.post(empty, rosterPath, lea()).want(t, http.StatusSeeOther)
			if loc := done.location(t); loc != rosterPath+"?avis=added" {
				t.Fatalf("registering led to %s", loc)
			}
			list := b.do(http.MethodGet, done.location(t), nil).want(t, http.StatusOK)
			list.contains(t, translate(lang, "roster.notice.added"), "Léa Côté", "1985-04-07", "•••• •••• 0712", pluralize(lang, "roster.count", 1))
			if strings.Contains(list.body, "COTL") || strings.Contains(list.body, "8554") {
				t.Fatal("the roster page shows more of the health number than its last four digits")
			}
			roster, err := s.store.Roster(t.Context(), 1)
			if err != nil || len(roster) != 1 || roster[0].HealthNumber != "COTL85540712" || roster[0].AddedBy != accts[rdv.Receptionist].ID {
				t.Fatalf("clinic 1's roster: %+v, %v", roster, err)
			}
			// Registering her again changes nothing.
			b.post(list, rosterPath, lea()).want(t, http.StatusSeeOther)
			if again, _ := s.store.Roster(t.Context(), 1); len(again) != 1 {
				t.Fatalf("registered twice: %d entries", len(again))
			}

			for _, q := range []string{"lea cote", "COTE", "0712"} {
				b.do(http.MethodGet, rosterPath+"?"+url.Values{"q": {q}}.Encode(), nil).want(t, http.StatusOK).contains(t, "Léa Côté", pluralize(lang, "roster.found", 1))
			}
			miss := b.do(http.MethodGet, rosterPath+"?q=Gagnon", nil).want(t, http.StatusOK)
			if strings.Contains(miss.body, "Léa Côté") {
				t.Fatal("a search for another name shows Léa")
			}

			id := rosterPatientID(t, list.body, "Léa Côté")
			gone := b.post(list, rosterPath+"/"+strconv.FormatInt(id, 10)+"/retirer", url.Values{}).want(t, http.StatusSeeOther)
			after := b.do(http.MethodGet, gone.location(t), nil).want(t, http.StatusOK)
			after.contains(t, translate(lang, "roster.notice.removed"), translate(lang, "roster.none"))
			if roster, _ := s.store.Roster(t.Context(), 1); len(roster) != 0 {
				t.Fatalf("clinic 1's roster after removing: %+v", roster)
			}
		})
	}
}

// TestPortalRosterFormSentBack: a form with mistakes comes back by a
// redirect, with each message by its field in the person's language and
// what was typed; a reload keeps the values without the messages.
func TestPortalRosterFormSentBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		field string
		key   string
	}{
		{"number of another birth date", func(v url.Values) { v.Set("birth_date", "1985-04-08") }, "health_number", "err.hn_birth"},
		{"number of another name", func(v url.Values) { v.Set("last_name", "Tremblay") }, "health_number", "err.hn_name"},
		{"number's shape", func(v url.Values) { v.Set("health_number", "COTL 8554") }, "health_number", "err.health_number"},
		{"no number", func(v url.Values) { v.Set("health_number", "") }, "health_number", "err.required"},
		{"birth date unreadable", func(v url.Values) { v.Set("birth_date", "7 avril") }, "birth_date", "err.date"},
		{"birth date to come", func(v url.Values) { v.Set("birth_date", "2999-01-01") }, "birth_date", "err.birth_date"},
		{"no first name", func(v url.Values) { v.Set("first_name", " ") }, "first_name", "err.required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			accts := withStaff(t, s)
			for _, lang := range []string{"fr", "en"} {
				b := staffBrowser(t, s, accts, rdv.ClinicAdmin)
				b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
				page := b.do(http.MethodGet, rosterPath, nil).want(t, http.StatusOK)
				form := lea()
				tc.edit(form)
				back := b.sentBack(b.post(page, rosterPath, form), rosterPath)
				back.contains(t, translate(lang, "form.errors"), `id="`+fieldID(tc.field)+`-error"`, translate(lang, tc.key),
					`value="`+htmlText(form.Get("last_name"))+`"`)
				if roster, _ := s.store.Roster(t.Context(), 1); len(roster) != 0 {
					t.Fatalf("a form with mistakes registered %+v", roster)
				}
				reload := b.do(http.MethodGet, rosterPath, nil).want(t, http.StatusOK)
				if strings.Contains(reload.body, translate(lang, tc.key)) {
					t.Errorf("%s: a reload shows the message again", lang)
				}
				reload.contains(t, `value="`+htmlText(form.Get("last_name"))+`"`)
			}
		})
	}
}

// TestPortalRosterConfined: a clinic's roster is its own desk's: another
// clinic's receptionist neither sees nor removes its patients, agents and
// operators reach none, and a post without its form token changes
// nothing.
func TestPortalRosterConfined(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	mine := staffBrowser(t, s, accts, rdv.Receptionist)
	page := mine.do(http.MethodGet, rosterPath, nil).want(t, http.StatusOK)
	mine.post(page, rosterPath, lea()).want(t, http.StatusSeeOther)
	list := mine.do(http.MethodGet, rosterPath, nil).want(t, http.StatusOK)
	id := rosterPatientID(t, list.body, "Léa Côté")

	laval := otherClinicDesk(t, s, accts)
	theirs := laval.do(http.MethodGet, rosterPath, nil).want(t, http.StatusOK)
	theirs.contains(t, translate("fr", "roster.none"))
	if strings.Contains(theirs.body, "Côté") {
		t.Fatal("clinic 2's desk sees clinic 1's registered patient")
	}
	laval.post(theirs, rosterPath+"/"+strconv.FormatInt(id, 10)+"/retirer", url.Values{}).want(t, http.StatusSeeOther)
	if roster, _ := s.store.Roster(t.Context(), 1); len(roster) != 1 {
		t.Fatal("clinic 2's desk removed clinic 1's registered patient")
	}
	// What clinic 2 registers is clinic 2's, whatever the form says.
	form := lea()
	form.Set("clinic", "1")
	laval.post(theirs, rosterPath, form).want(t, http.StatusSeeOther)
	if roster, _ := s.store.Roster(t.Context(), 2); len(roster) != 1 {
		t.Fatalf("clinic 2's roster: %+v", roster)
	}

	for _, role := range []rdv.Role{rdv.PhoneAgent, rdv.Operator} {
		b := staffBrowser(t, s, accts, role)
		b.do(http.MethodGet, rosterPath, nil).want(t, http.StatusForbidden)
	}
	anon := newBrowser(t, s)
	if loc := anon.do(http.MethodGet, rosterPath, nil).want(t, http.StatusSeeOther).location(t); !signInRedirect(loc) {
		t.Fatalf("anonymous visit led to %s", loc)
	}

	forged := lea()
	forged.Set("first_name", "Marie")
	forged.Set("csrf", "x")
	mine.do(http.MethodPost, rosterPath, forged).want(t, http.StatusForbidden).contains(t, translate("fr", "error.403.csrf"))
	mine.do(http.MethodPost, rosterPath+"/"+strconv.FormatInt(id, 10)+"/retirer", url.Values{"csrf": {"x"}}).want(t, http.StatusForbidden)
	if roster, _ := s.store.Roster(t.Context(), 1); len(roster) != 1 {
		t.Fatalf("a forged post changed the roster: %+v", roster)
	}
}

// TestPortalDayLinksRoster: the desk reaches its roster from the day.
func TestPortalDayLinksRoster(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := staffBrowser(t, s, withStaff(t, s), rdv.Receptionist)
	b.do(http.MethodGet, "/clinique", nil).want(t, http.StatusOK).contains(t, `href="`+rosterPath+`"`, translate("fr", "roster.link"))
}

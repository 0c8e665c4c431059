package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
	"rdv/auth"
)

// staffPages renders, signed in, every page of the clinic portal, the
// phone console and the operator console in one language, with their
// notices and a form sent back with errors, and returns them by name.
// Each language signs in with its own accounts, so that a site can render
// both.
func (s *site) staffPages(t *testing.T, lang string) map[string]answer {
	t.Helper()
	hash, err := auth.HashPassword(testPassword, fastParams)
	if err != nil {
		t.Fatal(err)
	}
	signedIn := func(role rdv.Role) *browser {
		t.Helper()
		a := rdv.Account{Email: string(role) + "." + lang + "@pages.example", Name: string(role), Role: role, PasswordHash: hash, Language: lang}
		if role.ClinicBound() {
			a.ClinicID = 1
		}
		if _, err := s.store.CreateAccount(context.Background(), a); err != nil {
			t.Fatalf("create %s: %v", role, err)
		}
		b := newBrowser(t, s)
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		b.signIn(a.Email, testPassword).want(t, http.StatusSeeOther)
		return b
	}
	pages := map[string]answer{}
	add := func(name string, a answer) { pages["staff: "+name] = a }
	get := func(b *browser, target string, status int) answer {
		t.Helper()
		return b.do(http.MethodGet, target, nil).want(t, status)
	}

	signin := newBrowser(t, s)
	signin.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
	add("sign-in", get(signin, "/connexion?retour=%2Fclinique", http.StatusOK))
	add("sign-in failed", signin.post(pages["staff: sign-in"], "/connexion", url.Values{"email": {"nobody@pages.example"}, "password": {"x"}}))

	date := s.start.String()
	desk := signedIn(rdv.ClinicAdmin)
	day := get(desk, "/clinique?date="+date, http.StatusOK)
	add("day", day)
	for _, notice := range []string{"blocked", "reopened", "status", "cancelled", "not_cancelled", "added", "plan_saved", "conflict", "notfound"} {
		add("day, notice "+notice, get(desk, "/clinique?date="+date+"&avis="+notice, http.StatusOK))
	}
	add("day, add with errors", desk.post(day, "/clinique/creneaux", url.Values{"date": {"x"}, "practitioner": {"99"}, "service": {"x"}, "start": {"x"}, "minutes": {"x"}, "count": {"x"}}).want(t, http.StatusUnprocessableEntity))
	add("week", get(desk, "/clinique/semaine?date="+date, http.StatusOK))
	plan := get(desk, "/clinique/horaire", http.StatusOK)
	add("plan", plan)
	add("plan, other practitioner", get(desk, "/clinique/horaire?praticien=2", http.StatusOK))

	// Practitioner 1's 09:45 or 10:00 on the first day, free.
	slot := map[string]string{"fr": "4", "en": "5"}[lang]
	held := desk.post(day, "/clinique/reserver", url.Values{"slot_id": {slot}}).want(t, http.StatusSeeOther).location(t)
	if !strings.HasPrefix(held, "/clinique/reservation/") {
		t.Fatalf("holding slot %s led to %s", slot, held)
	}
	form := get(desk, held, http.StatusOK)
	add("clinic booking form", form)
	add("clinic booking form with errors", desk.sentBack(desk.post(form, held, url.Values{"health_number": {"x"}, "email": {"x@"}, "language": {lang}}), held))
	done := desk.post(form, held, url.Values{"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"1985-04-07"}, "health_number": {"TREL85540712"},
		"phone": {"514-555-0123"}, "language": {lang}, "channel": {"sur_place"}, "cle": {hiddenValue(t, form.body, "cle")}}).want(t, http.StatusSeeOther).location(t)
	add("clinic confirmation", get(desk, done, http.StatusOK))
	add("day with a booking by the clinic", get(desk, "/clinique?date="+date, http.StatusOK))
	add("not the agent's", get(desk, "/agent", http.StatusForbidden))

	agent := signedIn(rdv.PhoneAgent)
	add("console", get(agent, "/agent", http.StatusOK))
	add("console, slot taken", get(agent, "/agent?avis=slot_taken", http.StatusOK))
	add("console, bad search", get(agent, "/agent?service=x&lieu=Atlantide&rayon=1&du=x&au=y", http.StatusUnprocessableEntity))
	search := "/agent?" + url.Values{"service": {"pediatrics"}, "lieu": {"Montréal"}, "rayon": {"25"}, "inscrit": {"1"},
		"du": {date}, "au": {s.start.AddDays(2).String()}}.Encode()
	results := get(agent, search, http.StatusOK)
	add("console results", results)
	add("console, nothing found", get(agent, "/agent?service=prenatal&lieu=Gasp%C3%A9&rayon=5", http.StatusOK))
	held = agent.post(results, "/agent/reserver", url.Values{"slot_id": {hiddenValue(t, results.body, "slot_id")}}).want(t, http.StatusSeeOther).location(t)
	form = get(agent, held, http.StatusOK)
	add("agent booking form", form)
	// Pediatrics: a patient of 15, who may book for herself.
	good := url.Values{"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"2011-04-07"}, "health_number": {"TREL11540712"},
		"phone": {"514-555-0123"}, "language": {lang}, "cle": {hiddenValue(t, form.body, "cle")}}
	done = agent.post(form, held, good).want(t, http.StatusSeeOther).location(t)
	if !strings.HasPrefix(done, "/agent/confirmation/") {
		t.Fatalf("the agent's booking led to %s", done)
	}
	add("agent confirmation", get(agent, done, http.StatusOK))
	add("hold used", get(agent, held, http.StatusNotFound))

	op := signedIn(rdv.Operator)
	add("operator console", get(op, "/operateur", http.StatusOK))
	add("operator fees", get(op, "/operateur/frais", http.StatusOK))
	add("operator load, nothing reported", get(op, "/operateur/charge", http.StatusOK))
	withLoad(s)
	add("operator load", get(op, "/operateur/charge", http.StatusOK))
	for name, a := range s.rosterAndMessagePages(t, lang, desk, op) {
		add(name, a)
	}
	for name, a := range s.integrationPages(t, desk) {
		add(name, a)
	}
	for name, a := range s.securityPages(t, lang, op) {
		add(name, a)
	}
	return pages
}

package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// sentBack follows a staff form sent back with messages
// (post/redirect/get): the post answers 303 to the form's page, whose
// GET, with the cookie the post set, shows what was typed and every
// message (200).
func (b *browser) sentBack(a answer, page string) answer {
	b.t.Helper()
	a.want(b.t, http.StatusSeeOther)
	if loc := a.location(b.t); loc != page {
		b.t.Fatalf("%s %s: sent to %s, want the form's page %s", a.Request.Method, a.Request.URL, loc, page)
	}
	return b.do(http.MethodGet, page, nil).want(b.t, http.StatusOK)
}

// TestStaffBookingSentBack: at the desk and the agent's console, a
// booking form with mistakes is answered by a redirect to the form's
// page, which shows what was typed and each message once; a reload keeps
// the values without the messages; another staff account on the same
// browser gets none of it; the corrected form books and forgets it.
func TestStaffBookingSentBack(t *testing.T) {
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	for _, tc := range []struct {
		role         rdv.Role
		prefix, home string
		other        rdv.Role // another account that books there
		slot         string   // "" for the first of the home page
	}{
		{rdv.Receptionist, "/clinique", "/clinique?date=" + s.start.String(), rdv.ClinicAdmin, "3"},
		{rdv.PhoneAgent, "/agent", "/agent?service=pediatrics&lieu=Montr%C3%A9al&rayon=25&inscrit=1", "", ""},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			b := staffBrowser(t, s, accts, tc.role)
			home := b.do(http.MethodGet, tc.home, nil).want(t, http.StatusOK)
			slot := tc.slot
			if slot == "" {
				slot = hiddenValue(t, home.body, "slot_id")
			}
			held := b.post(home, tc.prefix+"/reserver", url.Values{"slot_id": {slot}}).want(t, http.StatusSeeOther).location(t)
			form := b.do(http.MethodGet, held, nil).want(t, http.StatusOK)
			bad := url.Values{"first_name": {"Léa"}, "last_name": {""}, "birth_date": {"2011-04-07"}, "health_number": {"TREL8554"},
				"phone": {"514-555-0123"}, "language": {"fr"}, "cle": {hiddenValue(t, form.body, "cle")}}
			page := b.sentBack(b.post(form, held, cloneValues(bad)), held)
			page.contains(t, `value="Léa"`, `value="TREL8554"`, translate("fr", "form.errors"),
				`id="f-last-name-error"`, `id="f-health-number-error"`, `href="#f-last-name"`, `href="#f-health-number"`)
			if n := strings.Count(page.body, `id="f-last-name-error"`); n != 1 {
				t.Errorf("the last name's message shows %d times, want once", n)
			}
			again := b.do(http.MethodGet, held, nil).want(t, http.StatusOK)
			again.contains(t, `value="Léa"`)
			again.lacks(t, translate("fr", "form.errors"))

			if tc.other != "" {
				// The same cookie in another account's browser opens nothing.
				o := staffBrowser(t, s, accts, tc.other)
				for name, c := range b.cookies {
					if name == staffDraftCookie {
						o.cookies[name] = c
					}
				}
				o.do(http.MethodGet, held, nil).want(t, http.StatusOK).lacks(t, `value="Léa"`)
			}

			good := cloneValues(bad)
			good.Set("last_name", "Tremblay")
			good.Set("health_number", "TREL11540712")
			good.Set("cle", hiddenValue(t, again.body, "cle"))
			done := b.post(again, held, good).want(t, http.StatusSeeOther)
			if !strings.HasPrefix(done.location(t), tc.prefix+"/confirmation/") {
				t.Fatalf("the corrected form led to %s", done.location(t))
			}
			if _, kept := b.cookies[staffDraftCookie]; kept {
				t.Error("the draft outlives the booking")
			}
		})
	}
}

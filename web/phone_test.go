package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rdv"
)

// TestStaffPagesShowPhonesReadably: a phone typed any way is kept in
// E.164; the desk's slot page and the day's CSV show it as people read
// it.
func TestStaffPagesShowPhonesReadably(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := staffBrowser(t, s, accts, rdv.Receptionist)
	day := b.do(http.MethodGet, "/clinique?date="+s.start.String(), nil).want(t, http.StatusOK)
	held := b.post(day, "/clinique/reserver", url.Values{"slot_id": {"4"}}).want(t, http.StatusSeeOther).location(t)
	form := b.do(http.MethodGet, held, nil).want(t, http.StatusOK)
	b.post(form, held, url.Values{"first_name": {"Léa"}, "last_name": {"Tremblay"}, "birth_date": {"1985-04-07"}, "health_number": {"TREL85540712"},
		"phone": {"(514) 555-0123"}, "language": {"fr"}, "channel": {"sur_place"}, "cle": {hiddenValue(t, form.body, "cle")}}).want(t, http.StatusSeeOther)

	item := b.do(http.MethodGet, "/clinique/creneau/4", nil).want(t, http.StatusOK)
	item.contains(t, "Léa Tremblay", "514 555-0123")
	csv := b.do(http.MethodGet, "/clinique/journee.csv?date="+s.start.String(), nil).want(t, http.StatusOK)
	csv.contains(t, "514 555-0123")
	for name, a := range map[string]answer{"slot page": item, "CSV": csv} {
		if strings.Contains(a.body, "+15145550123") {
			t.Errorf("the %s shows the stored form of the phone", name)
		}
	}
}

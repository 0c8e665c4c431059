package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rdv"
)

var rescheduleOtherRE = regexp.MustCompile(`<form class="other" method="post" action="([^"]+)">`)

// TestRescheduleOtherReleasesHold (issue 11, item 1, rescheduling): the
// confirm page's « Choisir une autre heure » gives the hold back and
// returns to the list of other times as it was, so comparing times
// never locks the person out by the cap on live holds; a link that does
// not open the appointment releases nothing.
func TestRescheduleOtherReleasesHold(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			rs := newRescheduling(t, lang)
			list := rescheduleURL(rs.id, rs.token, "")
			first := rs.list(t).Get("slot_id")
			for i := range 5 { // more than the 3 live holds a client may have
				formURL, slot := rs.hold(t)
				page := rs.s.get(formURL, lang).want(t, http.StatusOK)
				page.contains(t, translate(lang, "resched.other"))
				m := rescheduleOtherRE.FindStringSubmatch(page.body)
				if m == nil {
					t.Fatalf("the confirm page has no form to choose another time:\n%s", page.body)
				}
				other := unescape(m[1])
				h := strings.Split(confirmAction(formURL), "/")[4] // /rendez-vous/{id}/changer/{hold}
				if i == 0 {
					// A wrong link, or no CSRF token: the hold stays.
					rs.s.post(other, url.Values{"token": {"x" + rs.token}}, lang).want(t, http.StatusNotFound)
					rs.s.post(other, url.Values{"token": {rs.token}, "csrf": {""}}, lang).want(t, http.StatusForbidden)
					if sl, _ := rs.s.store.Slot(context.Background(), slot); sl.State != rdv.SlotHeld || sl.HoldID != h {
						t.Fatalf("the hold was released without the appointment's link: %+v", sl)
					}
				}
				loc := rs.s.post(other, url.Values{"token": {hiddenValue(t, page.body, "token")}}, lang).want(t, http.StatusSeeOther).location(t)
				if loc != list {
					t.Fatalf("choosing another time led to %s, want the list %s", loc, list)
				}
				if sl, _ := rs.s.store.Slot(context.Background(), slot); sl.State != rdv.SlotFree {
					t.Fatalf("choice %d: the time is still %s after choosing another", i, sl.State)
				}
				if got := rs.list(t).Get("slot_id"); got != first {
					t.Fatalf("choice %d: the list starts with %s, want %s as before", i, got, first)
				}
			}
			if a := rs.appointment(t); a.Slot.ID != rs.before.Slot.ID || a.Status != rdv.Booked {
				t.Fatalf("the appointment changed: %+v", a)
			}
		})
	}
}

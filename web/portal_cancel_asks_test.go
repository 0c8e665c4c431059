package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rdv"
)

// cancelDetails is the one way the desk offers to cancel: a <details>
// whose summary opens it, holding the form whose button confirms.
var cancelDetails = regexp.MustCompile(`(?s)<details class="cancel"><summary[^>]*>([^<]*)</summary>\s*<form method="post" action="/clinique/rendez-vous/(\d+)/annuler"[^>]*>.*?<button type="submit" class="danger">([^<]*)</button></form>\s*</details>`)

// TestPortalCancelAsksOnce: at the desk, cancelling asks once too, and
// without JavaScript: the day view has no control that cancels, and the
// appointment's page, which says whose appointment it is and when, holds
// its one cancel form inside a <details>: a first click opens it, the
// button inside confirms. In both languages.
func TestPortalCancelAsksOnce(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			s := mustOpenSite(t)
			accts := withStaff(t, s)
			b := staffBrowser(t, s, accts, rdv.Receptionist)
			day := b.do(http.MethodGet, "/clinique?lang="+lang+"&date="+s.start.String(), nil).want(t, http.StatusOK)
			if strings.Contains(day.body, "/annuler") {
				t.Fatal("the day view has a control that cancels at once")
			}
			page := b.do(http.MethodGet, "/clinique/rendez-vous/1?lang="+lang, nil).want(t, http.StatusOK)
			a, err := s.store.Appointment(t.Context(), 1)
			if err != nil {
				t.Fatal(err)
			}
			page.contains(t, "Marie Lavoie", FormatClock(a.Slot.Start, lang))
			if n := strings.Count(page.body, `action="/clinique/rendez-vous/1/annuler"`); n != 1 {
				t.Fatalf("the appointment's page has %d cancel forms, want 1", n)
			}
			m := cancelDetails.FindStringSubmatch(page.body)
			if m == nil {
				t.Fatalf("the cancel form is not inside a <details> that asks first:\n%s", page.body)
			}
			if m[1] != translate(lang, "portal.cancel") || m[2] != "1" || m[3] != htmlText(translate(lang, "portal.cancel.confirm")) {
				t.Fatalf("the desk asks %q and confirms %q for appointment %s", m[1], m[3], m[2])
			}
		})
	}
}

package web

import (
	"net/http"
	"testing"

	"rdv"
)

// TestPortalNoticesInPageLanguage: the one-time notices of the day view,
// of the plan's exceptions and of the operators' console come in the page's language, not always in
// French: they are translated once the language is known.
func TestPortalNoticesInPageLanguage(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := staffBrowser(t, s, accts, rdv.ClinicAdmin)
			day := b.do(http.MethodGet, "/clinique?avis=blocked&date="+s.start.String()+"&lang="+lang, nil).want(t, http.StatusOK)
			day.contains(t, `<html lang="`+lang+`"`, translate(lang, "portal.notice.blocked"))
			exc := b.do(http.MethodGet, "/clinique/horaire/exceptions?praticien=1&avis=removed&lang="+lang, nil).want(t, http.StatusOK)
			exc.contains(t, `<html lang="`+lang+`"`, translate(lang, "portal.exc.notice.removed"))
			op := staffBrowser(t, s, accts, rdv.Operator).do(http.MethodGet, "/operateur?avis=banner_set&lang="+lang, nil).want(t, http.StatusOK)
			op.contains(t, `<html lang="`+lang+`"`, translate(lang, "op.notice.banner_set"))
		})
	}
}

package web

import (
	"fmt"
	"net/http"
	"testing"
)

// rosterAndMessagePages renders the pages of the clinic's roster, the
// operators' messages and outages, in the language of the signed-in desk
// and operator, for the checks every page passes (everyPage). The site
// is shared by both languages' calls: each books its own slot.
func (s *site) rosterAndMessagePages(t *testing.T, lang string, desk, op *browser) map[string]answer {
	t.Helper()
	pages := map[string]answer{}
	get := func(b *browser, target string, status int) answer {
		t.Helper()
		return b.do(http.MethodGet, target, nil).want(t, status)
	}

	roster := get(desk, rosterPath, http.StatusOK)
	pages["roster"] = roster
	bad := lea()
	bad.Set("health_number", "x")
	bad.Set("birth_date", "x")
	pages["roster with errors"] = desk.sentBack(desk.post(roster, rosterPath, bad), rosterPath)
	added := desk.post(roster, rosterPath, lea()).want(t, http.StatusSeeOther).location(t)
	pages["roster, patient added"] = get(desk, added, http.StatusOK)
	pages["roster, search found nothing"] = get(desk, rosterPath+"?q=Personne", http.StatusOK)

	o := withOutbox(t, s, map[string]int64{"fr": 7, "en": 8}[lang])
	pages["desk appointment with messages"] = get(desk, fmt.Sprintf("/clinique/rendez-vous/%d", o.appt.ID), http.StatusOK)
	pages["messages"] = get(op, messagesPath, http.StatusOK)
	pages["messages, problems by text"] = get(op, messagesPath+"?statut=problemes&canal=sms", http.StatusOK)
	pages["message sent"] = get(op, messagePath(o.sent), http.StatusOK)
	pages["message failed, resent"] = get(op, messagePath(o.failed)+"?avis=resent", http.StatusOK)
	pages["message uncertain"] = get(op, messagePath(o.uncertain), http.StatusOK)
	pages["sign-in code"] = get(op, messagePath(o.code), http.StatusOK)

	incidents := get(op, incidentsPath, http.StatusOK)
	pages["incidents"] = incidents
	pages["incidents, clinics found"] = get(op, incidentsPath+"?chercher=Montr%C3%A9al", http.StatusOK)
	pages["incidents, no clinic found"] = get(op, incidentsPath+"?chercher=Atlantide", http.StatusOK)
	wrong := s.outage()
	wrong.Set("clinics", "1, 999")
	wrong.Set("to_time", "x")
	pages["incident with errors"] = op.sentBack(op.post(incidents, incidentsPath+"/apercu", wrong), incidentsPath)
	preview := op.post(incidents, incidentsPath+"/apercu", s.outage()).want(t, http.StatusOK)
	pages["incident preview"] = preview
	nobody := s.outage()
	nobody.Set("clinics", "3")
	nobody.Set("from_time", "13:00")
	nobody.Set("to_time", "14:00")
	pages["incident preview, nobody told"] = op.post(incidents, incidentsPath+"/apercu", nobody).want(t, http.StatusOK)
	done := op.post(preview, incidentsPath, s.outage()).want(t, http.StatusSeeOther).location(t)
	pages["incident declared"] = get(op, done, http.StatusOK)
	return pages
}

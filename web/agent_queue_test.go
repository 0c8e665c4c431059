package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/i18n"
	"rdv/storetest"
)

// TestAgentQueueNeedsPersonFirst: the agents' list shows the requests
// still worked, an urgent child's unmatched for over an hour first and
// marked to call, then by priority and age, each with its criteria.
func TestAgentQueueNeedsPersonFirst(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	now := time.Now()
	add := func(ref string, age time.Duration, edit func(*rdv.AppointmentRequest)) {
		r := storetest.MatchRequest(ref, now.Add(-age))
		r.From = now
		edit(&r)
		if _, err := s.store.AddRequest(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	add("D-AAAA-0000-0001", 5*time.Hour, func(r *rdv.AppointmentRequest) { r.Urgent = false })
	add("D-AAAA-0000-0002", 20*time.Minute, func(r *rdv.AppointmentRequest) { r.Child = true })
	add("D-AAAA-0000-0003", 90*time.Minute, func(r *rdv.AppointmentRequest) {
		r.Child, r.Weekdays, r.Times = true, 1<<time.Tuesday, "00:00-12:00"
	})
	add("D-AAAA-0000-0004", 2*time.Hour, func(r *rdv.AppointmentRequest) { r.Status = rdv.RequestClosed })
	for _, lang := range []string{"fr", "en"} {
		b := inLang(staffBrowser(t, s, accts, rdv.PhoneAgent), lang)
		page := b.do(http.MethodGet, "/agent/demandes", nil).want(t, http.StatusOK)
		order := []int{}
		for _, ref := range []string{"D-AAAA-0000-0003", "D-AAAA-0000-0002", "D-AAAA-0000-0001"} {
			order = append(order, strings.Index(page.body, ref))
		}
		if order[0] < 0 || order[0] > order[1] || order[1] > order[2] {
			t.Fatalf("%s: order of the list %v, want the urgent child past the hour, the urgent child, the oldest", lang, order)
		}
		if strings.Contains(page.body, "D-AAAA-0000-0004") {
			t.Errorf("%s: a closed request is in the list of those to work", lang)
		}
		page.contains(t, translate(lang, "req.list.needs_person"), translate(lang, "req.criteria.days", "")+i18n.Weekday(time.Tuesday, lang),
			translate(lang, "search.moment.matin"))
		if strings.Count(page.body, `class="needs-person"`) != 1 {
			t.Errorf("%s: %d requests marked to call, want 1", lang, strings.Count(page.body, `class="needs-person"`))
		}
	}
}

// TestAgentSeesWhatHappened: a request's page shows the slot proposed
// while its person answers, and its history: proposals made, declined,
// and who closed it, when and why.
func TestAgentSeesWhatHappened(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	m := withMatcher(t, s)
	r, token, p := proposedRequest(t, s, m, "D-AAAA-HIST-0001")
	b := staffBrowser(t, s, accts, rdv.PhoneAgent)
	id := strconv.FormatInt(r.ID, 10)
	page := b.do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusOK)
	where := FormatDateTime(p.Slot.Start, "fr") + ", " + s.srv.viewSlot(p.Slot).ClinicName
	page.contains(t, translate("fr", "req.agent.proposal"), translate("fr", "req.history.received"), translate("fr", "req.history.proposed", where))

	if _, err := m.Decline(t.Context(), r.Reference, token, p.ID); err != nil {
		t.Fatal(err)
	}
	page = b.do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusOK)
	page.contains(t, translate("fr", "req.history.declined", where), `action="/agent/demandes/`+id+`/fermer"`)
	if strings.Contains(page.body, translate("fr", "req.agent.proposal")) {
		t.Error("a declined proposal is shown as live")
	}
	b.post(page, "/agent/demandes/"+id+"/fermer", url.Values{"reason": {"unreachable"}}).want(t, http.StatusSeeOther)
	page = b.do(http.MethodGet, "/agent/demandes/"+id, nil).want(t, http.StatusOK)
	page.contains(t, translate("fr", "req.history.closed", accts[rdv.PhoneAgent].Email, translate("fr", "req.reason.unreachable")))
}

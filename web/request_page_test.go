package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/match"
	"rdv/spool"
	"rdv/storetest"
)

// storeAcceptor takes requests straight into the store, as the spool
// does once it replays: a test reads at once what the form filed.
type storeAcceptor struct{ store rdv.RequestStore }

func (a storeAcceptor) Accept(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	r.Reference, r.Status, r.ReceivedAt = spool.NewReference(), rdv.RequestOpen, time.Now().UTC().Truncate(time.Millisecond)
	return a.store.AddRequest(ctx, r)
}

// withMatcher gives the site a matcher over its store and index, and
// requests taken straight into the store.
func withMatcher(t *testing.T, s *site) *match.Engine {
	t.Helper()
	m := match.New(s.store, s.index, match.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.srv.d.Matcher = m
	s.srv.d.Requests = storeAcceptor{s.store}
	return m
}

// filed returns the one request in the store.
func filed(t *testing.T, s *site) rdv.AppointmentRequest {
	t.Helper()
	rs, err := s.store.Requests(t.Context(), "", 10)
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d requests stored (%v), want 1", len(rs), err)
	}
	return rs[0]
}

var requestLinkRE = regexp.MustCompile(`href="(/demande/D-[0-9A-Z-]+\?token=[^"]+)"`)

func TestRequestFormTakesCriteria(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			withMatcher(t, s)
			b := inLang(newBrowser(t, s), lang)
			form := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
			// The fee of the whole network, with its taxes, is shown
			// before anything is asked.
			form.contains(t, `name="weekdays" value="mon"`, `name="times" value="morning"`, `name="practitioner_language"`,
				`value="network"`, feeLinesOf(rdv.DefaultFeeConfig().Quote(), lang).Total)
			v := requestForm(lang)
			v.Set("place", "Montréal")
			v.Set("from", s.start.String())
			v.Set("to", s.start.AddDays(6).String())
			v["weekdays"] = []string{"mon", "wed", "fri"}
			v["times"] = []string{"morning", "evening"}
			v.Set("practitioner_language", "en")
			v.Set("scope", "network")
			sent := b.follow(b.post(form, "/demande", v)).want(t, http.StatusOK)
			m := requestLinkRE.FindStringSubmatch(sent.body)
			if m == nil {
				t.Fatalf("no link to the request's page:\n%s", sent.body)
			}
			req := filed(t, s)
			if !req.From.Equal(s.start.Start(rdv.Toronto)) || !req.To.Equal(s.start.AddDays(7).Start(rdv.Toronto)) ||
				req.Weekdays != 1<<time.Monday|1<<time.Wednesday|1<<time.Friday || req.Times != "00:00-12:00,17:00-24:00" ||
				req.PractitionerLanguage != "en" || req.Scope != rdv.ScopeNetwork || req.Lat == 0 || req.TokenHash == "" {
				t.Fatalf("stored %+v", req)
			}
			page := b.do(http.MethodGet, htmlUnescape(m[1]), nil).want(t, http.StatusOK)
			page.contains(t, req.Reference, translate(lang, "req.public.open"), translate(lang, "req.withdraw.submit"))
			if got := page.Header.Get("Cache-Control"); got != "private, no-store" {
				t.Errorf("Cache-Control %q", got)
			}
		})
	}
}

func htmlUnescape(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

func TestRequestFormRefusesCriteria(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	withMatcher(t, s)
	tests := []struct {
		name, field, key string
		edit             func(v url.Values)
	}{
		{"a from that is no date", "from", "err.date", func(v url.Values) { v.Set("from", "demain") }},
		{"a to before the from", "to", "err.date_order", func(v url.Values) {
			v.Set("from", s.start.AddDays(5).String())
			v.Set("to", s.start.AddDays(2).String())
		}},
		{"a to in the past", "to", "err.date_past", func(v url.Values) { v.Set("to", "2020-01-01") }},
		{"an unknown day", "weekdays", "req.err.weekdays", func(v url.Values) { v["weekdays"] = []string{"mon", "someday"} }},
		{"an unknown time", "times", "err.moment", func(v url.Values) { v["times"] = []string{"night"} }},
		{"a language not offered", "practitioner_language", "req.err.practitioner_language", func(v url.Values) { v.Set("practitioner_language", "de") }},
		{"one's own clinic without signing in", "scope", "req.err.scope_signin", func(v url.Values) { v.Set("scope", "own_clinic") }},
		{"a place nobody finds", "place", "err.place", func(v url.Values) { v.Set("place", "Atlantide") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			form := b.do(http.MethodGet, "/demande", nil).want(t, http.StatusOK)
			v := requestForm("fr")
			v.Set("place", "Montréal")
			tt.edit(v)
			back := b.follow(b.post(form, "/demande", v)).want(t, http.StatusOK)
			back.contains(t, `id="`+fieldID(tt.field)+`-error"`, translate("fr", tt.key))
		})
	}
	if rs, _ := s.store.Requests(t.Context(), "", 10); len(rs) != 0 {
		t.Fatalf("%d requests stored from forms with mistakes", len(rs))
	}
}

// proposedRequest files a request that the matcher proposes a slot to,
// and returns it with its token and the proposal.
func proposedRequest(t *testing.T, s *site, m *match.Engine, ref string) (rdv.AppointmentRequest, string, rdv.Proposal) {
	t.Helper()
	r, err := s.store.AddRequest(t.Context(), storetest.MatchRequest(ref, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := m.Admit(t.Context(), r)
	if err != nil || !ok {
		t.Fatalf("no proposal for %s (%v)", ref, err)
	}
	return r, storetest.RequestToken(ref), p
}

func TestRequestPageAnswers(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			m := withMatcher(t, s)
			r, token, p := proposedRequest(t, s, m, "D-AAAA-AAAA-AAA1")
			b := inLang(newBrowser(t, s), lang)
			path := requestPagePathFor(r.Reference, token)

			// A wrong token, or none, reads as an unknown request.
			for _, bad := range []string{"/demande/" + r.Reference, requestPagePathFor(r.Reference, "not-it"), requestPagePathFor("D-0000-0000-0000", token)} {
				b.do(http.MethodGet, bad, nil).want(t, http.StatusNotFound).contains(t, translate(lang, "req.page.notfound"))
			}
			page := b.do(http.MethodGet, path, nil).want(t, http.StatusOK)
			page.contains(t, translate(lang, "req.public.proposed"), translate(lang, "req.proposal.accept"), FormatDateTime(p.Slot.Start, lang),
				`name="proposal" value="`+p.ID+`"`)
			answer := func(action string) url.Values {
				return url.Values{"token": {token}, "proposal": {hiddenValue(t, page.body, "proposal")}}
			}

			// Without the form's token, nothing is answered.
			forged := answer("")
			forged.Set("csrf", "x")
			b.do(http.MethodPost, "/demande/"+r.Reference+"/accepter", forged).want(t, http.StatusForbidden)

			// Declined: the slot is given back, the request waits again.
			loc := b.post(page, "/demande/"+r.Reference+"/refuser", answer("refuser")).want(t, http.StatusSeeOther).location(t)
			if loc != requestPagePathFor(r.Reference, token, "declined") {
				t.Fatalf("declining leads to %s", loc)
			}
			b.do(http.MethodGet, loc, nil).want(t, http.StatusOK).contains(t, translate(lang, "req.notice.declined"), translate(lang, "req.public.open"))
			if sl, _ := s.store.Slot(t.Context(), p.Slot.ID); sl.State != rdv.SlotFree {
				t.Fatalf("declined slot is %s", sl.State)
			}
			// Declining the same proposal again changes nothing.
			b.post(page, "/demande/"+r.Reference+"/refuser", answer("refuser")).want(t, http.StatusSeeOther)

			// Accepting the old proposal is refused: it is no longer live.
			if loc := b.post(page, "/demande/"+r.Reference+"/accepter", answer("accepter")).want(t, http.StatusSeeOther).location(t); loc != requestPagePathFor(r.Reference, token, "not_live") {
				t.Fatalf("accepting a declined proposal leads to %s", loc)
			}

			// The next proposal, accepted: booked, and on to the
			// appointment's own page.
			again, _ := s.store.Request(t.Context(), r.ID)
			p2, ok, err := m.Admit(t.Context(), again)
			if err != nil || !ok || p2.Slot.ID == p.Slot.ID {
				t.Fatalf("second proposal %+v %v %v", p2, ok, err)
			}
			page = b.do(http.MethodGet, path, nil).want(t, http.StatusOK)
			loc = b.post(page, "/demande/"+r.Reference+"/accepter", answer("accepter")).want(t, http.StatusSeeOther).location(t)
			if !strings.HasPrefix(loc, "/rendez-vous/") {
				t.Fatalf("accepting leads to %s", loc)
			}
			b.do(http.MethodGet, loc, nil).want(t, http.StatusOK).contains(t, translate(lang, "appt.title.booked"))
			done := b.do(http.MethodGet, path, nil).want(t, http.StatusOK)
			done.contains(t, translate(lang, "req.public.booked"), FormatDateTime(p2.Slot.Start, lang))
			if strings.Contains(done.body, translate(lang, "req.withdraw.submit")) {
				t.Error("a booked request offers to withdraw it")
			}
			// Withdrawing it now changes nothing.
			if loc := b.post(page, "/demande/"+r.Reference+"/retirer", url.Values{"token": {token}}).want(t, http.StatusSeeOther).location(t); loc != requestPagePathFor(r.Reference, token, "not_open") {
				t.Fatalf("withdrawing a booked request leads to %s", loc)
			}
		})
	}
}

func TestRequestPageWithdraw(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	m := withMatcher(t, s)
	r, token, p := proposedRequest(t, s, m, "D-AAAA-AAAA-AAA2")
	b := newBrowser(t, s)
	page := b.do(http.MethodGet, requestPagePathFor(r.Reference, token), nil).want(t, http.StatusOK)
	loc := b.post(page, "/demande/"+r.Reference+"/retirer", url.Values{"token": {token}}).want(t, http.StatusSeeOther).location(t)
	b.do(http.MethodGet, loc, nil).want(t, http.StatusOK).contains(t, translate("fr", "req.notice.withdrawn"), translate("fr", "req.public.withdrawn"))
	if got, _ := s.store.Request(t.Context(), r.ID); got.Status != rdv.RequestWithdrawn {
		t.Fatalf("request is %s", got.Status)
	}
	if sl, _ := s.store.Slot(t.Context(), p.Slot.ID); sl.State != rdv.SlotFree {
		t.Fatalf("the proposed slot of a withdrawn request is %s", sl.State)
	}
	// A wrong token withdraws nothing.
	other, _, _ := proposedRequest(t, s, m, "D-AAAA-AAAA-AAA3")
	b.post(page, "/demande/"+other.Reference+"/retirer", url.Values{"token": {token}}).want(t, http.StatusNotFound)
	if got, _ := s.store.Request(t.Context(), other.ID); got.Status != rdv.RequestProposed {
		t.Fatalf("another's token withdrew a request: %s", got.Status)
	}
}

// requestPages renders the request form and a request's page, for the
// checks every page passes (french_test.go).
func (s *site) requestPages(t *testing.T, lang string) map[string]answer {
	t.Helper()
	if s.srv.d.Matcher == nil {
		s.srv.d.Matcher = match.New(s.store, s.index, match.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	ref := map[string]string{"fr": "D-PAGE-0000-00F0", "en": "D-PAGE-0000-00E0"}[lang]
	r, token, _ := proposedRequest(t, s, s.srv.d.Matcher, ref)
	pages := map[string]answer{
		"request form":      s.get("/demande", lang).want(t, http.StatusOK),
		"request proposed":  s.get(requestPagePathFor(r.Reference, token), lang).want(t, http.StatusOK),
		"request not found": s.get(requestPagePathFor(r.Reference, "x"), lang).want(t, http.StatusNotFound),
	}
	if _, err := s.srv.d.Matcher.Withdraw(t.Context(), r.Reference, token); err != nil {
		t.Fatal(err)
	}
	pages["request withdrawn"] = s.get(requestPagePathFor(r.Reference, token, "withdrawn"), lang).want(t, http.StatusOK)
	return pages
}

package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rdv"
)

// TestReadOnlyMode: an operator switches read-only mode on from the
// console; search keeps answering, pages and API alike, while holds,
// bookings and desk writes are refused with a clear message, and the
// banner says so above the operator's own text.
func TestReadOnlyMode(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	if err := s.store.SetBanner(t.Context(), rdv.Banner{TextFR: "Texte de l'opérateur", TextEN: "Operator text", Level: "info"}); err != nil {
		t.Fatal(err)
	}
	// A results page someone had open before the mode came on: read-only
	// results offer no time to choose.
	chosen := firstSlotForm(t, s.get(s.searchQuery(), "fr").want(t, http.StatusOK).body)
	op := staffBrowser(t, s, accts, rdv.Operator)
	console := op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK)
	console.contains(t, `href="/operateur/modes"`)
	modes := op.do(http.MethodGet, "/operateur/modes", nil).want(t, http.StatusOK)
	op.post(modes, "/operateur/modes", url.Values{"read_only": {"on"}}).want(t, http.StatusSeeOther)
	if m, err := s.store.Modes(t.Context()); err != nil || !m.ReadOnly || m.WaitingRoom || m.SetBy != accts[rdv.Operator].ID {
		t.Fatalf("stored modes = %+v, %v", m, err)
	}

	page := s.get(s.searchQuery(), "fr").want(t, http.StatusOK)
	page.contains(t, "Mode lecture seule")
	if i, j := strings.Index(page.body, "Mode lecture seule"), strings.Index(page.body, "Texte de l&#39;opérateur"); i < 0 || j < 0 || i > j {
		t.Fatalf("the mode should show above the operator's banner (at %d and %d)", i, j)
	}
	s.get("/api/v1/slots?near=45.5017,-73.5673&service=general", "").want(t, http.StatusOK)

	refused := s.post("/reserver", chosen, "en").want(t, http.StatusServiceUnavailable)
	refused.contains(t, "read-only")
	if refused.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After on a refused write")
	}
	api := s.post("/api/v1/holds", url.Values{}, "").want(t, http.StatusServiceUnavailable)
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(api.body), &body); err != nil || body.Error.Code != "read_only" || body.Error.Message == "" {
		t.Fatalf("API refusal %q: %v", api.body, err)
	}
	agent := staffBrowser(t, s, accts, rdv.PhoneAgent)
	desk := agent.do(http.MethodGet, "/agent", nil).want(t, http.StatusOK)
	agent.post(desk, "/agent/reserver", url.Values{}).want(t, http.StatusServiceUnavailable)

	// Off again: writes go through.
	modes = op.do(http.MethodGet, "/operateur/modes", nil).want(t, http.StatusOK)
	op.post(modes, "/operateur/modes", url.Values{}).want(t, http.StatusSeeOther)
	page = s.get(s.searchQuery(), "fr").want(t, http.StatusOK)
	if strings.Contains(page.body, "Mode lecture seule") {
		t.Fatal("the banner still shows read-only mode")
	}
	s.post("/reserver", firstSlotForm(t, page.body), "fr").want(t, http.StatusSeeOther)
}

func TestModesSwitchIsForOperators(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	staffBrowser(t, s, accts, rdv.PhoneAgent).do(http.MethodGet, "/operateur/modes", nil).want(t, http.StatusForbidden)
	newBrowser(t, s).do(http.MethodGet, "/operateur/modes", nil).want(t, http.StatusSeeOther)
	s.post("/operateur/modes", url.Values{"read_only": {"on"}}, "").want(t, http.StatusSeeOther) // to sign-in
	if m, _ := s.store.Modes(t.Context()); m.ReadOnly {
		t.Fatal("someone not signed in switched read-only mode on")
	}
}

func TestWaitingRoomShowsInBanner(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	s.srv.d.WaitingRoomOpen = func(time.Time) bool { return true }
	s.get("/", "en").want(t, http.StatusOK).contains(t, "Waiting room in use")
}

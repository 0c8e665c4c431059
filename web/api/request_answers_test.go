package api

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/match"
	"rdv/spool"
)

// matching gives the test API a matcher over its store and index, on the
// API's clock, and a spool that replays into the matcher's feed, as rdv
// serve wires them. The matcher does not run by itself: the test sweeps
// it, so that every proposal is made when the test says.
func matching(t *testing.T, a *testAPI) *match.Engine {
	t.Helper()
	m := match.New(a.store, a.index, match.Config{Now: a.clock.Now}, a.log)
	sp, err := spool.Open(filepath.Join(t.TempDir(), "requests.spool"), m.Feed(a.store), spool.Options{Log: a.log})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; sp.Close() })
	a.handler = New(Deps{Engine: a.engine, Index: a.index, Store: a.store, Log: a.log, Requests: sp, Matcher: m})
	return m
}

// matchedRequest files a request through the API for the small network's
// Plateau clinic, waits for the store to have it, and sweeps the matcher:
// it returns the reference, the token and the proposal made.
func matchedRequest(t *testing.T, a *testAPI, m *match.Engine) (ref, token string, proposal map[string]any) {
	t.Helper()
	body := jsonOf(t, map[string]any{"patient": patientJSON, "service": "general", "lat": 45.5236, "lon": -73.58, "radius_km": 5,
		"to": testStart.AddDays(2).String()})
	got := a.call(request{method: "POST", url: "/api/v1/requests", body: body}, 201)
	ref, token = got["reference"].(string), got["token"].(string)
	waitFor(t, 10*time.Second, "the request in the store", func() bool {
		rs, err := a.store.Requests(t.Context(), "", 10)
		return err == nil && len(rs) > 0 && rs[len(rs)-1].Reference == ref
	})
	proposal = a.sweptProposal(t, m, ref, token)
	return ref, token, proposal
}

// sweptProposal sweeps the matcher and returns the request's proposal as
// GET shows it.
func (a *testAPI) sweptProposal(t *testing.T, m *match.Engine, ref, token string) map[string]any {
	t.Helper()
	if err := m.Sweep(t.Context()); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	got := a.call(request{method: "GET", url: "/api/v1/requests/" + ref + "?token=" + token}, 200)
	p, _ := got["proposal"].(map[string]any)
	if got["status"] != "proposed" || p == nil || p["id"] == "" || p["expires_at"] == nil {
		t.Fatalf("request %v, want it proposed with its proposal", got)
	}
	return p
}

// proposalToken reads the token that the proposal's email carries.
func (a *testAPI) proposalToken(t *testing.T, proposalID string) string {
	t.Helper()
	ms, err := a.store.Messages(t.Context(), rdv.MessageFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Kind == rdv.MessageProposal && m.ProposalID == proposalID && m.Channel == rdv.ByEmail {
			full, err := a.store.Message(t.Context(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full.Secret
		}
	}
	t.Fatalf("no email for proposal %s among %d messages", proposalID, len(ms))
	return ""
}

func answerBody(t *testing.T, token, proposalID string) string {
	in := map[string]any{"token": token}
	if proposalID != "" {
		in["proposal_id"] = proposalID
	}
	return jsonOf(t, in)
}

// TestRequestProposalAccepted: a request filed through the API gets a
// proposal; its message's token reads the request and answers that
// proposal only, never withdraws it; the request's token accepts, and the
// answer shows the appointment with its own token, once.
func TestRequestProposalAccepted(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := matching(t, a)
	ref, token, p := matchedRequest(t, a, m)
	first := p["id"].(string)
	slot := p["slot"].(map[string]any)
	if slot["clinic"].(map[string]any)["id"] != 1.0 || slot["service"] != "general" {
		t.Fatalf("proposed slot %v, want a general slot at the Plateau clinic", slot)
	}
	ptoken := a.proposalToken(t, first)
	if ptoken == "" || ptoken == token {
		t.Fatalf("proposal token %q, want its own", ptoken)
	}
	a.call(request{method: "GET", url: "/api/v1/requests/" + ref + "?token=" + ptoken}, 200)
	a.call(request{method: "GET", url: "/api/v1/requests/" + ref + "?token=wrong"}, 404)
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/withdraw", body: answerBody(t, ptoken, "")}, 404)
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/accept", body: answerBody(t, ptoken, "p_other")}, 409)

	// Declined by the message's link; again, no change.
	for range 2 {
		got := a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/decline", body: answerBody(t, ptoken, "")}, 200)
		if got["status"] != "open" || got["proposal"] != nil {
			t.Fatalf("after declining: %v, want open", got)
		}
	}
	// The next proposal is another slot; the old proposal's token does
	// not answer it.
	p = a.sweptProposal(t, m, ref, token)
	second := p["id"].(string)
	if second == first || p["slot"].(map[string]any)["id"] == slot["id"] {
		t.Fatalf("second proposal %v, want another slot than %v", p, slot)
	}
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/accept", body: answerBody(t, ptoken, "")}, 409)

	got := a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/accept", body: answerBody(t, token, second)}, 200)
	ap, _ := got["appointment"].(map[string]any)
	if got["status"] != "booked" || ap == nil || ap["cancel_token"] == nil || got["appointment_id"] != ap["id"] {
		t.Fatalf("accepted: %v, want booked with the appointment and its token", got)
	}
	again := a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/accept", body: answerBody(t, token, "")}, 200)
	if ap2 := again["appointment"].(map[string]any); ap2["id"] != ap["id"] || ap2["cancel_token"] != nil {
		t.Fatalf("accepted again: %v, want the same appointment without its token", again)
	}
	got = a.call(request{method: "GET", url: "/api/v1/requests/" + ref + "?token=" + token}, 200)
	if got["status"] != "booked" || got["appointment_id"] != ap["id"] || got["token"] != nil {
		t.Fatalf("request %v, want booked with appointment %v and no token", got, ap["id"])
	}
	appt, err := a.store.Appointment(t.Context(), int64(ap["id"].(float64)))
	if err != nil || appt.BookedBy != rdv.ByMatcher || appt.Patient.HealthNumber != "BOUC90061512" {
		t.Fatalf("appointment %+v (%v), want the request's patient booked by the matcher", appt, err)
	}
}

// TestRequestAnswersRefused: each refusal says why, in both languages.
func TestRequestAnswersRefused(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := matching(t, a)
	ref, token, _ := matchedRequest(t, a, m)
	refused := func(path, body string, status int, fr, en string) {
		t.Helper()
		for lang, want := range map[string]string{"fr": fr, "en": en} {
			res, raw := a.do(request{method: "POST", url: "/api/v1/requests/" + ref + path, body: body, headers: map[string]string{"Accept-Language": lang}})
			var e struct{ Error struct{ Message string } }
			if err := json.Unmarshal(raw, &e); err != nil || res.StatusCode != status || e.Error.Message != want {
				t.Fatalf("%s %s: %d %s, want %d %q", path, lang, res.StatusCode, raw, status, want)
			}
		}
	}
	refused("/accept", `{}`, 422, "Le jeton (token) est invalide.", "The token is invalid.")

	// The proposal runs out: accepting it is too late.
	a.clock.Set(testNow.Add(rdv.DefaultProposalTTL + time.Minute))
	refused("/accept", answerBody(t, token, ""), 410,
		"Cette proposition a expiré : la plage horaire n'est plus retenue pour vous. Votre demande reste ouverte et une autre plage vous sera proposée.",
		"This proposal has expired: the time slot is no longer held for you. Your request stays open and another time slot will be offered to you.")

	got := a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/withdraw", body: answerBody(t, token, "")}, 200)
	if got["status"] != "withdrawn" {
		t.Fatalf("withdrawn: %v", got)
	}
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/withdraw", body: answerBody(t, token, "")}, 200)
	refused("/decline", answerBody(t, token, ""), 409,
		"Cette demande n'a pas de proposition en attente de votre réponse, ou celle-ci a été remplacée par une autre. Consultez la demande pour voir où elle en est.",
		"This request has no proposal waiting for your answer, or it was replaced by another. Look at the request to see where it stands.")
}

// TestRequestWithdrawFreesTheSlot: withdrawing a proposed request gives
// its slot back to search at once, and an ended request cannot be
// withdrawn.
func TestRequestWithdrawFreesTheSlot(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := matching(t, a)
	ref, token, p := matchedRequest(t, a, m)
	slotID := int64(p["slot"].(map[string]any)["id"].(float64))
	if searchable(a, slotID) {
		t.Fatalf("slot %d still searchable while proposed", slotID)
	}
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref + "/withdraw", body: answerBody(t, token, "")}, 200)
	if !searchable(a, slotID) {
		t.Fatalf("slot %d not searchable after the withdrawal", slotID)
	}

	ref2, token2, p2 := matchedRequest(t, a, m)
	a.call(request{method: "POST", url: "/api/v1/requests/" + ref2 + "/accept", body: answerBody(t, token2, p2["id"].(string))}, 200)
	res, raw := a.do(request{method: "POST", url: "/api/v1/requests/" + ref2 + "/withdraw", body: answerBody(t, token2, ""), headers: map[string]string{"Accept-Language": "en"}})
	if res.StatusCode != 409 || !json.Valid(raw) || !strings.Contains(string(raw), "This request has ended") {
		t.Fatalf("withdrawing a booked request: %d %s", res.StatusCode, raw)
	}
}

// TestRequestAnswersWithoutMatcher: a server that does not match says so.
func TestRequestAnswersWithoutMatcher(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.call(request{method: "POST", url: "/api/v1/requests/D-X/accept", body: `{"token":"x"}`}, 503)
}

// searchable reports whether the index offers a slot of the Plateau
// clinic to search.
func searchable(a *testAPI, slotID int64) bool {
	for _, r := range a.index.ClinicSlots(1, rdv.General, testNow, testStart.AddDays(3).Start(rdv.Toronto), false, nil) {
		if r.SlotID == slotID {
			return true
		}
	}
	return false
}

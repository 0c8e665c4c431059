package storetest

import (
	"testing"

	"rdv"
	"rdv/auth"
)

// testProposeAll: proposals asked for at once are made as each alone
// would be, in the order given, and a refusal is that proposal's alone
// and writes nothing: not its slot, its request, its hold or its
// messages. One after an earlier proposal of the call finds it made or
// refused.
func testProposeAll(t *testing.T, f *fixture) {
	var rs []rdv.AppointmentRequest
	for _, ref := range []string{"D-ALL-1", "D-ALL-2", "D-ALL-3", "D-ALL-4"} {
		rs = append(rs, f.addMatchRequest(ref, nil))
	}
	slots := f.clinicSlots()
	if len(slots) < 5 {
		t.Fatalf("%d free slots at clinic 1, want 5", len(slots))
	}
	// Slot 4 was offered to request 4 before, and declined.
	before := f.mustPropose(rs[3].ID, slots[4].ID)
	if _, _, err := f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: rs[3].Reference, TokenHash: rs[3].TokenHash,
		ProposalID: before.ID, Now: f.now}); err != nil {
		t.Fatal(err)
	}
	ask := func(r rdv.AppointmentRequest, s rdv.Slot, after ...string) rdv.ProposeRequest {
		token := f.nextID("token")
		return rdv.ProposeRequest{ProposalID: f.nextID("p"), RequestID: r.ID, SlotID: s.ID, TTL: rdv.DefaultProposalTTL, Now: f.now,
			Token: token, TokenHash: auth.HashToken(token), After: after}
	}
	asked := []rdv.ProposeRequest{ask(rs[0], slots[0])}
	asked = append(asked,
		ask(rs[1], slots[1], asked[0].ProposalID), // after one made: made
		ask(rs[2], slots[0]),                      // the slot taken by the first: refused
		ask(rs[3], slots[4]),                      // offered before: refused
		ask(rs[0], slots[3]),                      // the request has a live one: refused
	)
	asked = append(asked,
		ask(rs[3], slots[2], asked[2].ProposalID), // after one refused: refused
		ask(rs[2], slots[3]),                      // refused once, made now
	)
	want := []struct {
		code  string
		field string
	}{{}, {}, {rdv.ESLOTTAKEN, ""}, {rdv.ECONFLICT, ""}, {rdv.ECONFLICT, "request"}, {rdv.ECONFLICT, "after"}, {}}
	got := f.store.ProposeAll(f.ctx, asked)
	if len(got) != len(asked) {
		t.Fatalf("%d answers to %d proposals", len(got), len(asked))
	}
	for i, res := range got {
		a := asked[i]
		if code := rdv.ErrorCode(res.Err); code != want[i].code || want[i].field != "" && rdv.ErrorField(res.Err) != want[i].field {
			t.Fatalf("proposal %d (slot %d to request %d): %v, want %q %q", i, a.SlotID, a.RequestID, res.Err, want[i].code, want[i].field)
		}
		ms := f.proposalMessages(a.ProposalID)
		if res.Err != nil {
			if len(ms) != 0 || res.Proposal.ID != "" || len(res.Changes.Taken) != 0 {
				t.Fatalf("refused proposal %d answered %+v with %d messages", i, res, len(ms))
			}
			if _, err := f.store.Proposal(f.ctx, a.ProposalID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
				t.Fatalf("refused proposal %d reads %v, want not found", i, err)
			}
			continue
		}
		p := res.Proposal
		if p.ID != a.ProposalID || p.RequestID != a.RequestID || p.Slot.ID != a.SlotID || p.Status != rdv.ProposalLive ||
			len(res.Changes.Taken) != 1 || res.Changes.Taken[0].ID != a.SlotID || len(ms) != 2 || ms[0].Secret != a.Token {
			t.Fatalf("proposal %d: %+v with %d messages, want it live with its slot taken and its 2 messages", i, res, len(ms))
		}
	}
	for i, r := range rs {
		want := rdv.RequestProposed
		if i == 3 {
			want = rdv.RequestOpen // refused twice
		}
		if got := f.request(r.ID); got.Status != want {
			t.Fatalf("request %s is %s, want %s", r.Reference, got.Status, want)
		}
	}
	f.wantState(slots[2].ID, rdv.SlotFree)
	f.wantState(slots[4].ID, rdv.SlotFree)
	for _, s := range []rdv.Slot{slots[0], slots[1], slots[3]} {
		f.wantState(s.ID, rdv.SlotHeld)
	}
}

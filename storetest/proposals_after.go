package storetest

import (
	"testing"

	"rdv"
)

// testProposeAfter: a proposal asked for after others (the matcher's
// proposals made at once, rdv.ProposeRequest.After) is made only if each
// of them was made and is live or accepted; refused, it changes nothing.
func testProposeAfter(t *testing.T, f *fixture) {
	var rs []rdv.AppointmentRequest
	for _, ref := range []string{"D-AFTER-1", "D-AFTER-2", "D-AFTER-3", "D-AFTER-4"} {
		rs = append(rs, f.addMatchRequest(ref, nil))
	}
	slots := f.clinicSlots()
	first := f.mustPropose(rs[0].ID, slots[0].ID)
	proposeAfter := func(r rdv.AppointmentRequest, s rdv.Slot, after ...string) (rdv.Proposal, error) {
		p, _, err := f.store.Propose(f.ctx, rdv.ProposeRequest{ProposalID: f.nextID("p"), RequestID: r.ID, SlotID: s.ID,
			TTL: rdv.DefaultProposalTTL, Now: f.now, After: after})
		return p, err
	}
	second, err := proposeAfter(rs[1], slots[1], first.ID)
	if err != nil {
		t.Fatalf("propose after a live proposal: %v", err)
	}
	refused := func(what string, r rdv.AppointmentRequest, s rdv.Slot, after ...string) {
		t.Helper()
		_, err := proposeAfter(r, s, after...)
		if rdv.ErrorCode(err) != rdv.ECONFLICT || rdv.ErrorField(err) != "after" {
			t.Fatalf("%s: %v, want a conflict on after", what, err)
		}
		if got := f.request(r.ID); got.Status != rdv.RequestOpen {
			t.Fatalf("%s: the request is %s", what, got.Status)
		}
		f.wantState(s.ID, rdv.SlotFree)
	}
	refused("after a proposal never made", rs[2], slots[2], first.ID, "p-never-made")
	if _, _, err := f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: rs[0].Reference, TokenHash: rs[0].TokenHash,
		ProposalID: first.ID, Now: f.now}); err != nil {
		t.Fatal(err)
	}
	refused("after a declined proposal", rs[2], slots[2], second.ID, first.ID)
	if _, err := f.accept(rs[1], second.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := proposeAfter(rs[3], slots[3], second.ID); err != nil {
		t.Fatalf("propose after an accepted proposal: %v", err)
	}
	// Refused, a request can still be proposed the same slot.
	if _, err := proposeAfter(rs[2], slots[2]); err != nil {
		t.Fatalf("propose after nothing: %v", err)
	}
}

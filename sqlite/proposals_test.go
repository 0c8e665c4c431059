package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestProposeAllFailsWhole: ProposeAll makes its proposals without a
// savepoint each, so a write that fails after a proposal's first (which
// no check foresees: a trigger stands for the disk here) rolls back the
// whole transaction. No proposal of the call is made, none half made;
// the next call makes them.
func TestProposeAllFailsWhole(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rdv.db")
	s := mustOpenAt(t, path, sqlite.Options{})
	n := storetest.SmallNetwork(storetest.Start)
	storetest.MustLoad(t, s, n)
	now := storetest.Start.At(8*60, rdv.Toronto).UTC()
	var rs []rdv.AppointmentRequest
	for _, ref := range []string{"D-WHOLE-1", "D-WHOLE-2"} {
		r, err := s.AddRequest(ctx, storetest.MatchRequest(ref, now))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	var slots []rdv.Slot
	all, booked := storetest.Slots(n)
	for i, sl := range all {
		if sl.ClinicID == 1 && sl.Service == rdv.General && sl.Audience == rdv.Public && booked[i] == 0 && len(slots) < len(rs) {
			slots = append(slots, sl)
		}
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// The second request's update fails: the first proposal is written
	// whole by then, the second's row and hold.
	if _, err := raw.ExecContext(ctx, fmt.Sprintf(`CREATE TRIGGER fail_second AFTER UPDATE OF status ON requests WHEN NEW.id = %d
		BEGIN SELECT RAISE(ABORT, 'the disk'); END`, rs[1].ID)); err != nil {
		t.Fatal(err)
	}
	ask := func(round string) []rdv.ProposeRequest {
		var out []rdv.ProposeRequest
		for i, r := range rs {
			out = append(out, rdv.ProposeRequest{ProposalID: fmt.Sprintf("p-%s-%d", round, i), RequestID: r.ID, SlotID: slots[i].ID,
				TTL: rdv.DefaultProposalTTL, Now: now, Token: "token", TokenHash: "hash"})
		}
		return out
	}
	for i, res := range s.ProposeAll(ctx, ask("failed")) {
		if res.Err == nil {
			t.Fatalf("proposal %d made in a transaction that failed: %+v", i, res.Proposal)
		}
	}
	for i, r := range rs {
		got, err := s.Request(ctx, r.ID)
		if err != nil || got.Status != rdv.RequestOpen {
			t.Fatalf("request %d: %+v (%v), want it open", i, got.Status, err)
		}
		if ps, err := s.Proposals(ctx, r.ID); err != nil || len(ps) != 0 {
			t.Fatalf("request %d has proposals %+v (%v)", i, ps, err)
		}
		if sl, err := s.Slot(ctx, slots[i].ID); err != nil || sl.State != rdv.SlotFree {
			t.Fatalf("slot %d: %+v (%v), want it free", i, sl, err)
		}
	}
	if ms, err := s.Messages(ctx, rdv.MessageFilter{Limit: rdv.MaxMessages}); err != nil || len(ms) != 0 {
		t.Fatalf("messages %+v (%v), want none", ms, err)
	}
	if rows := rawRows(t, path, "holds"); len(rows) != 0 {
		t.Fatalf("%d holds, want none", len(rows))
	}

	if _, err := raw.ExecContext(ctx, `DROP TRIGGER fail_second`); err != nil {
		t.Fatal(err)
	}
	for i, res := range s.ProposeAll(ctx, ask("made")) {
		if res.Err != nil || res.Proposal.Slot.ID != slots[i].ID {
			t.Fatalf("proposal %d: %+v, want it made", i, res)
		}
	}
}

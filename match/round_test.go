package match_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/match"
	"rdv/sqlite"
)

// refusing is a store that refuses one slot as taken (someone held it
// between the matcher's choice and its proposal) and records the
// proposals under way per request.
type refusing struct {
	*sqlite.Store
	taken int64

	mu      sync.Mutex
	pending map[int64]int
	twice   []int64 // requests with two proposals under way at once
	asked   []rdv.ProposeRequest
}

func (s *refusing) Propose(ctx context.Context, r rdv.ProposeRequest) (rdv.Proposal, rdv.SlotChanges, error) {
	res := s.ProposeAll(ctx, []rdv.ProposeRequest{r})[0]
	return res.Proposal, res.Changes, res.Err
}

// ProposeAll refuses the taken slot and asks the store for the others,
// which find its proposal not made.
func (s *refusing) ProposeAll(ctx context.Context, rs []rdv.ProposeRequest) []rdv.ProposeResult {
	s.mu.Lock()
	for _, r := range rs {
		s.asked = append(s.asked, r)
		if s.pending[r.RequestID]++; s.pending[r.RequestID] > 1 {
			s.twice = append(s.twice, r.RequestID)
		}
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		for _, r := range rs {
			s.pending[r.RequestID]--
		}
		s.mu.Unlock()
	}()
	out := make([]rdv.ProposeResult, len(rs))
	var ask []rdv.ProposeRequest
	var at []int
	for i, r := range rs {
		if r.SlotID == s.taken {
			out[i].Err = rdv.Errorf(rdv.ESLOTTAKEN, "slot %d is held", r.SlotID)
			continue
		}
		ask, at = append(ask, r), append(at, i)
	}
	for k, res := range s.Store.ProposeAll(ctx, ask) {
		out[at[k]] = res
	}
	return out
}

// TestRefusedKeepsItsPlace: two slots freed together, both fitting two
// requests. The round proposes the first to the older request and the
// second to the next; the store refuses the first (taken meanwhile). The
// older request had the first claim on the second slot: the proposal to
// the next is refused with it (it came after), and the second slot goes
// to the older request in the next round. No request ever has two
// proposals under way.
func TestRefusedKeepsItsPlace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.slotAt(1, 1, 9*60+30), w.slotAt(1, 1, 9*60+45)
	ha, hb := w.hold(a), w.hold(b)
	both := func(r *rdv.AppointmentRequest) { onlyS(r); r.Times = "09:30-10:00" }
	older, next := w.add(both), w.add(both)
	store := &refusing{Store: w.store, taken: a.ID, pending: map[int64]int{}}
	m := match.New(store, w.index, match.Config{Now: func() time.Time { return w.now }}, nil)
	if made, err := m.Serve(w.ctx, nil, []rdv.AppointmentRequest{older, next}); err != nil || len(made) != 0 {
		t.Fatalf("requests whose only slots are held: %+v, %v", made, err)
	}
	freed := []rdv.Slot{w.release(ha), w.release(hb)}
	made, err := m.Serve(w.ctx, freed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 1 || made[0].RequestID != older.ID || made[0].Slot.ID != b.ID {
		t.Fatalf("proposals %+v; want only slot %d to request %d", made, b.ID, older.ID)
	}
	if st := w.status(next); st != rdv.RequestOpen {
		t.Fatalf("the next request is %s", st)
	}
	// What the round asked: a to the older, b to the next after it; then
	// b to the older.
	var after bool
	for _, r := range store.asked {
		after = after || r.RequestID == next.ID && r.SlotID == b.ID && len(r.After) == 1
	}
	if len(store.asked) != 3 || !after {
		t.Fatalf("proposals asked for: %+v", store.asked)
	}
	if len(store.twice) > 0 {
		t.Fatalf("requests %v had two proposals under way at once", store.twice)
	}
}

package storetest

import (
	"sync"
	"testing"
	"time"

	"rdv"
)

// runWaitroom is the conformance suite of rdv.TicketStore and
// rdv.ModeStore. open returns a fresh, empty, migrated store and registers
// its cleanup with t.
func runWaitroom(t *testing.T, open func(t *testing.T) rdv.Store) {
	tickets := func(t *testing.T) rdv.TicketStore { return open(t) }
	t.Run("TicketsIncrease", func(t *testing.T) { testTicketsIncrease(t, tickets(t)) })
	t.Run("ConcurrentTicketsDistinct", func(t *testing.T) { testConcurrentTickets(t, tickets(t)) })
	t.Run("AdvanceAtRate", func(t *testing.T) { testAdvanceAtRate(t, tickets(t)) })
	t.Run("ConcurrentAdvanceAdmitsOnce", func(t *testing.T) { testConcurrentAdvance(t, tickets(t)) })
	t.Run("ClosedRoomAdmitsAll", func(t *testing.T) { testClosedRoomAdmitsAll(t, tickets(t)) })
	t.Run("Modes", func(t *testing.T) { testModes(t, open(t)) })
}

func mustIssue(t *testing.T, ts rdv.TicketStore, n int) []int64 {
	t.Helper()
	var out []int64
	for range n {
		seq, err := ts.IssueTicket(t.Context())
		if err != nil {
			t.Fatalf("issue ticket: %v", err)
		}
		out = append(out, seq)
	}
	return out
}

func mustAdvance(t *testing.T, ts rdv.TicketStore, at time.Time, perSecond float64) rdv.WaitroomState {
	t.Helper()
	st, err := ts.AdvanceWaitroom(t.Context(), at, perSecond)
	if err != nil {
		t.Fatalf("advance at %s: %v", at, err)
	}
	return st
}

func testTicketsIncrease(t *testing.T, ts rdv.TicketStore) {
	st, err := ts.WaitroomState(t.Context())
	if err != nil {
		t.Fatalf("state of a new room: %v", err)
	}
	if st != (rdv.WaitroomState{}) {
		t.Fatalf("a new room is %+v, want the zero state", st)
	}
	seqs := mustIssue(t, ts, 5)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("tickets %v do not increase", seqs)
		}
	}
	if st, err = ts.WaitroomState(t.Context()); err != nil || st.Issued != seqs[4] || st.AdmittedThrough != 0 {
		t.Fatalf("state = %+v, %v; want issued %d, none admitted", st, err, seqs[4])
	}
}

func testConcurrentTickets(t *testing.T, ts rdv.TicketStore) {
	const n = 40
	seqs := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			seq, err := ts.IssueTicket(t.Context())
			if err != nil {
				t.Errorf("issue ticket: %v", err)
			}
			seqs[i] = seq
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, s := range seqs {
		if s <= 0 || seen[s] {
			t.Fatalf("tickets %v: %d given twice or not positive", seqs, s)
		}
		seen[s] = true
	}
}

func testAdvanceAtRate(t *testing.T, ts rdv.TicketStore) {
	t0 := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	mustIssue(t, ts, 10)
	if st := mustAdvance(t, ts, t0, 2); st.AdmittedThrough != 0 || !st.AdvancedAt.Equal(t0) {
		t.Fatalf("first advance = %+v: it starts the clock and admits no one", st)
	}
	if st := mustAdvance(t, ts, t0.Add(2*time.Second), 2); st.AdmittedThrough != 4 {
		t.Fatalf("after 2 s at 2/s admitted through %d, want 4", st.AdmittedThrough)
	}
	// Another instance advancing for the same instant admits no more.
	if st := mustAdvance(t, ts, t0.Add(2*time.Second), 2); st.AdmittedThrough != 4 {
		t.Fatalf("a second advance at the same instant admitted through %d, want 4", st.AdmittedThrough)
	}
	// A late clock changes nothing.
	if st := mustAdvance(t, ts, t0.Add(time.Second), 2); st.AdmittedThrough != 4 {
		t.Fatalf("an advance from a late clock admitted through %d, want 4", st.AdmittedThrough)
	}
	// Fractions carry over: 0.25 s then 0.25 s at 2/s is one ticket.
	mustAdvance(t, ts, t0.Add(2250*time.Millisecond), 2)
	if st := mustAdvance(t, ts, t0.Add(2500*time.Millisecond), 2); st.AdmittedThrough != 5 {
		t.Fatalf("two quarter seconds at 2/s admitted through %d, want 5", st.AdmittedThrough)
	}
	// Never beyond the last ticket, and an empty room earns no credit.
	late := t0.Add(time.Hour)
	if st := mustAdvance(t, ts, late, 2); st.AdmittedThrough != 10 || !st.AdvancedAt.Equal(late) {
		t.Fatalf("after an hour = %+v, want through 10 at %s", st, late)
	}
	mustIssue(t, ts, 3)
	if st := mustAdvance(t, ts, late.Add(400*time.Millisecond), 2); st.AdmittedThrough != 10 {
		t.Fatalf("a quiet hour let %d in at once", st.AdmittedThrough-10)
	}
	if st := mustAdvance(t, ts, late.Add(time.Second), 2); st.AdmittedThrough != 12 || st.Waiting() != 1 {
		t.Fatalf("state = %+v, want through 12 with one waiting", st)
	}
}

func testConcurrentAdvance(t *testing.T, ts rdv.TicketStore) {
	t0 := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	mustIssue(t, ts, 100)
	mustAdvance(t, ts, t0, 1)
	// Four instances tick every second for ten seconds: ten admitted, not forty.
	for s := 1; s <= 10; s++ {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := ts.AdvanceWaitroom(t.Context(), t0.Add(time.Duration(s)*time.Second), 1); err != nil {
					t.Errorf("advance: %v", err)
				}
			})
		}
		wg.Wait()
	}
	st, err := ts.WaitroomState(t.Context())
	if err != nil || st.AdmittedThrough != 10 {
		t.Fatalf("state = %+v, %v; want through 10", st, err)
	}
}

func testClosedRoomAdmitsAll(t *testing.T, ts rdv.TicketStore) {
	seqs := mustIssue(t, ts, 7)
	now := time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)
	if st := mustAdvance(t, ts, now, 0); st.AdmittedThrough != seqs[6] || st.Waiting() != 0 {
		t.Fatalf("closing the room = %+v, want every ticket admitted", st)
	}
}

func testModes(t *testing.T, ms rdv.ModeStore) {
	m, err := ms.Modes(t.Context())
	if err != nil || m != (rdv.Modes{}) {
		t.Fatalf("modes of a new store = %+v, %v; want the zero Modes", m, err)
	}
	want := rdv.Modes{ReadOnly: true, WaitingRoom: true, SetBy: 7, SetAt: time.Date(2031, time.March, 3, 14, 0, 0, 0, time.UTC)}
	if err := ms.SetModes(t.Context(), want); err != nil {
		t.Fatalf("set modes: %v", err)
	}
	m, err = ms.Modes(t.Context())
	if err != nil || m.ReadOnly != want.ReadOnly || m.WaitingRoom != want.WaitingRoom || m.SetBy != 7 || !m.SetAt.Equal(want.SetAt) {
		t.Fatalf("modes = %+v, %v; want %+v", m, err, want)
	}
	if err := ms.SetModes(t.Context(), rdv.Modes{}); err != nil {
		t.Fatalf("clear modes: %v", err)
	}
	if m, err = ms.Modes(t.Context()); err != nil || m.ReadOnly || m.WaitingRoom {
		t.Fatalf("modes after clearing = %+v, %v", m, err)
	}
}

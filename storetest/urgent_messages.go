package storetest

import (
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// urgentIDs returns the urgent messages without a delivery job due by
// before, at most limit, in the order the store gives them, checking
// that each is of an urgent kind, due, and listed without its secret.
func urgentIDs(t *testing.T, f *fixture, before time.Time, limit int) []int64 {
	t.Helper()
	ms, err := f.store.UndispatchedUrgent(f.ctx, before, limit)
	if err != nil {
		t.Fatalf("undispatched urgent messages: %v", err)
	}
	out := make([]int64, len(ms))
	for i, m := range ms {
		switch {
		case !m.Kind.Urgent():
			t.Fatalf("urgent read returned message %d, a %s", m.ID, m.Kind)
		case m.Secret != "":
			t.Fatalf("urgent message %d shows its secret", m.ID)
		case m.DueAt.After(before):
			t.Fatalf("urgent message %d due %v, after %v", m.ID, m.DueAt, before)
		}
		out[i] = m.ID
	}
	return out
}

// testMessagesUrgentFirst: the dispatcher's read of the urgent messages
// (sign-in codes, proposals) finds them behind the confirmations of a
// burst of bookings, which the read by due time returns first, and
// returns nothing else: no confirmation, no reminder.
func testMessagesUrgentFirst(t *testing.T, f *fixture) {
	// A burst of bookings: their confirmations, then their reminders
	// once delivered, wait undispatched.
	var earlier []int64
	for day := range 2 {
		for skip := range 4 {
			a := f.mustBookNotified(f.freeSlot(day+1, 2, rdv.Public, skip).ID, nil)
			for _, m := range f.messages(a.ID) {
				earlier = append(earlier, m.ID)
			}
		}
	}
	f.deliver(earlier[0], rdv.MessageSent) // its reminder follows, due later
	if got := urgentIDs(t, f, f.now.Add(30*24*time.Hour), 100); len(got) != 0 {
		t.Fatalf("urgent messages among confirmations and reminders: %v, want none", got)
	}

	// A minute later, a sign-in code and a proposal (an email and a text
	// message).
	written := f.now
	f.now = f.now.Add(time.Minute)
	const to = "urgent@example.org"
	if err := f.store.IssueSignInCode(f.ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: to, Code: "123456",
		CodeHash: auth.CodeHash([]byte("urgent-key"), to, "123456"), Language: "fr", Now: f.now}); err != nil {
		t.Fatalf("issue a code: %v", err)
	}
	r := f.addMatchRequest("D-URGENT", nil)
	p, err := f.proposeWithToken(r.ID, f.clinicSlots()[0].ID, "urgent-proposal-token")
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	var code []int64
	for _, m := range f.messages(0) {
		if m.Kind == rdv.MessageSignInCode && m.To == to {
			code = append(code, m.ID)
		}
	}
	var proposal []int64
	for _, m := range f.proposalMessages(p.ID) {
		proposal = append(proposal, m.ID)
	}
	slices.Sort(proposal) // listed newest first
	if len(code) != 1 || len(proposal) != 2 {
		t.Fatalf("%d code and %d proposal messages, want 1 and 2", len(code), len(proposal))
	}
	urgent := slices.Concat(code, proposal)

	// Read by due time, they wait behind the burst.
	if first, err := f.store.UndispatchedMessages(f.ctx, f.now, 3); err != nil || len(first) != 3 || first[0].Kind.Urgent() {
		t.Fatalf("the 3 earliest undispatched: %+v (%v), want the burst's", first, err)
	}
	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []int64
	}{
		{"before they were written", written, 100, nil},
		{"now", f.now, 100, urgent},
		{"the earliest 2", f.now, 2, urgent[:2]},
		{"long after", f.now.Add(30 * 24 * time.Hour), 100, urgent},
	}
	for _, tt := range tests {
		if got := urgentIDs(t, f, tt.before, tt.limit); !slices.Equal(got, tt.want) {
			t.Fatalf("urgent %s: %v, want %v", tt.name, got, tt.want)
		}
	}

	// Dispatched, a message leaves the urgent read as it leaves the other.
	if err := f.store.MarkDispatched(f.ctx, code); err != nil {
		t.Fatalf("mark dispatched: %v", err)
	}
	if got := urgentIDs(t, f, f.now, 100); !slices.Equal(got, proposal) {
		t.Fatalf("urgent after the code's dispatch: %v, want %v", got, proposal)
	}
	if all := undispatchedIDs(t, f, f.now); slices.Contains(all, code[0]) || !slices.Contains(all, proposal[0]) {
		t.Fatalf("undispatched after the code's dispatch: %v, want the proposal's and not the code", all)
	}
}

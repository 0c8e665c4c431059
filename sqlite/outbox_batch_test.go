package sqlite

import (
	"errors"
	"testing"
	"time"

	"rdv"
)

// TestBatchOutboxFollowsItsWrites: the messages that the writes of a batch
// queue are written together before the commit, those of a write that
// fails are dropped with it, and the others are kept in the order of
// their writes.
func TestBatchOutboxFollowsItsWrites(t *testing.T) {
	s, _ := openLoaded(t)
	now := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	msg := func(to string) rdv.Message {
		return rdv.Message{Kind: rdv.MessageConfirmed, Channel: rdv.ByEmail, To: to, Language: "fr", DueAt: now, CreatedAt: now}
	}
	errRefused := errors.New("refused after queuing")
	queue := func(to ...string) *command {
		return &command{run: func(tx *wtx) error {
			for _, x := range to {
				tx.queueMessages([]rdv.Message{msg(x)})
			}
			return nil
		}}
	}
	cmds := []*command{
		queue("a@example.org", "b@example.org"),
		{run: func(tx *wtx) error {
			tx.queueMessages([]rdv.Message{msg("refused@example.org")})
			return errRefused
		}},
		queue("c@example.org"),
	}
	errs := inOneBatch(t, s, cmds)
	if errs[0] != nil || !errors.Is(errs[1], errRefused) || errs[2] != nil {
		t.Fatalf("answers %v", errs)
	}
	ms, err := s.UndispatchedMessages(t.Context(), now, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.To)
	}
	if want := []string{"a@example.org", "b@example.org", "c@example.org"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("messages written %v, want %v", got, want)
	}

	// A batch whose outbox cannot be written fails whole: a message of
	// an unknown appointment breaks its foreign key.
	bad := msg("d@example.org")
	bad.AppointmentID = 1_000_000
	errs = inOneBatch(t, s, []*command{queue("e@example.org"), {run: func(tx *wtx) error {
		tx.queueMessages([]rdv.Message{bad})
		return nil
	}}})
	for i, err := range errs {
		if err == nil {
			t.Fatalf("command %d of a batch whose outbox failed answered no error", i)
		}
	}
	if after, _ := s.UndispatchedMessages(t.Context(), now, 10); len(after) != 3 {
		t.Fatalf("a failed batch left %d messages, want the 3 before", len(after))
	}
}

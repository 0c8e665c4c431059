package notify

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
)

// TestDispatchReminderNearItsTime: a reminder due in two hours gets its
// delivery job only when the notifier's clock reaches its window
// (dispatchAhead before its time); the confirmation, whose delivery wrote
// the reminder, gets its job at once.
func TestDispatchReminderNearItsTime(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		ctx := context.Background()
		var clock atomic.Int64 // the notifier's now, in Unix nanoseconds
		clock.Store(time.Now().UnixNano())
		n := openDelivery(t, d, Config{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
		d.mu.Lock()
		remind := time.Until(d.free[0].Start) - 2*time.Hour
		d.mu.Unlock()
		a := d.book(t, "lea@example.org", remind)
		confirmation := d.messages(t, a.ID)[rdv.MessageConfirmed]
		// Its delivery ended, the confirmation brings the reminder.
		if _, err := d.store.BeginSend(ctx, confirmation.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := d.store.FinishSend(ctx, confirmation.ID, rdv.SendOutcome{Status: rdv.MessageKept, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		reminder := d.messages(t, a.ID)[rdv.MessageReminder]
		if reminder.ID == 0 || time.Until(reminder.DueAt) < 90*time.Minute {
			t.Fatalf("reminder %+v; want one due in two hours", reminder)
		}
		undispatched := func() []int64 {
			t.Helper()
			ms, err := d.store.UndispatchedMessages(ctx, reminder.DueAt.Add(24*time.Hour), dispatchBatch)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			return ids
		}
		steps := []struct {
			name  string
			now   time.Time
			made  int
			after []int64 // undispatched after the dispatch
		}{
			{"at the booking", time.Now(), 1, []int64{reminder.ID}},
			{"a minute before the window", reminder.DueAt.Add(-dispatchAhead - time.Minute), 0, []int64{reminder.ID}},
			{"at the window", reminder.DueAt.Add(-dispatchAhead), 1, nil},
			{"later", reminder.DueAt, 0, nil},
		}
		for _, s := range steps {
			clock.Store(s.now.UnixNano())
			made, err := n.dispatch(ctx)
			if err != nil || made != s.made {
				t.Fatalf("dispatch %s: %d messages, %v; want %d", s.name, made, err, s.made)
			}
			if got := undispatched(); !slices.Equal(got, s.after) {
				t.Fatalf("undispatched %s: %v, want %v", s.name, got, s.after)
			}
		}
		// Each has its job: making them again makes none.
		if made, err := n.insertJobs(ctx, []rdv.Message{confirmation, reminder}); err != nil || made != 0 {
			t.Fatalf("jobs made again: %d, %v; want none", made, err)
		}
	})
}

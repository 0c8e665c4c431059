package notify

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rdv"
	"rdv/auth"
)

// jobsMade records the jobs a notifier makes, and makes them.
type jobsMade struct {
	jobQueue
	params []river.InsertManyParams
}

func (j *jobsMade) InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	j.params = append(j.params, params...)
	return j.jobQueue.InsertMany(ctx, params)
}

// priorities returns the priority of each message's job made, by message.
func (j *jobsMade) priorities() map[int64]int {
	out := map[int64]int{}
	for _, p := range j.params {
		out[p.Args.(DeliverArgs).MessageID] = p.InsertOpts.Priority
	}
	j.params = nil
	return out
}

// TestDispatchUrgentFirst: while the store's writer is saturated, the
// confirmations of a burst wait (holdBack) but a sign-in code gets its
// job at once, at River's higher priority; once the writer has room, the
// confirmations get theirs, at the lower one, and the code no second job.
func TestDispatchUrgentFirst(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		ctx := context.Background()
		n := openDelivery(t, d, Config{})
		jobs := &jobsMade{jobQueue: n.jobs}
		n.jobs = jobs
		var wall, busy atomic.Int64
		n.load.now = func() time.Time { return time.Unix(0, wall.Load()) }
		n.load.busy = func() time.Duration { return time.Duration(busy.Load()) }
		n.load.saturated() // the first look
		look := func(saturated bool) {
			wall.Add(int64(100 * time.Millisecond))
			if saturated {
				busy.Add(int64(100 * time.Millisecond))
			}
		}

		var confirmations []int64
		for range 5 {
			a := d.book(t, "lea@example.org", 0)
			confirmations = append(confirmations, d.messages(t, a.ID)[rdv.MessageConfirmed].ID)
		}
		code := issueCode(t, d, "code@example.org")

		look(true)
		if made, err := n.dispatch(ctx); err != nil || made != 1 {
			t.Fatalf("saturated: dispatched %d, %v; want the code alone", made, err)
		}
		if got := jobs.priorities(); len(got) != 1 || got[code] != 1 {
			t.Fatalf("saturated: jobs %v, want the code's at priority 1", got)
		}
		// Another code, which both reads return: one job.
		again := issueCode(t, d, "code2@example.org")
		look(false)
		if made, err := n.dispatch(ctx); err != nil || made != len(confirmations)+1 {
			t.Fatalf("with room: dispatched %d, %v; want the %d confirmations and the second code", made, err, len(confirmations))
		}
		got := jobs.priorities()
		for _, id := range confirmations {
			if got[id] != 2 {
				t.Fatalf("with room: jobs %v, want each confirmation's at priority 2", got)
			}
		}
		if len(got) != len(confirmations)+1 || got[again] != 1 {
			t.Fatalf("with room: jobs %v, want the confirmations' and the second code's at priority 1", got)
		}
	})
}

// issueCode issues a sign-in code to the email to, and returns its
// message.
func issueCode(t *testing.T, d *deliveryDB, to string) int64 {
	t.Helper()
	ctx := context.Background()
	if err := d.store.IssueSignInCode(ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: to, Code: "123456",
		CodeHash: auth.CodeHash([]byte("test-key"), to, "123456"), Language: "fr", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ms, err := d.store.Messages(ctx, rdv.MessageFilter{Limit: rdv.MaxMessages})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m rdv.Message) bool { return m.Kind == rdv.MessageSignInCode && m.To == to })
	if i < 0 {
		t.Fatalf("no sign-in code written to %s", to)
	}
	return ms[i].ID
}

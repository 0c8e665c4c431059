package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rdv"
)

// DeliverArgs is a delivery job: one message of the outbox.
type DeliverArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "deliver_message" }

// dispatchBatch is how many messages one read of the outbox takes.
const dispatchBatch = 200

// uniqueStates are the job states in which a message's job keeps another
// from being made: every state of a job that has yet to run or is
// running. A finished job (completed, cancelled, discarded) lets a new
// one be made, so that a message an operator sends again (Resend) gets
// its job; a new job for a message already sent only finds it so.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// dispatchEvery dispatches the outbox every PollEvery until ctx ends.
func (n *Notifier) dispatchEvery(ctx context.Context) {
	t := time.NewTicker(n.cfg.PollEvery)
	defer t.Stop()
	for {
		if _, err := n.dispatch(ctx); err != nil && ctx.Err() == nil {
			n.cfg.Log.Warn("dispatch messages", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// dispatch makes the jobs of every message that has none yet, then marks
// the messages dispatched, a batch at a time. It returns how many
// messages it dispatched.
func (n *Notifier) dispatch(ctx context.Context) (int, error) {
	done := 0
	for {
		msgs, err := n.cfg.Store.UndispatchedMessages(ctx, dispatchBatch)
		if err != nil {
			return done, fmt.Errorf("read the outbox: %w", err)
		}
		if len(msgs) == 0 {
			return done, nil
		}
		made, err := n.insertJobs(ctx, msgs)
		if err != nil {
			return done, err
		}
		if made < len(msgs) {
			n.cfg.Log.Info("messages found with a job already: a dispatch cut off before it marked them", "messages", len(msgs)-made)
		}
		// A crash here leaves the messages undispatched: the next
		// dispatch makes the same jobs again, and River, finding each
		// message's job, makes none.
		ids := make([]int64, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		if err := n.cfg.Store.MarkDispatched(ctx, ids); err != nil {
			return done, fmt.Errorf("mark %d messages dispatched: %w", len(ids), err)
		}
		done += len(msgs)
		if len(msgs) < dispatchBatch {
			return done, nil
		}
	}
}

// insertJobs makes one job per message, unique by message, scheduled at
// the message's due time: a reminder waits in River until then. It
// returns how many jobs it made: a message that has a job already gets
// none.
func (n *Notifier) insertJobs(ctx context.Context, msgs []rdv.Message) (int, error) {
	params := make([]river.InsertManyParams, len(msgs))
	for i, m := range msgs {
		opts := &river.InsertOpts{
			ScheduledAt: m.DueAt,
			UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
		}
		if m.Kind == rdv.MessageSignInCode {
			// Someone waits at the screen for it.
			opts.Priority = 1
		} else {
			opts.Priority = 2
		}
		params[i] = river.InsertManyParams{Args: DeliverArgs{MessageID: m.ID}, InsertOpts: opts}
	}
	res, err := n.jobs.InsertMany(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("make %d delivery jobs: %w", len(msgs), err)
	}
	made := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			made++
		}
	}
	return made, nil
}

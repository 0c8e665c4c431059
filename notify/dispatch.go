package notify

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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

// Holding delivery back during a burst. On SQLite every write goes
// through one writer, and delivery writes too: its jobs (River's rows in
// the same file) and the record of each attempt. While that writer is
// busy more than holdLoad of the time (a burst of bookings), a message
// waits up to holdBack before it gets its job: the bookings keep the
// writer, and their messages follow once the burst has passed. A flood
// that lasts delays messages by holdBack, no more: then they go, burst
// or not. The urgent kinds (rdv.UrgentKinds: a sign-in code, a proposal)
// are never held back: someone waits for them, and they are few.
const (
	holdLoad = 0.5
	holdBack = 10 * time.Second
)

// busyWriter is a store whose writes go through one writer (SQLite's):
// WriterBusy is the time it has spent writing, which only grows.
type busyWriter interface {
	WriterBusy() time.Duration
}

// writerLoad tells whether a store's writer is saturated, from the share
// of the wall-clock time it was busy between two looks.
type writerLoad struct {
	busy func() time.Duration // nil: the store has no one writer
	now  func() time.Time     // the wall clock, whatever Config.Now says
	mu   sync.Mutex
	at   time.Time
	was  time.Duration
	held bool
	log  *slog.Logger
}

func newWriterLoad(s rdv.Store, log *slog.Logger) *writerLoad {
	l := &writerLoad{log: log, now: time.Now}
	if bw, ok := s.(busyWriter); ok {
		l.busy = bw.WriterBusy
	}
	return l
}

// saturated reports whether the writer was busy more than holdLoad of the
// time since the last look (false at the first), and logs each change.
func (l *writerLoad) saturated() bool {
	if l.busy == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now, busy := l.now(), l.busy()
	held := false
	if !l.at.IsZero() {
		if wall := now.Sub(l.at); wall > 0 {
			held = float64(busy-l.was)/float64(wall) > holdLoad
		}
	}
	l.at, l.was = now, busy
	if held != l.held {
		if held {
			l.log.Info("the database's writer is saturated: messages held back", "for at most", holdBack)
		} else {
			l.log.Info("the database's writer has room again: messages leave")
		}
		l.held = held
	}
	return held
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

// dispatchAhead is how long before its time a message gets its job. A
// booking writes a reminder due a day or more ahead: making its job at
// once would write a job row that waits in River for a day, on SQLite
// through the one writer the bookings use, twice the rows a burst of
// bookings needs. A job made an hour ahead still waits for its time, and
// leaves the dispatcher an hour to catch up after an outage.
const dispatchAhead = time.Hour

// dispatch makes the jobs of the messages due within dispatchAhead that
// have none yet, the earliest due first, a batch of them, then marks them
// dispatched, and returns how many it dispatched. One batch a poll (2,000
// messages a second by default, ten times what 100 bookings a second
// write) keeps a burst of bookings ahead of their messages: on SQLite,
// River's job rows and the bookings share the database's one writer, and
// delivery catches up once the burst has passed.
//
// The urgent messages (rdv.UrgentKinds) come first, in a batch of their
// own, read apart: by due time, a proposal written during a burst of
// bookings would wait behind thousands of confirmations, and its slot's
// hold would run out meanwhile. Their own batch never takes the others'
// place, however many of them wait.
//
// While the store's one writer is saturated (holdLoad), it dispatches
// only the messages that have waited holdBack already, but the urgent
// ones.
func (n *Notifier) dispatch(ctx context.Context) (int, error) {
	now := n.cfg.Now()
	before := now.Add(dispatchAhead)
	msgs, err := n.cfg.Store.UndispatchedUrgent(ctx, before, dispatchBatch)
	if err != nil {
		return 0, fmt.Errorf("read the outbox's urgent messages: %w", err)
	}
	if n.load.saturated() {
		before = now.Add(-holdBack)
	}
	rest, err := n.cfg.Store.UndispatchedMessages(ctx, before, dispatchBatch)
	if err != nil {
		return 0, fmt.Errorf("read the outbox: %w", err)
	}
	msgs = appendOthers(msgs, rest)
	if len(msgs) == 0 {
		return 0, nil
	}
	made, err := n.insertJobs(ctx, msgs)
	if err != nil {
		return 0, err
	}
	if made < len(msgs) {
		n.cfg.Log.Info("messages found with a job already: a dispatch cut off before it marked them", "messages", len(msgs)-made)
	}
	// A crash here leaves the messages undispatched: the next dispatch
	// makes the same jobs again, and River, finding each message's job,
	// makes none.
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	if err := n.cfg.Store.MarkDispatched(ctx, ids); err != nil {
		return 0, fmt.Errorf("mark %d messages dispatched: %w", len(ids), err)
	}
	return len(msgs), nil
}

// appendOthers appends to urgent the messages of rest it does not hold:
// the read by due time returns the urgent messages too.
func appendOthers(urgent, rest []rdv.Message) []rdv.Message {
	if len(urgent) == 0 {
		return rest
	}
	have := make(map[int64]bool, len(urgent))
	for _, m := range urgent {
		have[m.ID] = true
	}
	for _, m := range rest {
		if !have[m.ID] {
			urgent = append(urgent, m)
		}
	}
	return urgent
}

// insertJobs makes one job per message, unique by message; a message due
// later (a reminder within dispatchAhead) gets a job scheduled at its
// time, which waits in River until then: River schedules by the wall
// clock, whatever Config.Now says. It returns how many jobs it made: a message that has
// a job already gets none.
func (n *Notifier) insertJobs(ctx context.Context, msgs []rdv.Message) (int, error) {
	now := time.Now()
	params := make([]river.InsertManyParams, len(msgs))
	for i, m := range msgs {
		opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
		if m.DueAt.After(now) {
			// Only then: River holds every scheduled job, even one due
			// already, until its scheduler's next round (every 5 s).
			opts.ScheduledAt = m.DueAt
		}
		if m.Kind.Urgent() {
			// Someone waits for it (a code at the screen, a proposal's
			// hold running out): River runs it before the jobs already
			// waiting.
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

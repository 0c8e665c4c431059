// Package webhook tells the clinics' own systems of their appointments'
// changes: booked, cancelled, rescheduled, no-show, each a POST to the
// clinic's endpoints signed in the Standard Webhooks format.
//
// The path of an event:
//
//  1. The booking write that makes the change writes its event in the
//     same transaction (rdv.WebhookStore), only while the clinic has a
//     live endpoint that wants it: one row, whatever the number of
//     endpoints, and nothing at all for a clinic without one.
//  2. The dispatcher fans each event out into one delivery per endpoint
//     that wants it, then makes one River job per delivery, unique by
//     delivery, and marks the deliveries queued. A crash between the two
//     makes the same jobs again, which River's uniqueness drops.
//  3. The job's worker reads the delivery, signs the body (the same bytes
//     at every attempt, the same webhook-id: "evt_" and the event's ID)
//     with the endpoint's secret and the attempt's time, and POSTs it.
//     A 2xx answer is delivered; anything else (another status, no
//     answer in 10 s, a redirect, an address that is not public) is
//     retried with backoff, up to MaxAttempts, then failed: the dead end
//     the clinic sees in its portal's log with the last status and error.
//
// An endpoint may receive an event twice (a crash after its answer and
// before the record): receivers drop a webhook-id they have seen, as the
// specification asks.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rdv"
	"rdv/notify"
)

// Config is what delivery needs. Zero values take the defaults.
type Config struct {
	Store rdv.WebhookStore
	// Client sends the requests (default SafeClient: public addresses
	// only). Tests give one that reaches their own server.
	Client *http.Client
	Log    *slog.Logger
	// PollEvery is how often the dispatcher looks for events and
	// deliveries without a job (default 200 ms).
	PollEvery time.Duration
	// MaxAttempts is how many times a delivery is tried before it fails
	// for good (default 8: about a day with the default backoff).
	MaxAttempts int
	// Backoff is the wait after a delivery's attempt-th attempt failed
	// (default backoffSteps, each within ±10 %).
	Backoff func(attempt int) time.Duration
	// Now is the clock of the record of attempts and of the signatures'
	// timestamps (default time.Now).
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultPollEvery   = 200 * time.Millisecond
	DefaultMaxAttempts = 8
)

// queue is the River queue of the deliveries, apart from the messages'
// so that slow endpoints never hold a patient's message back.
const queue = "webhooks"

// senders is how many deliveries are under way at once.
const senders = 10

// batch is how many events, then deliveries, one round takes.
const batch = 200

// backoffSteps are the waits between attempts: an endpoint down for a
// deploy gets the event within minutes, one down for the night the next
// morning.
var backoffSteps = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour}

func defaultBackoff(attempt int) time.Duration {
	d := backoffSteps[min(max(attempt, 1), len(backoffSteps))-1]
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d)) // #nosec G404 -- jitter of a retry, not a secret
}

// Hooks delivers the clinics' webhooks. It is a notify.Work: its jobs
// run in the notifier's River client.
type Hooks struct {
	cfg Config
}

var _ notify.Work = (*Hooks)(nil)

// New returns the webhooks' delivery with cfg.
func New(cfg Config) (*Hooks, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: no store")
	}
	if cfg.Client == nil {
		cfg.Client = SafeClient()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff == nil {
		cfg.Backoff = defaultBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Hooks{cfg: cfg}, nil
}

// DeliverArgs is a delivery job: one event to one endpoint.
type DeliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "deliver_webhook" }

// Register adds the delivery worker and its queue.
func (h *Hooks) Register(ws *river.Workers, queues map[string]river.QueueConfig) error {
	if err := river.AddWorkerSafely(ws, &worker{h: h}); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	queues[queue] = river.QueueConfig{MaxWorkers: senders}
	return nil
}

// Run dispatches every PollEvery until ctx ends.
func (h *Hooks) Run(ctx context.Context, jobs notify.Jobs) {
	t := time.NewTicker(h.cfg.PollEvery)
	defer t.Stop()
	for {
		if err := h.dispatch(ctx, jobs); err != nil && ctx.Err() == nil {
			h.cfg.Log.Warn("dispatch webhooks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// uniqueStates are the job states in which a delivery's job keeps
// another from being made: every state of a job yet to run or running.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// dispatch fans out the waiting events and makes the jobs of the
// deliveries that have none.
func (h *Hooks) dispatch(ctx context.Context, jobs notify.Jobs) error {
	if _, err := h.cfg.Store.FanOutWebhookEvents(ctx, batch); err != nil {
		return err
	}
	ds, err := h.cfg.Store.UnqueuedWebhookDeliveries(ctx, batch)
	if err != nil || len(ds) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(ds))
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
		params[i] = river.InsertManyParams{Args: DeliverArgs{DeliveryID: d.ID}, InsertOpts: &river.InsertOpts{
			Queue: queue, MaxAttempts: h.cfg.MaxAttempts,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
		}}
	}
	if _, err := jobs.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("make %d webhook jobs: %w", len(ds), err)
	}
	return h.cfg.Store.MarkWebhookDeliveriesQueued(ctx, ids)
}

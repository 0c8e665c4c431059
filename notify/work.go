package notify

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Work is more background work that shares the notifier's River client
// (the clinics' webhooks, package webhook): one client, one leader and
// one set of maintenance rules for every job of the platform. A second
// client on the same tables would rescue, and discard, jobs whose kind it
// does not know.
type Work interface {
	// Register adds the work's workers, and the queues they take jobs
	// from, to the client's before it is made.
	Register(ws *river.Workers, queues map[string]river.QueueConfig) error
	// Run makes the work's jobs with jobs until ctx ends; it runs while
	// the client does.
	Run(ctx context.Context, jobs Jobs)
}

// Jobs makes jobs in the notifier's River client.
type Jobs interface {
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"rdv"
)

// Config is what delivery needs. Zero durations and counts take the
// defaults.
type Config struct {
	Store rdv.Store
	// Senders deliver each channel. A channel without one fails its
	// messages ("no sender"): serve gives every channel one, which keeps
	// the messages in the store's record when no server is configured.
	Senders map[rdv.MessageChannel]Sender
	Links   Links // the site's address, for the links messages carry
	Log     *slog.Logger
	// PollEvery is how often the dispatcher looks for messages without a
	// job (default 100 ms): the longest a message waits before its job
	// exists.
	PollEvery time.Duration
	// MaxAttempts is how many times a message is tried before it fails
	// for good (default 10).
	MaxAttempts int
	// RescueAfter is how long a job may run before River takes it for
	// the job of a crashed process and runs it again (default 5 min). The
	// job that runs again finds its message sending and marks it
	// uncertain: it never sends it twice.
	RescueAfter time.Duration
	// Now is the clock of attempts and of the dispatcher's window (which
	// messages are due soon enough to get their job); default time.Now.
	Now func() time.Time
	// Work is more background work on the same River client.
	Work []Work
	// Fee is the finder fee charged, whose tax numbers receipts print.
	Fee rdv.FeeConfig
}

// Defaults of Config.
const (
	DefaultPollEvery   = 100 * time.Millisecond
	DefaultMaxAttempts = 10
	DefaultRescueAfter = 5 * time.Minute
)

// workers is how many messages leave at once: sending waits on a mail
// server or a provider, and on the store's writer (the attempt's start and
// outcome, each a commit), not on this machine's CPU. A message holds its
// worker 100 ms with a relay 20 ms away and an idle store, 300-700 ms on
// SQLite under a flood of bookings; and on SQLite a worker freed waits
// for River's next fetch, a write on its one connection that queues for
// the database's write lock behind the bookings. With 20 workers River
// completed 47-53 jobs a second under BenchmarkProposalLatency's load,
// fewer than the confirmations written, its workers at times all idle
// between fetches; with 40, 92-96 a second, each fetch taking more jobs
// at once. 40 connections at once stay under a relay's usual cap per
// client (Postfix: 50).
const workers = 40

// stopGrace is how long jobs in flight may finish when Run's context
// ends, before their contexts are cancelled.
const stopGrace = 10 * time.Second

func (c *Config) defaults() error {
	if c.Store == nil {
		return errors.New("notify: no store")
	}
	if c.Links.Base == "" {
		// Every message but a code links to the site.
		return errors.New("notify: no public address for the messages' links")
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.PollEvery <= 0 {
		c.PollEvery = DefaultPollEvery
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = DefaultRescueAfter
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Notifier delivers the outbox: a dispatcher that makes a River job per
// message, and River's workers that send them. Run drives both.
type Notifier struct {
	cfg     Config
	jobs    jobQueue
	migrate func(ctx context.Context) error
	dir     *directory
	load    *writerLoad
}

// jobQueue is the part of a River client, whatever its driver, that the
// notifier uses.
type jobQueue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// NewSQLite returns a notifier whose jobs live in the SQLite database db,
// the store's file opened apart with one connection (sqlite.OpenQueueDB):
// River's operations would otherwise run in parallel on a database that
// has one writer at a time.
func NewSQLite(db *sql.DB, cfg Config) (*Notifier, error) {
	return newNotifier(riversqlite.New(db), cfg, func(ctx context.Context) error { return MigrateSQLite(ctx, db) })
}

// NewPostgres returns a notifier whose jobs live in the PostgreSQL
// database of pool.
func NewPostgres(pool *pgxpool.Pool, cfg Config) (*Notifier, error) {
	return newNotifier(riverpgxv5.New(pool), cfg, func(ctx context.Context) error { return MigratePostgres(ctx, pool) })
}

func newNotifier[TTx any](driver riverdriver.Driver[TTx], cfg Config, migrate func(context.Context) error) (*Notifier, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	n := &Notifier{cfg: cfg, dir: newDirectory(cfg.Store), migrate: migrate, load: newWriterLoad(cfg.Store, cfg.Log)}
	ws := river.NewWorkers()
	if err := river.AddWorkerSafely(ws, &deliverWorker{n: n}); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
	for _, w := range cfg.Work {
		if err := w.Register(ws, queues); err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
	}
	// River takes a job running longer than RescueAfter for a crashed
	// process's: a send is cut off well before.
	timeout := min(time.Minute, cfg.RescueAfter/2)
	// River's fetch polling (FetchPollInterval, 1 s) is only a fallback,
	// on both drivers: PostgreSQL wakes the workers by NOTIFY, and
	// River's SQLite driver by a table of notifications that its listener
	// polls every 50 ms, written in the transaction that inserts the jobs.
	// A fetch then follows an insert within FetchCooldown (100 ms) at most.
	// A shorter cooldown (20 ms, polling every 200 ms) measured no better
	// at 100 bookings a second on SQLite: each fetch is a write there, and
	// more of them lengthen the queue for the write lock.
	client, err := river.NewClient(driver, &river.Config{
		Logger:               cfg.Log,
		Queues:               queues,
		Workers:              ws,
		MaxAttempts:          cfg.MaxAttempts + 1,
		RescueStuckJobsAfter: cfg.RescueAfter,
		JobTimeout:           timeout,
		RetryPolicy:          backoff{},
	})
	if err != nil {
		return nil, fmt.Errorf("notify: River client: %w", err)
	}
	n.jobs = client
	return n, nil
}

// Migrate brings River's tables up to date in the notifier's database.
func (n *Notifier) Migrate(ctx context.Context) error { return n.migrate(ctx) }

// MigrateSQLite brings River's tables up to date in the SQLite database db.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	return migrateRiver(ctx, riversqlite.New(db))
}

// migrateLock is the PostgreSQL advisory lock that instances starting
// together take to migrate River's tables one after the other.
const migrateLock = 0x7264765f72697672 // "rdv_rivr"

// MigratePostgres brings River's tables up to date in the PostgreSQL
// database of pool, one instance at a time.
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate River's tables: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("migrate River's tables: lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLock))
	}()
	return migrateRiver(ctx, riverpgxv5.New(pool))
}

func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	// River's own log of each migration is noise at every start.
	quiet := slog.New(slog.DiscardHandler)
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet})
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return fmt.Errorf("migrate River's tables: %w", err)
	}
	return nil
}

// Run delivers messages until ctx ends: River's workers and the
// dispatcher. Then it stops both: the dispatcher at once, River letting
// the sends in flight finish for a while before it cancels them.
func (n *Notifier) Run(ctx context.Context) error {
	// River's own context outlives ctx, so that ending ctx asks for a
	// graceful stop rather than cancelling every send at once.
	if err := n.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start River: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { n.dispatchEvery(ctx) })
	for _, w := range n.cfg.Work {
		wg.Go(func() { w.Run(ctx, n.jobs) })
	}
	<-ctx.Done()
	wg.Wait()
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
	defer cancel()
	if err := n.jobs.Stop(stop); err == nil {
		return nil
	}
	n.cfg.Log.Warn("messages still sending at shutdown: cancelling them", "grace", stopGrace)
	hard, cancelHard := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
	defer cancelHard()
	if err := n.jobs.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop River: %w", err)
	}
	return nil
}

// backoff is the retry policy of messages that did not leave: 5 s, then
// 30 s, 2, 10 and 30 minutes, then every hour, each within ±10 % so that
// messages refused together are not retried together.
type backoff struct{}

var backoffSteps = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}

// NextRetry implements river.ClientRetryPolicy.
func (backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(retryDelay(job.Attempt))
}

// retryDelay is the wait after a job's attempt-th attempt failed.
func retryDelay(attempt int) time.Duration {
	d := backoffSteps[min(max(attempt, 1), len(backoffSteps))-1]
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d)) // #nosec G404 -- jitter of a retry, not a secret
}

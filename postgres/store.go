// Package postgres keeps the network, its slots and its appointments in
// PostgreSQL, so that several rdv instances can share one database. It
// implements rdv.Store, whose SlotWatcher part is what lets them share it:
// every write that changes a slot's availability is recorded in a change
// log in its own transaction, and each instance follows that log to keep
// its index fresh.
package postgres

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"rdv"
	"rdv/fieldcrypt"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options are the store's pool limits and watcher settings; the zero value
// picks defaults.
type Options struct {
	// MaxConns bounds the pool's connections (default: the URL's
	// pool_max_conns, or 16). The slot watcher holds one more of its own.
	MaxConns int32
	// MinConns is how many connections the pool keeps open (default: the
	// URL's pool_min_conns, or 0). When it is above zero, Open checks that
	// the server answers.
	MinConns int32
	// Log receives warnings (reconnections, retries); default slog.Default().
	Log *slog.Logger
	// ChangeRetention is how long the slot change log is kept for watchers
	// that reconnect (default 10 minutes).
	ChangeRetention time.Duration
	// Keys seal the patient data the store keeps (package fieldcrypt).
	// Nil keeps it in clear: for tests and tools that hold no patient
	// data; Open refuses nil keys on a database that holds sealed values.
	Keys *fieldcrypt.Keys
	// Writers is how many connections take the holds and confirmations
	// of concurrent callers together, a group in one transaction each
	// (writer.go): 0 picks 4; a negative number runs each in a
	// transaction of its own.
	Writers int
	// MaxGroup bounds the writes of one group (default 32).
	MaxGroup int
}

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	opts   Options
	writer *writer       // nil: every write in a transaction of its own
	notify chan struct{} // a change was committed: wake the notifier
	stop   context.CancelFunc
	done   chan struct{} // the notifier has returned
}

var _ rdv.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...). It does not
// migrate: run Migrate first.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.ChangeRetention <= 0 {
		opts.ChangeRetention = 10 * time.Minute
	}
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !inURL(cfg, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	cfg.MinConns = min(cfg.MinConns, cfg.MaxConns)
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, rdv.Errorf(rdv.EINVALID, "database pool: %v", err)
	}
	// The pool opens its minimum in the background: an operator who asked
	// for warm connections learns at once that the server is unreachable.
	if cfg.MinConns > 0 {
		if err := p.Ping(ctx); err != nil {
			p.Close()
			return nil, &rdv.Error{Code: rdv.EUNAVAILABLE, Detail: "open postgres", Err: err}
		}
	}
	nctx, stop := context.WithCancel(context.Background())
	s := &Store{
		pool:   p,
		log:    opts.Log,
		opts:   opts,
		notify: make(chan struct{}, 1),
		stop:   stop,
		done:   make(chan struct{}),
	}
	go s.runNotifier(nctx)
	if opts.Writers >= 0 {
		s.writer = startWriter(s, cmp.Or(opts.Writers, 4), cmp.Or(opts.MaxGroup, 32))
	}
	first, err := s.checkKeys(ctx)
	switch {
	case rdv.ErrorCode(err) == rdv.EUNAVAILABLE:
		// A server starts while the database is down, and serves what it
		// can; the keys are checked by the next start that reaches it.
		s.log.Warn("data keys not checked: the database is unreachable", "err", err)
	case err != nil:
		_ = s.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	default:
		// The first start with keys seals the rows kept in clear before; a
		// later one, those a migration left in clear.
		if err := s.sealPending(ctx, first); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open postgres: seal the patient data kept in clear: %w", err)
		}
	}
	return s, nil
}

// Close stops the store's background work and closes its connections.
func (s *Store) Close() error {
	if s.writer != nil {
		s.writer.close()
	}
	s.stop()
	<-s.done
	s.pool.Close()
	return nil
}

// parseConfig reads a database URL, with pgxpool's pool_* parameters;
// its connect_timeout bounds the dial (boundDialOnly).
func parseConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, rdv.Errorf(rdv.EINVALID, "parse database url: %v", err)
	}
	boundDialOnly(&cfg.ConnConfig.Config)
	return cfg, nil
}

// inURL reports whether the URL the config was parsed from sets param.
func inURL(cfg *pgxpool.Config, param string) bool {
	c, err := pgx.ParseConfig(cfg.ConnString())
	if err != nil {
		return false
	}
	_, ok := c.RuntimeParams[param]
	return ok
}

// Migrate brings the database at url to the latest schema. Instances that
// migrate at the same time wait for each other on an advisory lock.
func Migrate(ctx context.Context, url string) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	cfg, err := parseConfig(url)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return mapError(fmt.Errorf("migrate: %w", err))
	}
	return nil
}

// maxAttempts bounds the retries of a transaction that lost a
// serialization race or a deadlock, or found its connection dead before
// sending anything.
const maxAttempts = 5

// inTx runs fn in one READ COMMITTED transaction and commits it, retrying
// with jittered backoff on serialization failures and deadlocks, and when
// the connection failed before COMMIT was sent: the server rolls back the
// transaction of a backend that goes away, so running it again cannot
// apply it twice. A connection lost during COMMIT leaves the outcome
// unknown: that is reported as EUNAVAILABLE, for the client to retry with
// its idempotency key. fn must be safe to run again: it sees a fresh
// transaction each time.
//
// Writes use READ COMMITTED with row locks (SELECT ... FOR UPDATE on the
// appointment, conditional UPDATE ... WHERE state ... RETURNING on the
// slot) rather than SERIALIZABLE: each booking touches a handful of rows it
// names by key, so locking them decides every race in one round trip
// without the aborts and retries that SERIALIZABLE would cost under
// contention for popular slots; the partial unique index on appointments
// backs this up inside the database.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			if werr := backoff(ctx, attempt); werr != nil {
				break
			}
		}
		var committing bool
		committing, err = s.tryTx(ctx, fn)
		if err == nil {
			return nil
		}
		if !retryable(err) && (committing || !lostConn(ctx, err)) {
			break
		}
	}
	return mapError(fmt.Errorf("%s: %w", what, err))
}

// tryTx runs fn in a transaction; committing reports whether the error
// came from COMMIT itself.
func (s *Store) tryTx(ctx context.Context, fn func(tx pgx.Tx) error) (committing bool, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	begun, err := conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	tx := keyedTx{begun, s.opts.Keys}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return false, err
	}
	return true, tx.Commit(ctx)
}

// withConn runs a read (or another statement that is harmless to repeat)
// on a pooled connection, again on another connection if the first one
// turns out to be dead.
func (s *Store) withConn(ctx context.Context, what string, fn func(c *pgx.Conn) error) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			if !lostConn(ctx, err) || backoff(ctx, attempt) != nil {
				break
			}
		}
		var conn *pgxpool.Conn
		conn, err = s.pool.Acquire(ctx)
		if err != nil {
			continue
		}
		err = fn(conn.Conn())
		conn.Release()
		if err == nil {
			return nil
		}
	}
	return mapError(fmt.Errorf("%s: %w", what, err))
}

// lostConn reports whether err is the loss of a connection (or a failure
// to make one) that another connection may not suffer.
func lostConn(ctx context.Context, err error) bool {
	return isConnError(err) && !errors.Is(err, errPoolClosed) && ctx.Err() == nil
}

func backoff(ctx context.Context, attempt int) error {
	base := time.Duration(1<<attempt) * time.Millisecond
	d := base + rand.N(base*2) // #nosec G404 -- jitter of a retry, not a secret
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// changed wakes the notifier after a commit that changed availability.
func (s *Store) changed() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// keyedTx is a transaction of the store with the keys that its writes
// seal patient data with, so that a function handed the transaction
// seals as the store does (keysOf).
type keyedTx struct {
	pgx.Tx
	keys *fieldcrypt.Keys
}

// keysOf returns the keys of a transaction the store began. Any other
// transaction is a mistake that would write patient data in clear.
func keysOf(tx pgx.Tx) *fieldcrypt.Keys {
	k, ok := tx.(keyedTx)
	if !ok {
		panic(fmt.Sprintf("postgres: a transaction %T without the store's keys", tx))
	}
	return k.keys
}

// Package sqlite is the embedded store: rdv.Store on a single SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode with full fsync durability.
//
// Reads go through a pool of read-only connections. Every write goes
// through one writer goroutine that owns the only write connection and
// commits the writes that arrive together in one transaction, each in its
// own savepoint (group commit): durability costs one fsync per batch, not
// one per booking, and a write that fails rolls back only itself.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"rdv"
	"rdv/fieldcrypt"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the store. Zero values take the defaults.
type Options struct {
	ReadConns int // read-only connections (default 4)
	MaxBatch  int // writes committed together at most (default 256)
	// Keys seal the patient data the store keeps (package fieldcrypt).
	// Nil keeps it in clear: for tests and tools that hold no patient
	// data; Open refuses nil keys on a database that holds sealed values.
	Keys *fieldcrypt.Keys
}

func (o *Options) defaults() {
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
}

// Store is the SQLite implementation of rdv.Store.
type Store struct {
	path      string
	readConns int
	read      *sql.DB // query_only connections
	write     *sql.DB // one connection, owned by the writer goroutine
	reads     *stmtCache
	writer    *writer
	keys      *fieldcrypt.Keys
	close     sync.Once
	err       error
}

var _ rdv.Store = (*Store)(nil)

// dsn returns the data source name for path. busy_timeout comes first so
// that the pragmas after it already wait instead of failing on a lock; the
// driver runs the _pragma list on every new connection.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Each write of a batch runs in a savepoint, whose sub-journal
		// keeps the pages it changes; on disk (the default) it spills to
		// a file past 64 KiB, and from then on every page a write first
		// touches costs a system call. In memory it never spills.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	return "file:" + path + "?" + q.Encode()
}

// OpenQueueDB opens the database file at path apart from the store, with
// the store's pragmas and one connection, for the background jobs
// (River), whose tables live in the same file. Its transactions take the
// write lock when they begin, as the store's writer does: a transaction
// that read before it wrote would fail at once, rather than wait, when
// the store had committed in between.
func OpenQueueDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, false)+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s for background jobs: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Open opens (creating if needed) the database at path, applies the
// migrations and starts the writer. Close releases it.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts.defaults()
	if err := Migrate(ctx, path); err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s for writing: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	conn, err := write.Conn(ctx)
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("open %s for writing: %w", path, mapError(err))
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		_ = conn.Close()
		_ = write.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(opts.ReadConns)
	read.SetMaxIdleConns(opts.ReadConns)
	read.SetConnMaxLifetime(0)
	read.SetConnMaxIdleTime(0)
	if err := read.PingContext(ctx); err != nil {
		_ = conn.Close()
		_ = write.Close()
		_ = read.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, mapError(err))
	}
	first, err := checkKeys(ctx, conn, opts.Keys)
	if err != nil {
		_ = conn.Close()
		_ = write.Close()
		_ = read.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{path: path, readConns: opts.ReadConns, read: read, write: write, reads: newStmtCache(read), keys: opts.Keys}
	s.writer = startWriter(conn, opts.MaxBatch, opts.Keys)
	if err := s.loadWebhooksFlag(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	// The first start with keys seals the rows kept in clear before; a
	// later one, those a migration left in clear.
	if err := s.sealPending(ctx, first); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open %s: seal the patient data kept in clear: %w", path, err)
	}
	return s, nil
}

// Migrate applies the embedded migrations to the database at path,
// creating it if needed, readable by its owner only. A new file starts as
// a copy of the schema this process migrated once (see freshSchema).
func Migrate(ctx context.Context, path string) error {
	created, err := createPrivate(path)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", path, err)
	}
	if created {
		if err := writeFreshSchema(ctx, path); err != nil {
			return fmt.Errorf("migrate %s: %w", path, err)
		}
		return nil
	}
	return migrate(ctx, path)
}

// migrate runs the migrations not yet applied to the database at path.
func migrate(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return fmt.Errorf("migrate %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate %s: %w", path, err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate %s: %w", path, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", path, mapError(err))
	}
	return nil
}

// freshSchema is the file of a database with every migration applied and
// no rows, built once per process. Running thirty migrations costs
// seconds under the race detector and a noticeable part of a second
// without; copying their result costs a write of a few hundred KiB. A
// server creates one database and pays the same either way; the tests,
// the drill and a restore create many.
var freshSchema struct {
	once sync.Once
	file []byte
	err  error
}

// writeFreshSchema fills the new, empty file at path with the migrated
// schema.
func writeFreshSchema(ctx context.Context, path string) error {
	freshSchema.once.Do(func() {
		freshSchema.file, freshSchema.err = buildFreshSchema(context.WithoutCancel(ctx))
	})
	if freshSchema.err != nil {
		return freshSchema.err
	}
	return os.WriteFile(path, freshSchema.file, 0o600)
}

func buildFreshSchema(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "rdv-schema-")
	if err != nil {
		return nil, fmt.Errorf("build the schema: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "schema.db")
	if _, err := createPrivate(path); err != nil {
		return nil, err
	}
	// migrate closes its connection at the end, which checkpoints the WAL
	// into the file and removes it: the file alone holds the schema.
	if err := migrate(ctx, path); err != nil {
		return nil, err
	}
	file, err := os.ReadFile(path) // #nosec G304 -- a file of our own temporary directory
	if err != nil {
		return nil, fmt.Errorf("build the schema: %w", err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("build the schema: its log was left beside it")
	}
	return file, nil
}

// Close stops the writer once it has answered the writes already handed
// to it, then closes the database. Writes after Close fail with
// EUNAVAILABLE. It is safe to call more than once.
func (s *Store) Close() error {
	s.close.Do(func() {
		werr := s.writer.stop()
		rerr := s.reads.close()
		if err := s.read.Close(); rerr == nil {
			rerr = err
		}
		if err := s.write.Close(); werr == nil {
			werr = err
		}
		switch {
		case werr != nil:
			s.err = fmt.Errorf("close %s: %w", s.path, werr)
		case rerr != nil:
			s.err = fmt.Errorf("close %s: %w", s.path, rerr)
		}
	})
	return s.err
}

// AfterCommit makes every write that commits wait for wait before its
// caller hears of it; nil stops that. rdv serve --replica-wait sets it to
// the replica's copy (replica.Replicator.Copied), so that a write is
// acknowledged only once the replica holds it. A write whose wait fails
// is committed but answered EUNAVAILABLE: retried with its idempotency
// key, it is answered as it was made. Reads, failed writes and holds
// wait for nothing: a hold lives minutes, and a restore that loses one
// loses no booking (its confirmation, which waits, carries it).
func (s *Store) AfterCommit(wait func(context.Context) error) {
	if wait == nil {
		s.writer.afterCommit.Store(nil)
		return
	}
	s.writer.afterCommit.Store(&wait)
}

// Stats counts the writer's work since Open: how well group commit
// batches (Writes/Commits writes share each fsync).
type Stats struct {
	Commits      int64 // batch transactions run
	Writes       int64 // writes run in them
	LargestBatch int64 // most writes in one transaction
}

// WriterBusy returns how long the writer has spent writing since the
// store opened: sampled twice, the share of the time between that it was
// busy. Background work that shares the one writer with the bookings
// (the delivery of messages) holds back while it is saturated.
func (s *Store) WriterBusy() time.Duration { return time.Duration(s.writer.busy.Load()) }

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.writer.batches.Load(), Writes: s.writer.commands.Load(), LargestBatch: s.writer.largest.Load()}
}

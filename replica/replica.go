// Package replica copies an SQLite database continuously to a directory,
// and brings it back as it was at a moment: the recovery point of the
// embedded store is then the moment before an attack, not the newest
// backup.
//
// It is Litestream (github.com/benbjohnson/litestream) used as a library,
// in the server's own process. Litestream holds a read transaction on the
// database so that SQLite cannot restart its write-ahead log before the
// new frames are copied; every second it copies the frames committed
// since into a file of pages stamped with the time it saw them (level 0),
// ships it to the replica, and checkpoints the log itself. Level 0 files
// are merged every minute and every hour (levels 1 and 2) and a whole
// snapshot is taken each day, so that a restore reads a snapshot and a
// few merged files, then the level 0 files of the last minute. A restore
// to a moment lays the files stamped before it over the snapshot before
// it: the database as the last copy before that moment saw it.
//
// The store's own pragmas stay as they are: Litestream opens connections
// of its own (same driver, so the same process's locks are shared, never
// lost); SQLite's automatic checkpoints of the store's writer are
// passive, so they copy frames into the database but cannot restart the
// log under Litestream's read transaction; the write-ahead log and full
// fsync are what Litestream needs.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
)

// The replica's rhythm. A copy every second bounds what a lost server
// loses to a second, and the precision of a restore to a second; level 0
// files are kept a day, so that an attack found within a day is undone
// to the second; snapshots are kept a week, the farthest a restore can
// reach back.
const (
	copyEvery         = time.Second
	keepEveryCopy     = 24 * time.Hour
	snapshotEvery     = 24 * time.Hour
	keepSnapshots     = 7 * 24 * time.Hour
	mergeEveryMinute  = time.Minute
	mergeEveryHour    = time.Hour
	shutdownSyncLimit = 30 * time.Second
	// copyLimit bounds a copy that writes wait for (Copied): past it they
	// fail rather than hang on a replica that stopped answering.
	copyLimit = 10 * time.Second
	// copyGap is the least time between two copies that writes wait
	// for: what a write may wait more, for a copy to carry more writes.
	copyGap = 50 * time.Millisecond
)

// Replicator copies one database to its replica until Close.
type Replicator struct {
	store *litestream.Store
	dir   string

	// The writes waiting in Copied for the next copy, and whether a copy
	// for them is under way.
	mu       sync.Mutex
	waiting  []chan error
	copying  bool
	lastCopy time.Time // when the last copy for waiting writes began
}

// Start begins copying the database at path to the directory dir, which
// it creates if needed. The first copy is a snapshot of the whole
// database, taken in the background. The database's connections must
// all be closed before Close: Litestream's own file handle, once closed,
// would take the process's locks on the file with it.
func Start(ctx context.Context, path, dir string, log *slog.Logger) (*Replicator, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("replica %s: %w", dir, err)
	}
	db := litestream.NewDB(path)
	db.MonitorInterval = copyEvery
	client := file.NewReplicaClient(dir)
	r := litestream.NewReplicaWithClient(db, client)
	r.SyncInterval = copyEvery
	db.Replica = r
	client.Replica = r // files made with the database file's owner and mode
	store := litestream.NewStore([]*litestream.DB{db}, litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: mergeEveryMinute},
		{Level: 2, Interval: mergeEveryHour},
	})
	// NewStore hands its default logger to the database: both are given
	// the server's, quiet below warnings (a line per copy and merge
	// otherwise).
	logger := slog.New(warnings{log.Handler()}).With("replica", dir)
	store.Logger = logger
	db.SetLogger(logger)
	store.L0Retention = keepEveryCopy
	db.L0Retention = keepEveryCopy
	store.SnapshotInterval = snapshotEvery
	store.SnapshotRetention = keepSnapshots
	store.ShutdownSyncTimeout = shutdownSyncLimit
	db.ShutdownSyncTimeout = shutdownSyncLimit
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica %s: %w", dir, err)
	}
	return &Replicator{store: store, dir: dir}, nil
}

// Close copies what is left of the log to the replica, then stops.
func (r *Replicator) Close(ctx context.Context) error {
	if err := r.store.Close(ctx); err != nil {
		return fmt.Errorf("replica %s: %w", r.dir, err)
	}
	return nil
}

// Sync copies the frames committed so far to the replica now, and waits
// until they are there.
func (r *Replicator) Sync(ctx context.Context) error {
	for _, db := range r.store.DBs() {
		if err := db.SyncAndWait(ctx); err != nil {
			return fmt.Errorf("replica %s: %w", r.dir, err)
		}
	}
	return nil
}

// Copied waits until the replica holds every transaction committed
// before the call. A server that acknowledges a write only after it (rdv
// serve --replica-wait) has a recovery point of its last acknowledged
// write, where the copy every second alone loses the writes of the last
// second: a restore to the moment before an attack then brings back
// every booking acknowledged before it, since each was in a copy
// stamped before its acknowledgement (copies are stamped after the
// frames they hold are read), and the attack's first statement, which
// came later, is in none of those copies.
//
// Writes that arrive while a copy is under way wait for the next one,
// which then serves them all: under load a copy carries many writes, and
// a write waits at most two copies' time. A failed copy fails every
// write that waited for it.
func (r *Replicator) Copied(ctx context.Context) error {
	done := make(chan error, 1)
	r.mu.Lock()
	r.waiting = append(r.waiting, done)
	if !r.copying {
		r.copying = true
		// The copy serves every write waiting, not this one alone: a
		// caller that gives up must not cancel it for the others.
		go r.copyForWaiting(context.WithoutCancel(ctx))
	}
	r.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// copyForWaiting copies for the writes waiting, round after round, until
// none is left.
func (r *Replicator) copyForWaiting(base context.Context) {
	for {
		// Let the writes of a burst gather: a copy costs milliseconds of
		// CPU (files opened, written, synced) whatever it carries.
		time.Sleep(time.Until(r.lastCopy.Add(copyGap)))
		r.lastCopy = time.Now()
		r.mu.Lock()
		batch := r.waiting
		r.waiting = nil
		if len(batch) == 0 {
			r.copying = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(base, copyLimit)
		err := r.Sync(ctx)
		cancel()
		for _, done := range batch {
			done <- err
		}
	}
}

// ErrNoCopy: the replica holds no copy of the database at or before the
// moment asked.
var ErrNoCopy = errors.New("the replica holds no copy from before that moment")

// Restore writes into out, a file that must not exist, the database as
// the replica in dir held it at the moment at: every copy stamped before
// it, none after. A zero at restores the newest copy. out is created
// readable by its owner only.
func Restore(ctx context.Context, dir, out string, at time.Time) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("replica %s: %w", dir, err)
	}
	r := litestream.NewReplicaWithClient(nil, file.NewReplicaClient(dir))
	first, last, err := r.TimeBounds(ctx)
	if err != nil {
		return fmt.Errorf("replica %s: %w", dir, err)
	}
	if !at.IsZero() && (first.IsZero() || !first.Before(at)) {
		return fmt.Errorf("replica %s: %w (its first copy: %s)", dir, ErrNoCopy, stamp(first))
	}
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = out
	// Litestream takes a moment past the newest copy for one it does not
	// hold; the newest copy is the database at any moment after it.
	if !at.IsZero() && at.Before(last) {
		opt.Timestamp = at
	}
	if err := r.Restore(ctx, opt); err != nil {
		if errors.Is(err, litestream.ErrNoSnapshots) || errors.Is(err, litestream.ErrTxNotAvailable) {
			return fmt.Errorf("replica %s: %w: %v", dir, ErrNoCopy, err)
		}
		return fmt.Errorf("replica %s: restore: %w", dir, err)
	}
	if err := os.Chmod(out, 0o600); err != nil {
		return fmt.Errorf("replica %s: %w", dir, err)
	}
	return nil
}

// warnings passes on warnings and errors only.
type warnings struct{ slog.Handler }

func (h warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnings) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnings{h.Handler.WithAttrs(attrs)}
}

func (h warnings) WithGroup(name string) slog.Handler { return warnings{h.Handler.WithGroup(name)} }

func stamp(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

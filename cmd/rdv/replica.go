package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/flagenv"
	"rdv/replica"
)

// replicaStopLimit bounds the last copy of the log when the server stops.
const replicaStopLimit = 30 * time.Second

// registerReplica adds rdv serve's --replica and --replica-wait flags.
func registerReplica(fs *flag.FlagSet, env *flagenv.Reader, dir *string, wait *bool) {
	fs.StringVar(dir, "replica", env.String("RDV_REPLICA", ""),
		"SQLite: directory the database is copied to continuously, every second, for a restore to a moment (rdv restore --replica DIR --at TIME); outside the database's directory, on storage the server's user cannot delete from (env RDV_REPLICA)")
	fs.BoolVar(wait, "replica-wait", env.Bool("RDV_REPLICA_WAIT", true),
		"with --replica: acknowledge a write only once the replica holds it, so that a restore to the moment before an attack brings back every write acknowledged before it; false acknowledges at commit, and a restore may lose the last second's (env RDV_REPLICA_WAIT)")
}

// afterCommitter is a store whose writes can wait after their commit
// (sqlite.Store.AfterCommit).
type afterCommitter interface {
	AfterCommit(wait func(context.Context) error)
}

// checkReplicaDir refuses --replica on PostgreSQL, whose WAL pgBackRest
// archives, and a directory in the database's own or below it: whoever
// takes or encrypts that directory would take the replica with it.
func checkReplicaDir(dir, db string) error {
	if dir == "" {
		return nil
	}
	if isPostgresURL(db) {
		return errors.New("--replica: PostgreSQL's write-ahead log is archived by pgBackRest, not by rdv: see docs/backup.md")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("--replica: %w", err)
	}
	base, err := filepath.Abs(filepath.Dir(db))
	if err != nil {
		return fmt.Errorf("--replica: %w", err)
	}
	if rel, err := filepath.Rel(base, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("--replica %s lies in the database's directory %s: keep it elsewhere, where the server's user cannot delete it", dir, base)
	}
	return nil
}

// startReplica copies the database to --replica until the returned stop,
// which closes the store first: Litestream's file handle, closed while
// the store's connections are open, would take their locks with it.
// Without --replica, stop does nothing more than the deferred Close.
func (m *Main) startReplica(ctx context.Context, dir string, wait bool, db string, store rdv.Store) (stop func(), err error) {
	if dir == "" {
		return func() {}, nil
	}
	r, err := replica.Start(ctx, db, dir, m.Log)
	if err != nil {
		return nil, err
	}
	if wait {
		s, ok := store.(afterCommitter)
		if !ok {
			_ = r.Close(ctx)
			return nil, fmt.Errorf("--replica-wait: the store %T cannot wait for the replica", store)
		}
		s.AfterCommit(r.Copied)
	}
	m.Log.Info("database copied continuously", "replica", dir, "writes_wait_for_the_copy", wait)
	return func() {
		if err := store.Close(); err != nil {
			m.Log.Error("close the store before the replica's last copy", "err", err)
		}
		cctx, cancel := context.WithTimeout(context.Background(), replicaStopLimit)
		defer cancel()
		if err := r.Close(cctx); err != nil {
			m.Log.Error("the replica's last copy", "err", err)
		}
	}, nil
}

// replicaSource is rdv restore's other source: a replica and a moment.
type replicaSource struct {
	Dir string
	At  string
}

func (s *replicaSource) register(fs *flag.FlagSet) {
	// No RDV_REPLICA here: set for the servers, it would turn every
	// rdv restore --in into a conflict of sources.
	fs.StringVar(&s.Dir, "replica", "", "restore from this replica (rdv serve --replica) instead of a backup file")
	fs.StringVar(&s.At, "at", "", "with --replica: the moment to bring back, RFC 3339 (2031-03-03T04:12:00-05:00), such as just before an attack's first statement (default: the newest copy)")
}

// check validates the sources given: one backup file or one replica.
func (s *replicaSource) check(in, db string) error {
	switch {
	case db == "":
		return errors.New("restore: --db FILE is required, with --in FILE or --replica DIR")
	case in != "" && s.Dir != "":
		return errors.New("restore: --in and --replica: give one source")
	case in == "" && s.Dir == "":
		return errors.New("restore: --in FILE (a backup) or --replica DIR is required")
	case s.At != "" && s.Dir == "":
		return errors.New("restore: --at goes with --replica; a backup file holds one moment only")
	}
	if s.At != "" {
		if _, err := time.Parse(time.RFC3339Nano, s.At); err != nil {
			return fmt.Errorf("restore: --at %q: want RFC 3339, such as 2031-03-03T04:12:00-05:00", s.At)
		}
	}
	return nil
}

// restoreReplica brings the replica back as it was at --at into db, with
// the checks a backup's restore runs.
func (m *Main) restoreReplica(ctx context.Context, s replicaSource, db string, keys *fieldcrypt.Keys, check func(context.Context, string) error, checked string) error {
	var at time.Time
	moment := "its newest copy"
	if s.At != "" {
		at, _ = time.Parse(time.RFC3339Nano, s.At) // checked by check
		moment = at.Format(time.RFC3339Nano)
	}
	began := time.Now()
	err := restoreInto(ctx, db, keys, check, func(tmp string) error { return replica.Restore(ctx, s.Dir, tmp, at) })
	if err != nil {
		return fmt.Errorf("restore from %s: %w; %s was left as it was", s.Dir, err, db)
	}
	fmt.Fprintf(m.Stdout, "restored %s as it was at %s into %s in %.1f s: %s and foreign keys checked, schema up to date\n",
		s.Dir, moment, db, time.Since(began).Seconds(), checked)
	return nil
}

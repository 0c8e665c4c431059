package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/flagenv"
	"rdv/postgres"
	"rdv/sqlite"
)

// storeFlags are the database settings shared by the subcommands.
type storeFlags struct {
	DB         string
	ReadConns  int
	PGMaxConns int
	PGMinConns int
	Keys       keyFlags
	// createDemoKeys makes the demo's data keys beside an SQLite database
	// that has none (rdv demo, rdv serve --demo).
	createDemoKeys bool
	// keys are the data keys open loaded, for what seals beside the
	// store (the requests' spool).
	keys *fieldcrypt.Keys
}

func (f *storeFlags) register(fs *flag.FlagSet, env *flagenv.Reader) {
	fs.StringVar(&f.DB, "db", env.String("RDV_DB", "rdv.db"), "database: a file path for embedded SQLite, or a postgres:// URL (env RDV_DB)")
	fs.IntVar(&f.ReadConns, "sqlite-read-conns", env.Int("RDV_SQLITE_READ_CONNS", 4), "SQLite: connections for reads (env RDV_SQLITE_READ_CONNS)")
	fs.IntVar(&f.PGMaxConns, "pg-max-conns", env.Int("RDV_PG_MAX_CONNS", 32), "PostgreSQL: most connections this instance opens, besides one for change notifications (env RDV_PG_MAX_CONNS)")
	fs.IntVar(&f.PGMinConns, "pg-min-conns", env.Int("RDV_PG_MIN_CONNS", 4), "PostgreSQL: connections kept open when idle (env RDV_PG_MIN_CONNS)")
	f.Keys.register(fs, env)
}

func (f *storeFlags) isPostgres() bool { return isPostgresURL(f.DB) }

// isPostgresURL tells a PostgreSQL URL from an SQLite file path.
func isPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// maxPGConns bounds --pg-max-conns: far more than one instance needs,
// and within the pool's int32.
const maxPGConns = 100_000

// open opens the store the flags name, migrating its schema. The store's
// own warnings (reconnections, retries) go to log, with the server's.
func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (rdv.Store, error) {
	keys, err := f.Keys.load(f.DB, f.createDemoKeys, log)
	if err != nil {
		return nil, err
	}
	f.keys = keys
	if keys == nil {
		log.Warn("no data keys: patient data is kept in clear; give --keys FILE or RDV_KEYS")
	} else {
		log.Info("patient data sealed", "key", keys.CurrentID(), "keys", len(keys.IDs()))
	}
	if f.isPostgres() {
		// The pool counts in int32: a larger number would wrap around to
		// a negative or a small one instead of being refused.
		if f.PGMaxConns < 1 || f.PGMaxConns > maxPGConns || f.PGMinConns < 0 || f.PGMinConns > f.PGMaxConns {
			return nil, fmt.Errorf("--pg-min-conns %d and --pg-max-conns %d: want 0 <= min <= max, 1 <= max <= %d", f.PGMinConns, f.PGMaxConns, maxPGConns)
		}
		// #nosec G115 -- 0 <= min <= max <= maxPGConns, checked just above
		s, err := postgres.Open(ctx, f.DB, postgres.Options{MaxConns: int32(f.PGMaxConns), MinConns: int32(f.PGMinConns), Log: log, Keys: keys})
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		return s, nil
	}
	if f.ReadConns < 1 {
		return nil, fmt.Errorf("--sqlite-read-conns %d: want at least 1", f.ReadConns)
	}
	s, err := sqlite.Open(ctx, f.DB, sqlite.Options{ReadConns: f.ReadConns, Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.DB, err)
	}
	return s, nil
}

// openMigrated brings the schema up to date, then opens the store: what
// a newcomer expects of rdv demo and serve --demo on a new PostgreSQL
// database, as on SQLite (whose Open migrates by itself). A production
// server does not migrate on its own: its operator runs rdv migrate
// before starting a new version.
func (f *storeFlags) openMigrated(ctx context.Context, log *slog.Logger) (rdv.Store, error) {
	if f.isPostgres() {
		if err := f.migrate(ctx); err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	return f.open(ctx, log)
}

// migrate brings the schema of the flags' database up to date, with the
// tables of its background jobs (River's).
func (f *storeFlags) migrate(ctx context.Context) error {
	var err error
	if f.isPostgres() {
		err = postgres.Migrate(ctx, f.DB)
	} else {
		err = sqlite.Migrate(ctx, f.DB)
	}
	if err != nil {
		return err
	}
	return migrateQueue(ctx, f)
}

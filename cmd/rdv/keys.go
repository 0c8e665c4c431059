package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"rdv/fieldcrypt"
	"rdv/flagenv"
)

// demoDataKeysName is the file, in a demo database's directory, that holds
// the demo's data keys, so that the demo, rdv backup and rdv restore need
// no flag there: a database restored beside the demo's opens with them.
// One per directory, like the demo's backup key. Production gives its
// keys with --keys or RDV_KEYS and keeps them away from the data.
const demoDataKeysName = "rdv-demo-data.keys"

func demoDataKeysPath(db string) string {
	return filepath.Join(filepath.Dir(db), demoDataKeysName)
}

// keyFlags are where a command finds the data keys that seal patient
// data (package fieldcrypt).
type keyFlags struct {
	File string // --keys
	Text string // RDV_KEYS: the keys themselves, for secrets handed through the environment
}

func (f *keyFlags) register(fs *flag.FlagSet, env *flagenv.Reader) {
	fs.StringVar(&f.File, "keys", "", "file of the data keys that seal patient data (index=… and k1=…, k2=…: the highest seals); kept away from the data; env RDV_KEYS holds the keys themselves instead")
	f.Text = env.String("RDV_KEYS", "")
}

// load returns the data keys for the database db: those given by --keys
// or RDV_KEYS, else the demo's beside an SQLite database, created there
// first when demo is true. With none of these it returns nil keys: the
// store then keeps patient data in clear, and refuses to open a database
// that holds sealed values.
func (f *keyFlags) load(db string, demo bool, log *slog.Logger) (*fieldcrypt.Keys, error) {
	switch {
	case f.File != "" && f.Text != "":
		return nil, errors.New("data keys: give --keys or RDV_KEYS, not both")
	case f.File != "":
		if !isPostgresURL(db) {
			if err := keysOutsideDataDir(f.File, db); err != nil {
				return nil, err
			}
		}
		k, err := fieldcrypt.ReadFile(f.File)
		if err != nil {
			return nil, fmt.Errorf("data keys: %w", err)
		}
		return k, nil
	case f.Text != "":
		k, err := fieldcrypt.Parse(f.Text)
		if err != nil {
			return nil, fmt.Errorf("data keys: RDV_KEYS: %w", err)
		}
		return k, nil
	case isPostgresURL(db):
		return nil, nil
	}
	path := demoDataKeysPath(db)
	if demo {
		created, err := fieldcrypt.CreateFile(path)
		if err != nil {
			return nil, fmt.Errorf("create the demo's data keys: %w", err)
		}
		if created {
			log.Info("demo data keys created: patient data is sealed with them; rdv serve, backup and restore use them here without flags; production gives --keys or RDV_KEYS and keeps them away from the data",
				"path", path)
		}
	}
	k, err := fieldcrypt.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("data keys: %w", err)
	}
	return k, nil
}

// keysOutsideDataDir refuses a production key file in the database's
// directory: a copy of the directory would carry the data and its keys.
func keysOutsideDataDir(keys, db string) error {
	keyPath, err := realPath(keys)
	if err != nil {
		return fmt.Errorf("data keys: --keys: %w", err)
	}
	dir, err := realPath(filepath.Dir(db))
	if err != nil {
		return fmt.Errorf("data keys: the directory of --db: %w", err)
	}
	rel, err := filepath.Rel(dir, keyPath)
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("data keys: %s lies in the database's directory %s: keep the keys elsewhere (a demo leaves --keys out and uses %s)", keys, dir, demoDataKeysName)
	}
	return nil
}

const keysUsage = `Usage:
  rdv keys generate > FILE              print a new key set (an index key and k1)
  rdv keys add --keys FILE              add a data key to FILE, which seals from then on
  rdv keys rotate --db DB [--keys FILE] [--batch 500]   reseal older values, servers running
`

// Keys manages the data keys: a new set, a new key, and the rotation that
// reseals the values of older keys with the newest while servers run.
func (m *Main) Keys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, keysUsage)
		return errNoCommand
	}
	switch args[0] {
	case "generate":
		fmt.Fprint(m.Stdout, fieldcrypt.Generate())
		return nil
	case "add":
		return m.keysAdd(args[1:])
	case "rotate":
		return m.keysRotate(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, keysUsage)
		return nil
	}
	fmt.Fprint(m.Stderr, keysUsage)
	return fmt.Errorf("unknown keys command %q", args[0])
}

func (m *Main) keysAdd(args []string) error {
	fs := newFlagSet("keys add", m.Stderr)
	file := fs.String("keys", "", "the key file to add a data key to (required)")
	db := fs.String("db", "", "or: the demo database whose key file, beside it, gains the key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := *file
	if path == "" && *db != "" && !isPostgresURL(*db) {
		path = demoDataKeysPath(*db)
	}
	if path == "" {
		return errors.New("keys add: give --keys FILE")
	}
	id, err := fieldcrypt.AddKey(path)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	fmt.Fprintf(m.Stdout, "%s added to %s: restart every server with it, then run rdv keys rotate\n", id, path)
	return nil
}

func (m *Main) keysRotate(ctx context.Context, args []string) error {
	fs := newFlagSet("keys rotate", m.Stderr)
	var sf storeFlags
	env := &flagenv.Reader{}
	sf.register(fs, env)
	batch := fs.Int("batch", 500, "rows resealed per transaction")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *batch < 1 {
		return fmt.Errorf("--batch %d: want at least 1", *batch)
	}
	keys, err := sf.Keys.load(sf.DB, false, m.Log)
	if err != nil {
		return err
	}
	if keys == nil {
		return errors.New("keys rotate: no data keys: give --keys FILE or RDV_KEYS")
	}
	store, err := sf.open(ctx, m.Log)
	if err != nil {
		return err
	}
	defer store.Close()
	began := time.Now()
	n, err := store.RotateKeys(ctx, *batch, func(table string, rows int) {
		m.Log.Info("keys rotate: batch resealed", "table", table, "rows", rows)
	})
	if err != nil {
		return err
	}
	left, err := store.StaleSealed(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d rows resealed with %s in %s; %d left (rows that a write held: run again)\n",
		n, keys.CurrentID(), time.Since(began).Round(time.Millisecond), left)
	return nil
}

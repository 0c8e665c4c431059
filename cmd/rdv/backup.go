package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"rdv/backup"
	"rdv/fieldcrypt"
	"rdv/flagenv"
	"rdv/sqlite"
)

// errPostgresBackup answers rdv backup and rdv restore on PostgreSQL.
// pgBackRest does it better than a dump could: continuous WAL archiving
// restores to any moment, not only to the last dump, and its repository
// belongs to another OS user, so that the database's credentials (an
// attacker's, once the application is taken) cannot delete backups.
var errPostgresBackup = errors.New("PostgreSQL is backed up by pgBackRest (WAL archiving, full and incremental backups, restore to a moment): see docs/backup.md and deploy/pgbackrest/")

// Backup runs rdv backup: an encrypted snapshot of an SQLite database,
// taken while servers keep using it.
func (m *Main) Backup(ctx context.Context, args []string) error {
	fs := newFlagSet("backup", m.Stderr)
	env := &flagenv.Reader{}
	db := fs.String("db", env.String("RDV_DB", "rdv.db"), "the SQLite database file to back up (env RDV_DB)")
	out := fs.String("out", "", "the backup file to write (required); replaced whole once the new backup is complete")
	recipients := fs.String("backup-recipient", env.String("RDV_BACKUP_RECIPIENT", ""),
		"age public keys the backup is encrypted to, separated by commas (env RDV_BACKUP_RECIPIENT); a demo database needs none")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if isPostgresURL(*db) {
		return errPostgresBackup
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	r, from, err := backupRecipients(*db, *recipients)
	if err != nil {
		return err
	}
	began := time.Now()
	size, err := writeBackup(ctx, *db, *out, r)
	if err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup of %s written to %s: %s from %s in %.1f s, encrypted to %s\n",
		*db, *out, megabytes(st.Size()), megabytes(size), time.Since(began).Seconds(), from)
	return nil
}

// writeBackup snapshots db beside it, then seals the snapshot into out,
// and returns the snapshot's size. The plaintext copy stays in the
// database's own directory, under the protections the database already
// has (never in a shared temporary directory, never beside the backups,
// which may be a mounted share), and is removed whatever happens.
func writeBackup(ctx context.Context, db, out string, r backup.Recipients) (int64, error) {
	snap, err := os.CreateTemp(filepath.Dir(db), "."+filepath.Base(db)+".snapshot-*.tmp")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	_ = snap.Close()
	defer os.Remove(snap.Name())
	if err := sqlite.Snapshot(ctx, db, snap.Name()); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	// Checked now, a backup vouches for its content, and age for its
	// bytes until it is restored: rdv restore --quick can then skip
	// the slow half of the check when every minute counts.
	if err := sqlite.Check(ctx, snap.Name()); err != nil {
		return 0, fmt.Errorf("backup: the database fails its checks, no backup written: %w", err)
	}
	src, err := os.Open(snap.Name())
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	err = backup.WriteFile(out, func(f *os.File) error { return backup.Seal(f, src, r) })
	if err != nil {
		return 0, fmt.Errorf("backup: write %s: %w", out, err)
	}
	return st.Size(), nil
}

// Restore runs rdv restore: a backup decrypted, checked, brought to the
// current schema and put in place as a database.
func (m *Main) Restore(ctx context.Context, args []string) error {
	fs := newFlagSet("restore", m.Stderr)
	env := &flagenv.Reader{}
	in := fs.String("in", "", "the backup file to restore (this or --replica)")
	var from replicaSource
	from.register(fs)
	db := fs.String("db", env.String("RDV_DB", ""), "the SQLite database file to restore into (required; env RDV_DB)")
	identity := fs.String("backup-identity", env.String("RDV_BACKUP_IDENTITY", ""),
		"file of the age identity that opens the backup (env RDV_BACKUP_IDENTITY); outside the database's directory; a demo database needs none")
	replace := fs.Bool("replace", false, "overwrite the database if it exists (stop every server using it first)")
	quick := fs.Bool("quick", false, "check pages but not every index against its table (3 s instead of 26 on the demo network): rdv backup checked it all when it wrote the file")
	var keys keyFlags
	keys.register(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if isPostgresURL(*db) {
		return errPostgresBackup
	}
	if err := from.check(*in, *db); err != nil {
		return err
	}
	if exists, err := databaseExists(*db); err != nil {
		return err
	} else if exists && !*replace {
		return fmt.Errorf("restore: %s exists: restore into a new file, or give --replace once every server using it is stopped", *db)
	}
	// The restored database must open with the keys it will serve with:
	// the demo's beside it, or those given.
	dataKeys, err := keys.load(*db, false, m.Log)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	check := sqlite.Check
	checked := "integrity"
	if *quick {
		check, checked = sqlite.QuickCheck, "pages"
	}
	if from.Dir != "" {
		return m.restoreReplica(ctx, from, *db, dataKeys, check, checked)
	}
	ids, by, err := backupIdentities(*db, *identity)
	if err != nil {
		return err
	}
	began := time.Now()
	err = restoreInto(ctx, *db, dataKeys, check, func(tmp string) error { return decryptInto(*in, tmp, ids) })
	if err != nil {
		if errors.Is(err, backup.ErrWrongKey) {
			return fmt.Errorf("restore %s: %w: %s", *in, err, by)
		}
		return fmt.Errorf("restore %s: %w; %s was left as it was", *in, err, *db)
	}
	fmt.Fprintf(m.Stdout, "restored %s into %s in %.1f s with %s: %s and foreign keys checked, schema up to date\n",
		*in, *db, time.Since(began).Seconds(), by, checked)
	return nil
}

// decryptInto decrypts the backup in into tmp, a new file readable by
// its owner only.
func decryptInto(in, tmp string, ids backup.Identities) error {
	src, err := os.Open(in) // #nosec G304 -- the backup the operator named with --in
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- a name restoreInto made in a directory of its own
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := backup.Open(dst, src, ids); err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return err
	}
	return dst.Close()
}

// restoreInto has fill write the database into a new file beside db,
// checks and migrates it there, and only then renames it over db: a
// restore that fails at any step leaves db as it was. The new file lies
// in a directory of its own readable by its owner only, whatever mode
// fill creates it with.
func restoreInto(ctx context.Context, db string, keys *fieldcrypt.Keys, check func(context.Context, string) error, fill func(tmp string) error) (err error) {
	dir, err := os.MkdirTemp(filepath.Dir(db), "."+filepath.Base(db)+".restore-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(db))
	if err := fill(tmp); err != nil {
		return err
	}
	if err := check(ctx, tmp); err != nil {
		return fmt.Errorf("the restored database fails its checks: %w", err)
	}
	// A backup of an older version is brought to this version's schema,
	// and must then open as a store does.
	if err := sqlite.Migrate(ctx, tmp); err != nil {
		return err
	}
	s, err := sqlite.Open(ctx, tmp, sqlite.Options{ReadConns: 1, Keys: keys})
	if err != nil {
		return fmt.Errorf("the restored database does not open: %w", err)
	}
	if err := s.Close(); err != nil {
		return err
	}
	// The last connection closed folded the write-ahead log into the
	// file; a log left beside it would not follow the rename.
	if _, err := os.Stat(tmp + "-wal"); err == nil {
		return fmt.Errorf("the restored database kept a write-ahead log: %s-wal", tmp)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	// The old database's log and shared memory must not meet the new
	// file: SQLite would replay the old log over it.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, db); err != nil {
		return err
	}
	return backup.SyncDir(filepath.Dir(db))
}

// databaseExists tells whether a database is at path: its file, or a log
// left by one.
func databaseExists(path string) (bool, error) {
	for _, name := range []string{path, path + "-wal"} {
		if _, err := os.Stat(name); err == nil {
			return true, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return false, nil
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

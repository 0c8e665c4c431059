package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"rdv/backup"
)

// demoBackupKeyName is the file, in a demo database's directory, that
// holds the demo's backup identity, so that rdv backup and rdv restore
// need no flag there. One per directory rather than per database: a
// database restored next to the demo's (rdv restore --db restored.db)
// opens, serves and backs up with the same key.
//
// Production gives the recipients to rdv backup and the identity to rdv
// restore, and keeps the identity away from the data: the server that
// takes backups holds only public keys.
const demoBackupKeyName = "rdv-demo-backup.key"

func demoBackupKeyPath(db string) string {
	return filepath.Join(filepath.Dir(db), demoBackupKeyName)
}

// ensureDemoBackupKey creates the demo's backup identity beside the
// database on the demo's first run, and says where it is.
func (m *Main) ensureDemoBackupKey(db string) error {
	if isPostgresURL(db) {
		return nil // pgBackRest's repository holds PostgreSQL's backups
	}
	path := demoBackupKeyPath(db)
	created, err := backup.CreateKeyFile(path, time.Now())
	if err != nil {
		return fmt.Errorf("create the demo's backup key: %w", err)
	}
	if created {
		fmt.Fprintf(m.Stderr, "demo backup key: %s (rdv backup and rdv restore use it here without flags; production keeps its key away from the data)\n", path)
	}
	return nil
}

// backupRecipients returns the keys a backup of db is encrypted to: the
// recipients given, or else the demo's key beside db. The string says
// which, for the messages.
func backupRecipients(db, given string) (backup.Recipients, string, error) {
	if given != "" {
		r, err := backup.ParseRecipients(given)
		if err != nil {
			return backup.Recipients{}, "", fmt.Errorf("backup: --backup-recipient: %w", err)
		}
		return r, fmt.Sprintf("the %d recipient(s) given", r.Len()), nil
	}
	path := demoBackupKeyPath(db)
	ids, err := backup.ReadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return backup.Recipients{}, "", fmt.Errorf("backup: no backup recipient: give --backup-recipient age1… (or RDV_BACKUP_RECIPIENT); only a demo database (rdv demo, rdv serve --demo) keeps its key beside it, in %s", demoBackupKeyName)
	}
	if err != nil {
		return backup.Recipients{}, "", fmt.Errorf("backup: %w", err)
	}
	r, err := ids.Recipients()
	if err != nil {
		return backup.Recipients{}, "", fmt.Errorf("backup: %w", err)
	}
	return r, "the demo's key " + path, nil
}

// backupIdentities returns the identities that open a backup restored
// into db: the identity file given, or else the demo's key in db's
// directory.
func backupIdentities(db, given string) (backup.Identities, string, error) {
	if given != "" {
		if err := outsideDataDir(given, db); err != nil {
			return backup.Identities{}, "", err
		}
		ids, err := backup.ReadKeyFile(given)
		if err != nil {
			return backup.Identities{}, "", fmt.Errorf("restore: %w", err)
		}
		return ids, "the identity in " + given, nil
	}
	path := demoBackupKeyPath(db)
	ids, err := backup.ReadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return backup.Identities{}, "", fmt.Errorf("restore: no backup identity: give --backup-identity FILE (or RDV_BACKUP_IDENTITY); a demo's backup restores without it into the demo's directory, where %s is", demoBackupKeyName)
	}
	if err != nil {
		return backup.Identities{}, "", fmt.Errorf("restore: %w", err)
	}
	return ids, "the demo's key " + path, nil
}

// outsideDataDir refuses an identity file given for a production restore
// when it lies in the database's directory or below it: whoever takes a
// copy of that directory (a thief, ransomware) would take the key too and
// read every backup, or lose it with the data it was to bring back.
func outsideDataDir(key, db string) error {
	keyPath, err := realPath(key)
	if err != nil {
		return fmt.Errorf("restore: --backup-identity: %w", err)
	}
	dir, err := realPath(filepath.Dir(db))
	if err != nil {
		return fmt.Errorf("restore: the directory of --db: %w", err)
	}
	rel, err := filepath.Rel(dir, keyPath)
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("restore: the backup identity %s lies in the database's directory %s: keep it elsewhere (a demo leaves the flag out and uses %s)", key, dir, demoBackupKeyName)
	}
	return nil
}

// realPath returns path made absolute with its symbolic links followed.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

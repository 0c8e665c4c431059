package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// WriteFile writes the file at path through write, whole or not at all:
// into a temporary file beside it, readable by its owner only, flushed to
// disk, then renamed over path. A crash or an error leaves path as it was.
func WriteFile(path string, write func(f *os.File) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir flushes a directory's entries to disk, so that a file renamed or
// created in it survives a crash under its new name.
func SyncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- the directory of a file the operator named
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// CreateKeyFile writes a new identity to path, readable by its owner
// only, unless path already exists: created says which. The identity is
// post-quantum (ML-KEM-768 with X25519): health records outlive today's
// public-key cryptography, and a backup copied now could be opened by a
// quantum computer later. The file says its public key in a comment.
func CreateKeyFile(path string, now time.Time) (created bool, err error) {
	if _, err := os.Lstat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return false, err
	}
	text := fmt.Sprintf("# rdv backup identity: opens the backups encrypted to its public key.\n"+
		"# Keep a copy away from the database: without it no backup can be restored.\n"+
		"# created: %s\n# public key: %s\n%s\n", now.UTC().Format(time.RFC3339), id.Recipient(), id)
	// Written aside, then linked into place: two processes creating the
	// file at once keep one identity, never half of each.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(text); err != nil {
		_ = tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, SyncDir(filepath.Dir(path))
}

// ReadKeyFile reads the identities in the file at path. A file that
// others than its owner may read is refused: its key is as good as
// given away.
func ReadKeyFile(path string) (Identities, error) {
	f, err := os.Open(path) // #nosec G304 -- the key file the operator named
	if err != nil {
		return Identities{}, fmt.Errorf("backup identity: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Identities{}, fmt.Errorf("backup identity: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return Identities{}, fmt.Errorf("backup identity %s: others may read it (mode %04o): chmod 600 it, and think of it as seen", path, perm)
	}
	ids, err := ParseIdentities(f)
	if err != nil {
		return Identities{}, fmt.Errorf("%s: %w", path, err)
	}
	return ids, nil
}

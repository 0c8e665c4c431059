package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Snapshot copies the database at path into dest, a file that must not
// exist or be empty, while servers keep reading and writing it: the copy
// is the database as one read transaction saw it, so it holds every
// write committed before the snapshot began and none half done.
//
// It runs VACUUM INTO rather than the online backup API. In WAL mode the
// read transaction blocks no writer (a reader never does), and VACUUM
// INTO reads the whole database in that one transaction; the backup API
// copies pages in steps and starts over whenever another connection
// writes between two of them, which under a steady stream of bookings
// may never end, unless it copies everything in one step, which is the
// same read transaction VACUUM INTO holds. VACUUM INTO needs only SQL
// (no driver-specific handle), and writes a compact file without the
// free pages, whose old contents (deleted rows) a backup should not
// carry.
func Snapshot(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	// A read-only connection would refuse VACUUM INTO; this one writes
	// nothing to path all the same.
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, mapError(err))
	}
	// VACUUM INTO writes without fsync: the caller reads the copy next,
	// and a copy that a crash cut short is thrown away with its
	// temporary name.
	return nil
}

// Check runs SQLite's integrity and foreign key checks on the database at
// path and returns the problems they find, or nil.
func Check(ctx context.Context, path string) error {
	return check(ctx, path, `PRAGMA integrity_check`)
}

// QuickCheck is Check without comparing every index with its table: on
// the demo network it takes 3 s where Check takes 26. It still reads
// every page and finds a file damaged on disk.
func QuickCheck(ctx context.Context, path string) error {
	return check(ctx, path, `PRAGMA quick_check`)
}

func check(ctx context.Context, path, pragma string) error {
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var problems []string
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, mapError(err))
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			_ = rows.Close()
			return fmt.Errorf("check %s: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check %s: %w", path, mapError(err))
	}
	var orphans int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&orphans); err != nil {
		return fmt.Errorf("check %s: %w", path, mapError(err))
	}
	if orphans > 0 {
		problems = append(problems, fmt.Sprintf("%d rows refer to rows that do not exist", orphans))
	}
	if len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
		}
		return fmt.Errorf("check %s: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

// createPrivate creates the database file at path, empty, readable and
// writable by its owner only, unless it exists. SQLite would create it
// readable by everyone (0644 less the umask); its -wal and -shm files
// take the database file's mode, so they follow. It reports whether it
// created the file.
func createPrivate(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the database file the operator named
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create %s: %w", path, err)
	}
	return true, f.Close()
}

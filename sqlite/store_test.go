package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/sqlite"
	"rdv/storetest"
)

// MustOpen opens a fresh store in a file of t's temporary directory and
// closes it when the test ends.
func MustOpen(t testing.TB, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	return mustOpenAt(t, filepath.Join(t.TempDir(), "rdv.db"), opts)
}

// mustOpenAt opens a store on the database file at path and closes it
// when the test ends.
func mustOpenAt(t testing.TB, path string, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) rdv.Store {
		path := filepath.Join(t.TempDir(), "rdv.db")
		keys, text := storetest.NewKeys(t)
		return rawStore{Store: mustOpenAt(t, path, sqlite.Options{Keys: keys}), path: path, keys: text}
	})
}

// rawStore is a store that the conformance suite can also read at rest,
// through a connection of its own to the database file.
type rawStore struct {
	*sqlite.Store
	path string
	keys string // the text of the keys it was opened with
}

func (s rawStore) KeysText() string { return s.keys }

// Reopen opens the store's database file again with keys, closed when
// the test ends.
func (s rawStore) Reopen(t *testing.T, keys *fieldcrypt.Keys) (rdv.Store, error) {
	r, err := sqlite.Open(t.Context(), s.path, sqlite.Options{Keys: keys})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { r.Close() })
	return r, nil
}

func (s rawStore) IdempotencyRows(t *testing.T) [][][]byte {
	return rawRows(t, s.path, "idempotency")
}

func (s rawStore) ClinicTokenRows(t *testing.T) [][][]byte {
	return rawRows(t, s.path, "clinic_tokens")
}

// AuditSQL runs a statement on the database file through a connection of
// its own; bypass drops the triggers that keep the trail append-only.
func (s rawStore) AuditSQL(t *testing.T, bypass bool, query string, args ...any) error {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("open %s: %v", s.path, err)
	}
	defer db.Close()
	if bypass {
		for _, tr := range []string{"audit_events_no_update", "audit_events_no_delete", "audit_patients_no_delete"} {
			if _, err := db.ExecContext(t.Context(), `DROP TRIGGER IF EXISTS `+tr); err != nil {
				t.Fatalf("drop trigger %s: %v", tr, err)
			}
		}
	}
	_, err = db.ExecContext(t.Context(), query, args...)
	return err
}

func (s rawStore) TableRows(t *testing.T, table string) [][][]byte {
	return rawRows(t, s.path, table)
}

// rawRows reads every row of table in the database file at path through
// a connection of its own, each column as its bytes.
func rawRows(t *testing.T, path, table string) [][][]byte {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	var out [][][]byte
	for rows.Next() {
		vals := make([]any, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		row := make([][]byte, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				row[i] = v
			case string:
				row[i] = []byte(v)
			default:
				row[i] = fmt.Append(nil, v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return out
}

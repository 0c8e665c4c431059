package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"rdv"
	"rdv/sqlite"
	"rdv/storetest"
)

func TestSealedReplays(t *testing.T) {
	storetest.RunSealedReplays(t, func(t *testing.T) (rdv.Store, storetest.RawRows) {
		path := filepath.Join(t.TempDir(), "rdv.db")
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
		return s, func(t *testing.T) [][][]byte { return rawRows(t, path, "idempotency") }
	})
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

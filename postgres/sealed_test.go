package postgres

import (
	"bytes"
	"testing"

	"rdv"
	"rdv/storetest"
)

func TestSealedReplays(t *testing.T) {
	serverURL(t)
	storetest.RunSealedReplays(t, func(t *testing.T) (rdv.Store, storetest.RawRows) {
		s := mustOpen(t, mustCreateDB(t), Options{})
		return s, func(t *testing.T) [][][]byte { return rawRows(t, s, "idempotency_keys") }
	})
}

// rawRows reads every row of table, each column as the bytes the server
// sends for it.
func rawRows(t *testing.T, s *Store, table string) [][][]byte {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	var out [][][]byte
	for rows.Next() {
		var row [][]byte
		for _, v := range rows.RawValues() {
			row = append(row, bytes.Clone(v))
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return out
}

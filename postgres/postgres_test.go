package postgres

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/postgres/pgtest"
	"rdv/storetest"
)

// serverURL returns the URL of the test server, or skips the test.
func serverURL(t testing.TB) string { t.Helper(); return pgtest.ServerURL(t) }

// mustCreateDB creates a fresh, migrated database with a random name,
// dropped when the test ends, and returns its URL.
func mustCreateDB(t testing.TB) string {
	t.Helper()
	return pgtest.CreateMigratedDB(t, Migrate)
}

// mustOpen opens a store on the database at dbURL, closed when the test
// ends.
func mustOpen(t testing.TB, dbURL string, opts Options) *Store {
	t.Helper()
	if opts.MaxConns == 0 {
		opts.MaxConns = 8
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s, err := Open(context.Background(), dbURL, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	serverURL(t)
	storetest.Run(t, func(t *testing.T) rdv.Store {
		keys, text := storetest.NewKeys(t)
		url := mustCreateDB(t)
		return rawStore{Store: mustOpen(t, url, Options{Keys: keys}), url: url, keys: text}
	})
}

// rawStore is a store that the conformance suite can also read at rest.
type rawStore struct {
	*Store
	url  string
	keys string // the text of the keys it was opened with
}

func (s rawStore) KeysText() string { return s.keys }

// Reopen opens the store's database again with keys, closed when the
// test ends.
func (s rawStore) Reopen(t *testing.T, keys *fieldcrypt.Keys) (rdv.Store, error) {
	r, err := Open(t.Context(), s.url, Options{MaxConns: 8, Log: slog.New(slog.DiscardHandler), Keys: keys})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { r.Close() })
	return r, nil
}

func (s rawStore) IdempotencyRows(t *testing.T) [][][]byte {
	return rawRows(t, s.Store, "idempotency_keys")
}

func (s rawStore) ClinicTokenRows(t *testing.T) [][][]byte {
	return rawRows(t, s.Store, "clinic_tokens")
}

// AuditSQL runs a statement with "?" placeholders; bypass turns the
// triggers off for it (session_replication_role), as the owner of the
// database can.
func (s rawStore) AuditSQL(t *testing.T, bypass bool, query string, args ...any) error {
	t.Helper()
	n := 0
	for strings.Contains(query, "?") {
		n++
		query = strings.Replace(query, "?", fmt.Sprintf("$%d", n), 1)
	}
	tx, err := s.pool.Begin(t.Context())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback(t.Context())
	if bypass {
		if _, err := tx.Exec(t.Context(), `SET LOCAL session_replication_role = replica`); err != nil {
			t.Fatalf("turn triggers off: %v", err)
		}
	}
	if _, err := tx.Exec(t.Context(), query, args...); err != nil {
		return err
	}
	return tx.Commit(t.Context())
}

func (s rawStore) TableRows(t *testing.T, table string) [][][]byte {
	return rawRows(t, s.Store, table)
}

func TestMigrateTwice(t *testing.T) {
	dbURL := mustCreateDB(t)
	if err := Migrate(context.Background(), dbURL); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", Options{MinConns: 1})
	if got := rdv.ErrorCode(err); got != rdv.EUNAVAILABLE {
		t.Fatalf("open an unreachable server: %v (code %q), want %q", err, got, rdv.EUNAVAILABLE)
	}
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

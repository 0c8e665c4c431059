package sqlite

import (
	"bytes"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestSealedReplaysMigrationLeavesNoPlaintext: the migration that seals
// replays drops the rows kept in the clear, and their bytes with them: no
// page of the file still holds a cancel token or a health number.
func TestSealedReplaysMigrationLeavesNoPlaintext(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rdv.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 8); err != nil {
		t.Fatalf("migrate to the clear rows: %v", err)
	}
	const token, healthNumber = "jeton-en-clair-d-avant-5e1f", "TREL85540712"
	for i := range 50 {
		if _, err := db.ExecContext(ctx, `INSERT INTO idempotency (scope, key, body_hash, result, created_at) VALUES (?, ?, 'h', ?, 0)`,
			"POST /api/v1/appointments", i, `{"CancelToken":"`+token+`","Patient":{"HealthNumber":"`+healthNumber+`"}}`); err != nil {
			t.Fatalf("insert a clear row: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, path); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{token, healthNumber} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q after the migration", filepath.Base(name), s)
			}
		}
	}
}

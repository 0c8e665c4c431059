package postgres

import (
	"bytes"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"rdv"
	"rdv/auth"
	"rdv/postgres/pgtest"
	"rdv/storetest"
)

// TestSealedMessagesMigration: a database that already sealed its
// patients keeps messages, sign-in codes and refusals in clear until
// migration 00031; the store's next open seals them and computes their
// indexes, so that the code is still typed, the refusal still found and
// the messages read, and no row keeps their destinations or text in
// clear. The migration's way back works, and forward again.
func TestSealedMessagesMigration(t *testing.T) {
	ctx := t.Context()
	dbURL := pgtest.CreateDB(t)
	keys, _ := storetest.NewKeys(t)
	if _, err := migrationProvider(t, dbURL).UpTo(ctx, 30); err != nil {
		t.Fatalf("migrate to the clear messages: %v", err)
	}
	const email, phone, name = "ancien.patient@example.org", "+15145550199", "Théodorine"
	codeKey := []byte("0123456789abcdef0123456789abcdef")
	const code = "424242"
	now := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO messages (kind, channel, destination, due_at, created_at, status, subject, body)
		VALUES ('signin_code', 'email', $1, $2, $2, 'sent', $3, $4)`, email, now, "Code pour "+name, "Bonjour "+name)
	batch.Queue(`INSERT INTO messages (kind, channel, destination, due_at, created_at, status, last_error)
		VALUES ('signin_code', 'sms', $1, $2, $2, 'bounced', $3)`, phone, now, "unknown number "+phone)
	batch.Queue(`INSERT INTO signin_codes (channel, destination, code_hash, created_at, expires_at) VALUES ('email', $1, $2, $3, $4)`,
		email, auth.CodeHash(codeKey, email, code), now, now.Add(rdv.SignInCodeTTL))
	batch.Queue(`INSERT INTO refused_destinations (channel, destination, refused_at, error) VALUES ('sms', $1, $2, $3)`,
		phone, now, "unknown number "+phone)
	for name, check := range keys.Checks() {
		// The database sealed its patients already: its next open is not
		// the first with keys.
		batch.Queue(`INSERT INTO data_keys (name, check_value) VALUES ($1, $2)`, name, check)
	}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	if err := Migrate(ctx, dbURL); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	s := mustOpen(t, dbURL, Options{Keys: keys})
	if n, err := s.StaleSealed(ctx); err != nil || n != 0 {
		t.Fatalf("rows left to seal after the open: %d, %v", n, err)
	}
	if r, err := s.RefusedDestination(ctx, rdv.BySMS, phone); err != nil || r.Error != "unknown number "+phone {
		t.Fatalf("the refusal kept before: %+v, %v", r, err)
	}
	list, err := s.Messages(ctx, rdv.MessageFilter{})
	if err != nil || len(list) != 2 || list[1].To != email || list[1].Body != "Bonjour "+name || list[0].To != phone {
		t.Fatalf("the messages kept before: %+v, %v", list, err)
	}
	a, err := s.VerifySignInCode(ctx, rdv.VerifyCodeRequest{Channel: rdv.ByEmail, To: email, CodeHash: auth.CodeHash(codeKey, email, code),
		Now: now.Add(time.Minute), Session: rdv.PatientSession{TokenHash: auth.HashToken("t"), CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}})
	if err != nil {
		t.Fatalf("the code sent before, typed after: %v", err)
	}
	if mine, err := s.AccountMessages(ctx, a.ID); err != nil || len(mine) != 1 || mine[0].To != email {
		t.Fatalf("the account's messages, found by destination: %+v, %v", mine, err)
	}
	for _, table := range []string{"messages", "signin_codes", "refused_destinations"} {
		for _, row := range rawRows(t, s, table) {
			for _, col := range row {
				for _, v := range []string{email, phone, name} {
					if bytes.Contains(col, []byte(v)) {
						t.Errorf("%s keeps %q in clear after the store sealed it: %q", table, v, col)
					}
				}
			}
		}
	}
	s.Close()

	p := migrationProvider(t, dbURL)
	if _, err := p.DownTo(ctx, 30); err != nil {
		t.Fatalf("migrate back: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate forward again: %v", err)
	}
	again := mustOpen(t, dbURL, Options{Keys: keys})
	if list, err := again.Messages(ctx, rdv.MessageFilter{}); err != nil || len(list) != 2 || list[1].To != email {
		t.Fatalf("the messages after the way back and forth: %+v, %v", list, err)
	}
	if _, err := again.RefusedDestination(ctx, rdv.BySMS, phone); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("the refusal kept by its index alone, after the way back: %v; want it dropped", err)
	}
}

// migrationProvider returns the migrations of the database at dbURL, its
// connection closed when the test ends.
func migrationProvider(t *testing.T, dbURL string) *goose.Provider {
	t.Helper()
	cfg, err := parseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	t.Cleanup(func() { db.Close() })
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

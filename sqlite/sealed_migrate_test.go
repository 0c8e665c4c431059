package sqlite

import (
	"bytes"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
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

// TestSealedMessagesMigration: a database that already sealed its
// patients keeps messages, sign-in codes and refusals in clear until
// migration 00031; the store's next open seals them and computes their
// indexes, so that the code is still typed, the refusal still found and
// the messages read, and the file keeps none of their destinations or
// text. The migration's way back works, and forward again.
func TestSealedMessagesMigration(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rdv.db")
	keys, _ := storetest.NewKeys(t)
	p := migrationProvider(t, path)
	if _, err := p.UpTo(ctx, 30); err != nil {
		t.Fatalf("migrate to the clear messages: %v", err)
	}
	const email, phone, name = "ancien.patient@example.org", "+15145550199", "Théodorine"
	codeKey := []byte("0123456789abcdef0123456789abcdef")
	const code = "424242"
	now := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	seed := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO messages (kind, channel, destination, due_at, created_at, status, subject, body, last_error)
			VALUES ('signin_code', 'email', ?, ?, ?, 'sent', ?, ?, '')`, []any{email, ms(now), ms(now), "Code pour " + name, "Bonjour " + name}},
		{`INSERT INTO messages (kind, channel, destination, due_at, created_at, status, last_error)
			VALUES ('signin_code', 'sms', ?, ?, ?, 'bounced', ?)`, []any{phone, ms(now), ms(now), "unknown number " + phone}},
		{`INSERT INTO signin_codes (channel, destination, code_hash, created_at, expires_at) VALUES ('email', ?, ?, ?, ?)`,
			[]any{email, auth.CodeHash(codeKey, email, code), ms(now), ms(now.Add(rdv.SignInCodeTTL))}},
		{`INSERT INTO refused_destinations (channel, destination, refused_at, error) VALUES ('sms', ?, ?, ?)`,
			[]any{phone, ms(now), "unknown number " + phone}},
	}
	for name, check := range keys.Checks() {
		// The database sealed its patients already: its next open is not
		// the first with keys.
		seed = append(seed, struct {
			q    string
			args []any
		}{`INSERT INTO data_keys (name, check_value) VALUES (?, ?)`, []any{name, check}})
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seed {
		if _, err := db.ExecContext(ctx, s.q, s.args...); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path, Options{Keys: keys})
	if err != nil {
		t.Fatalf("open after the migration: %v", err)
	}
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
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{email, phone, name} {
		if fileHoldsText(t, path, v) {
			t.Errorf("the database file holds %q in clear after the store sealed it", v)
		}
	}

	p = migrationProvider(t, path)
	if _, err := p.DownTo(ctx, 30); err != nil {
		t.Fatalf("migrate back: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate forward again: %v", err)
	}
	again, err := Open(ctx, path, Options{Keys: keys})
	if err != nil {
		t.Fatalf("open after the way back and forth: %v", err)
	}
	defer again.Close()
	if list, err := again.Messages(ctx, rdv.MessageFilter{}); err != nil || len(list) != 2 || list[1].To != email {
		t.Fatalf("the messages after the way back and forth: %+v, %v", list, err)
	}
	if _, err := again.RefusedDestination(ctx, rdv.BySMS, phone); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("the refusal kept by its index alone, after the way back: %v; want it dropped", err)
	}
}

// migrationProvider returns the migrations of the database file at path,
// closed when the test ends.
func migrationProvider(t *testing.T, path string) *goose.Provider {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fileHoldsText reports whether the database file at path, or its
// write-ahead log, holds s.
func fileHoldsText(t *testing.T, path, s string) bool {
	t.Helper()
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// TestTOTPSecretsSealedAtFirstKeys: an authenticator secret stored while
// the database had no keys is sealed when the store first opens with
// them, and read back as it was.
func TestTOTPSecretsSealedAtFirstKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rdv.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("correct horse battery", auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAccount(t.Context(), rdv.Account{Email: "ops@x.example", Name: "Ops", Role: rdv.Operator, PasswordHash: hash, Language: "fr", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "CLEARSECRETWWWWW"
	if err := s.StartTOTP(t.Context(), a.ID, secret, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	keys, _ := storetest.NewKeys(t)
	if s, err = Open(t.Context(), path, Options{Keys: keys}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var stored string
	if err := s.read.QueryRowContext(t.Context(), `SELECT secret FROM staff_totp WHERE account_id = ?`, a.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == secret || !bytes.HasPrefix([]byte(stored), []byte(keys.CurrentID()+":")) {
		t.Errorf("stored secret %.20q…, want it sealed with %s", stored, keys.CurrentID())
	}
	if got, err := s.TOTP(t.Context(), a.ID); err != nil || got.Secret != secret {
		t.Errorf("TOTP read back %+v, %v; want the secret stored", got, err)
	}
}

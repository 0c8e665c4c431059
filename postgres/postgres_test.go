package postgres

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"rdv"
	"rdv/postgres/pgtest"
	"rdv/storetest"
)

// serverURL returns the URL of the test server, or skips the test.
func serverURL(t testing.TB) string { t.Helper(); return pgtest.ServerURL(t) }

// mustCreateDB creates a fresh, migrated database with a random name,
// dropped when the test ends, and returns its URL.
func mustCreateDB(t testing.TB) string {
	t.Helper()
	dbURL := pgtest.CreateDB(t)
	if err := Migrate(context.Background(), dbURL); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return dbURL
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
		return mustOpen(t, mustCreateDB(t), Options{})
	})
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

// TestIdempotencyKeysForgottenAfterADay: ExpireHolds forgets keys older
// than a day, as the embedded store does, so the key table stays small.
func TestIdempotencyKeysForgottenAfterADay(t *testing.T) {
	s := mustOpen(t, mustCreateDB(t), Options{})
	n := storetest.SmallNetwork(storetest.Start)
	storetest.MustLoad(t, s, n)
	ctx := context.Background()
	now := storetest.Start.At(8*60, rdv.Toronto).Add(-48 * time.Hour)
	key := &rdv.IdemKey{Scope: "hold", Key: "k", BodyHash: "first"}
	if _, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: "h1", SlotID: 1, ClientKey: "c", TTL: time.Minute, Now: now, Idem: key}); err != nil {
		t.Fatalf("hold: %v", err)
	}
	if _, err := s.ExpireHolds(ctx, now.Add(25*time.Hour)); err != nil {
		t.Fatalf("expire holds: %v", err)
	}
	other := &rdv.IdemKey{Scope: "hold", Key: "k", BodyHash: "second"}
	if _, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: "h2", SlotID: 3, ClientKey: "c", TTL: time.Minute, Now: now.Add(25 * time.Hour), Idem: other}); err != nil {
		t.Fatalf("key reused after a day: %v", err)
	}
}

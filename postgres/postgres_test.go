package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/storetest"
)

// serverURL returns the URL of the test server, or skips the test.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("RDV_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("RDV_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server")
	}
	return u
}

// mustCreateDB creates a fresh, migrated database with a random name,
// dropped when the test ends, and returns its URL.
func mustCreateDB(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "rdv_test_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", "RDV_TEST_POSTGRES_URL", err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	if err := Migrate(ctx, dbURL); err != nil {
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

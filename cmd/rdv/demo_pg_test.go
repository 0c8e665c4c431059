package main

import (
	"context"
	"strings"
	"testing"

	"rdv/postgres"
	"rdv/postgres/pgtest"
)

// A newcomer's first command on a new PostgreSQL database builds the demo
// network: the schema is brought up first, as on SQLite.
func TestDemoOnEmptyPostgres(t *testing.T) {
	url := pgtest.CreateDB(t)
	ctx := context.Background()
	var out lockedBuffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &out
	if code := m.Exit(ctx, []string{"demo", "--db", url, "--weeks", "1"}); code != 0 {
		t.Fatalf("rdv demo exited %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "demo network: 378 clinics") {
		t.Errorf("rdv demo did not report the network:\n%s", out.String())
	}
	s, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clinics, err := s.Clinics(ctx)
	if err != nil || len(clinics) != 378 {
		t.Fatalf("the database holds %d clinics (%v), want 378", len(clinics), err)
	}
	// Run again, it refuses to build a second network over the first.
	out = lockedBuffer{}
	if code := m.Exit(ctx, []string{"demo", "--db", url, "--weeks", "1"}); code != 1 || !strings.Contains(out.String(), "already holds a network") {
		t.Errorf("a second rdv demo exited %d:\n%s", code, out.String())
	}
}

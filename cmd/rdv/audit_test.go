package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
)

// recordReads appends n reads to the trail of store and closes it.
func recordReads(t *testing.T, store rdv.Store, n int) {
	t.Helper()
	ctx := rdv.WithActor(t.Context(), rdv.Actor{Kind: rdv.ActorStaff, ID: 4, Address: "192.0.2.8"})
	for i := range n {
		e := rdv.NewAuditEvent(ctx, rdv.AuditAgendaRead, rdv.AuditRecords{Patients: []int64{int64(i + 1)}}, time.Now())
		if err := store.RecordAudit(ctx, e); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// TestAuditVerifySQLite runs rdv audit verify on a trail whole, then on
// one whose second entry was changed behind the triggers' back: the
// command fails, naming the entry.
func TestAuditVerifySQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rdv.db")
	store, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recordReads(t, store, 5)
	if out := mustRunRDV(t, "audit", "verify", "--db", path); !strings.Contains(out, "verified: 5 entries in 1 chains") {
		t.Fatalf("verify said %q", out)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER audit_events_no_update`, `UPDATE audit_events SET address = '10.0.0.1' WHERE seq = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var id int64
	if err := db.QueryRow(`SELECT id FROM audit_events WHERE seq = 2`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	var out lockedBuffer
	m.Stdout, m.Stderr = &out, &out
	if code := m.Exit(context.Background(), []string{"audit", "verify", "--db", path}); code == 0 {
		t.Fatalf("verify of a changed trail exited 0: %s", out.String())
	}
	if want := fmt.Sprintf("entry %d (seq 2): content does not match its hash", id); !strings.Contains(out.String(), want) {
		t.Fatalf("verify said %q, want it to name %q", out.String(), want)
	}
}

// TestAuditVerifyMissingFile refuses to verify a database that is not
// there rather than create an empty one that verifies.
func TestAuditVerifyMissingFile(t *testing.T) {
	if _, err := runRDV(t, "audit", "verify", "--db", filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Fatal("verify of a missing file passed")
	}
}

// TestAuditVerifyPostgres is TestAuditVerifySQLite on PostgreSQL, with an
// entry removed.
func TestAuditVerifyPostgres(t *testing.T) {
	url := pgtest.CreateDB(t)
	if err := postgres.Migrate(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	store, err := postgres.Open(t.Context(), url, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	recordReads(t, store, 40)
	if out := mustRunRDV(t, "audit", "verify", "--db", url); !strings.Contains(out, "verified: 40 entries in 16 chains") {
		t.Fatalf("verify said %q", out)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var chain int
	var next int64
	err = conn.QueryRow(t.Context(), `SELECT chain, id FROM audit_events WHERE seq = 2 ORDER BY chain LIMIT 1`).Scan(&chain, &next)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`,
		fmt.Sprintf(`DELETE FROM audit_events WHERE chain = %d AND seq = 1`, chain)} {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out, err := runRDV(t, "audit", "verify", "--db", url)
	if err == nil {
		t.Fatalf("verify of a trail with an entry removed passed: %s", out)
	}
	if want := fmt.Sprintf("chain %d, entry %d (seq 2): seq 2 follows seq 0", chain, next); !strings.Contains(err.Error(), want) {
		t.Fatalf("verify said %v, want it to name %q", err, want)
	}
}

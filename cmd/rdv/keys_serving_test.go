package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestKeysRotateWhileServing follows the operator's procedure for a new
// data key, on both stores: keys generated and handed to the server
// through RDV_KEYS; patients book; rdv keys add writes k2 into the key
// file; the server restarts with the file (--keys), while an instance
// not yet restarted still runs with k1 alone; then rdv keys rotate, a
// process of its own, reseals in small batches while patients go on
// booking through the server. Every booking acknowledged before, during
// and after answers its token, no value is left under k1, and a new
// booking succeeds.
func TestKeysRotateWhileServing(t *testing.T) {
	tomorrow := rdv.DateOf(time.Now()).AddDays(1)
	stores := []struct {
		name  string
		open  func(t *testing.T, keys *fieldcrypt.Keys) (db string, s rdv.Store)
		flags []string
		// interleaves: bookings must be acknowledged between the
		// rotation's batches. SQLite's rotation pauses between them for
		// the server's writer; PostgreSQL's takes row locks, never the
		// whole database, and its batches can follow each other in a few
		// milliseconds with no booking acknowledged in between.
		interleaves bool
	}{
		{"SQLite", func(t *testing.T, keys *fieldcrypt.Keys) (string, rdv.Store) {
			db := filepath.Join(t.TempDir(), "rdv.db")
			s, err := sqlite.Open(t.Context(), db, sqlite.Options{Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			return db, s
		}, nil, true},
		{"PostgreSQL", func(t *testing.T, keys *fieldcrypt.Keys) (string, rdv.Store) {
			db := pgtest.CreateDB(t)
			mustRunRDV(t, "migrate", "--db", db)
			s, err := postgres.Open(t.Context(), db, postgres.Options{MaxConns: 4, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			return db, s
		}, []string{"--pg-max-conns", "8", "--pg-min-conns", "1"}, false},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			text := mustRunRDV(t, "keys", "generate")
			k1, err := fieldcrypt.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			db, s := st.open(t, k1)
			storetest.MustLoad(t, s, bookingNetwork(tomorrow))
			registerPatients(t, s, 100)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			rotateWhileServing(t, db, text, st.flags, st.interleaves)
		})
	}
}

// registerPatients registers n patients with the first clinic: a
// database's history, sealed with its keys, that makes a rotation long
// enough for the server's writes to come between its batches.
func registerPatients(t *testing.T, s rdv.Store, n int) {
	t.Helper()
	clinics, err := s.Clinics(t.Context())
	if err != nil || len(clinics) == 0 {
		t.Fatalf("clinics: %v, %v", clinics, err)
	}
	for i := range n {
		p := storetest.TestPatient(20_000 + i)
		if _, err := s.AddToRoster(t.Context(), rdv.RosterEntry{ClinicID: clinics[0].ID, FirstName: p.FirstName, LastName: p.LastName,
			BirthDate: p.BirthDate, HealthNumber: p.HealthNumber, AddedAt: time.Now()}); err != nil {
			t.Fatalf("register patient %d: %v", i, err)
		}
	}
}

func rotateWhileServing(t *testing.T, db, text string, flags []string, interleaves bool) {
	ctx := t.Context()
	keys := filepath.Join(t.TempDir(), "rdv.keys")
	if err := os.WriteFile(keys, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := append([]string{"--db", db}, flags...)

	// The keys themselves through the environment, as a secret store
	// hands them: read once, at start. The other commands are given
	// the file, and --keys with RDV_KEYS is refused.
	t.Setenv("RDV_KEYS", text)
	first := startDrillServer(t, serve...)
	t.Setenv("RDV_KEYS", "")
	if !strings.Contains(first.out.String(), "key=k1") {
		t.Fatalf("the server given RDV_KEYS does not say it seals with k1:\n%s", first.out)
	}
	patients := newDrillPatients(first.URL())
	acked := bookFor(t, patients, time.Second)

	if said := mustRunRDV(t, "keys", "add", "--keys", keys); !strings.Contains(said, "k2 added") {
		t.Fatalf("keys add said %q", said)
	}
	srv := startDrillServer(t, append(serve, "--keys", keys)...)
	patients.base = srv.URL()
	b, err := patients.bookOnce(ctx)
	if err != nil {
		t.Fatalf("a booking on the server restarted with k2: %v", err)
	}
	acked = append(acked, b)
	oldServerMeetsNewKey(t, first, b)
	if err := first.Stop(); err != nil {
		t.Fatalf("stop the server that kept k1: %v\n%s", err, first.out)
	}

	stop := make(chan struct{})
	var (
		wg        sync.WaitGroup
		during    []ackedBooking
		bookedErr error
	)
	wg.Go(func() { during, bookedErr = patients.bookUntil(ctx, 4, stop) })
	stopBooking := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopBooking() // a failed rotation too
	time.Sleep(300 * time.Millisecond)
	said, log := runRDVProcess(t, "keys", "rotate", "--db", db, "--keys", keys, "--batch", "5")
	time.Sleep(300 * time.Millisecond)
	stopBooking()
	if bookedErr != nil {
		t.Fatalf("bookings around the rotation: %v", bookedErr)
	}
	t.Logf("rdv keys rotate: %s", strings.TrimSpace(said))
	m := regexp.MustCompile(`^(\d+) rows resealed with k2 in .*; 0 left`).FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("rotation said %q, want rows resealed with k2 and 0 left", said)
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 {
		t.Fatalf("rotation said %q: nothing resealed", said)
	}
	began, ended := batchesBetween(t, log)
	_, after := before(during, began)
	whileRotating, _ := before(after, ended)
	if len(whileRotating) == 0 && interleaves {
		t.Fatalf("no booking acknowledged between the rotation's first batch and its last (%s): they did not interleave with the server's writes",
			ended.Sub(began).Round(time.Millisecond))
	}
	acked = append(acked, during...)

	if lost, err := patients.missing(ctx, acked); err != nil {
		t.Fatal(err)
	} else if len(lost) > 0 {
		t.Fatalf("%d of %d bookings do not answer their token after the rotation: %v", len(lost), len(acked), bookingIDs(lost))
	}
	under := sealedValues(t, db)
	if under["k1"] > 0 || under["k2"] == 0 {
		t.Fatalf("values sealed by key after the rotation: %v; want all under k2", under)
	}
	if _, err := patients.bookOnce(ctx); err != nil {
		t.Fatalf("a booking after the rotation: %v", err)
	}
	t.Logf("%d bookings acknowledged, %d between the rotation's first and last batch (%s); values sealed: %v",
		len(acked), len(whileRotating), ended.Sub(began).Round(time.Millisecond), under)
}

// batchesBetween returns when the first and the last batch of a
// rotation were resealed, from the log of rdv keys rotate.
func batchesBetween(t *testing.T, log string) (first, last time.Time) {
	t.Helper()
	batch := regexp.MustCompile(`^time=(\S+) level=INFO msg="keys rotate: batch resealed"`)
	for line := range strings.Lines(log) {
		m := batch.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t.Fatalf("rotation's log: %v", err)
		}
		if first.IsZero() {
			first = at
		}
		last = at
	}
	if first.IsZero() {
		t.Fatalf("the rotation logged no batch:\n%s", log)
	}
	return first, last
}

// bookFor has patients book for d and returns their bookings.
func bookFor(t *testing.T, p *drillPatients, d time.Duration) []ackedBooking {
	t.Helper()
	stop := make(chan struct{})
	time.AfterFunc(d, func() { close(stop) })
	acked, err := p.bookUntil(t.Context(), 4, stop)
	if err != nil {
		t.Fatalf("bookings: %v", err)
	}
	if len(acked) == 0 {
		t.Fatal("no booking acknowledged")
	}
	return acked
}

// oldServerMeetsNewKey asks old, a server started before k2 was added,
// for b, a booking sealed with k2: it cannot open it, and its log must
// say which key it lacks and that a restart brings it. A server keeps
// the keys it started with; nothing reloads them.
func oldServerMeetsNewKey(t *testing.T, old *drillServer, b ackedBooking) {
	t.Helper()
	p := newDrillPatients(old.URL())
	status, err := p.do(t.Context(), "GET", fmt.Sprintf("/api/v1/appointments/%d?token=%s", b.ID, url.QueryEscape(b.Token)), nil, nil, http.StatusOK)
	if status != http.StatusInternalServerError {
		t.Fatalf("the server with k1 alone, asked for a booking sealed with k2: status %d, %v; want 500", status, err)
	}
	for line := range strings.Lines(old.out.String()) {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, "sealed with key k2") && strings.Contains(line, "restart this one") {
			return
		}
	}
	t.Fatalf("the server with k1 alone answered 500 to a booking sealed with k2, and its log does not say to restart it with k2:\n%s", old.out)
}

// sealedValues counts, by key, the values the database holds sealed in
// the columns of fieldcrypt.Tables, read as they are stored.
func sealedValues(t *testing.T, db string) map[string]int {
	t.Helper()
	var query func(q string, cols int, each func([]string)) error
	if isPostgresURL(db) {
		c, err := pgx.Connect(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		query = func(q string, cols int, each func([]string)) error {
			rows, err := c.Query(t.Context(), q)
			if err != nil {
				return err
			}
			defer rows.Close()
			return scanEach(rows, cols, each)
		}
	} else {
		c, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		query = func(q string, cols int, each func([]string)) error {
			rows, err := c.QueryContext(t.Context(), q)
			if err != nil {
				return err
			}
			defer rows.Close()
			return scanEach(rows, cols, each)
		}
	}
	under := map[string]int{}
	for _, table := range fieldcrypt.Tables {
		if len(table.Sealed) == 0 {
			continue
		}
		cols := make([]string, len(table.Sealed))
		for i, c := range table.Sealed {
			cols[i] = "coalesce(" + c + ", '')"
		}
		err := query("SELECT "+strings.Join(cols, ", ")+" FROM "+table.Name, len(cols), func(row []string) {
			for _, v := range row {
				if id := fieldcrypt.SealedWith(v); id != "" {
					under[id]++
				}
			}
		})
		if err != nil {
			t.Fatalf("read %s: %v", table.Name, err)
		}
	}
	return under
}

// scanEach hands each row of rows, cols text columns, to each.
func scanEach(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, cols int, each func([]string)) error {
	row := make([]string, cols)
	dest := make([]any, cols)
	for i := range row {
		dest[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		each(row)
	}
	return rows.Err()
}

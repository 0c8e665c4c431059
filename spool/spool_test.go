package spool_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/spool"
	"rdv/sqlite"
	"rdv/storetest"
)

// database is a real SQLite store that the test can stop and start again:
// stopped, it is closed, and every write fails as it would with the
// database down.
type database struct {
	path string
	mu   sync.Mutex
	cur  *sqlite.Store
}

func newDatabase(t *testing.T) *database {
	t.Helper()
	db := &database{path: filepath.Join(t.TempDir(), "rdv.db")}
	db.start(t)
	t.Cleanup(func() { db.stop(t) })
	return db
}

func (db *database) start(t *testing.T) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), db.path, sqlite.Options{})
	if err != nil {
		t.Fatalf("start the database: %v", err)
	}
	db.mu.Lock()
	db.cur = s
	db.mu.Unlock()
}

func (db *database) stop(t *testing.T) {
	t.Helper()
	db.mu.Lock()
	s := db.cur
	db.mu.Unlock()
	if err := s.Close(); err != nil {
		t.Errorf("stop the database: %v", err)
	}
}

func (db *database) store() *sqlite.Store {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.cur
}

func (db *database) AddRequest(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	return db.store().AddRequest(ctx, r)
}

func (db *database) Requests(ctx context.Context, status rdv.RequestStatus, limit int) ([]rdv.AppointmentRequest, error) {
	return db.store().Requests(ctx, status, limit)
}

func (db *database) Request(ctx context.Context, id int64) (rdv.AppointmentRequest, error) {
	return db.store().Request(ctx, id)
}

func (db *database) CloseRequest(ctx context.Context, in rdv.CloseRequestInput) (rdv.AppointmentRequest, error) {
	return db.store().CloseRequest(ctx, in)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runReplayer runs sp's replayer until the test ends.
func runReplayer(t *testing.T, sp *spool.Spool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitReplayed waits until nothing is left to replay.
func waitReplayed(t *testing.T, sp *spool.Spool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); sp.Pending() > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still spooled", sp.Pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkStoredOnce checks that every accepted request is stored exactly
// once, in the order it was accepted.
func checkStoredOnce(t *testing.T, rs rdv.RequestStore, accepted []rdv.AppointmentRequest) {
	t.Helper()
	list, err := rs.Requests(t.Context(), "", 10*len(accepted)+10)
	if err != nil {
		t.Fatalf("list requests: %v", err)
	}
	if len(list) != len(accepted) {
		t.Fatalf("%d requests stored, %d accepted", len(list), len(accepted))
	}
	byRef := map[string]rdv.AppointmentRequest{}
	for _, r := range list {
		if _, dup := byRef[r.Reference]; dup {
			t.Fatalf("request %s stored twice", r.Reference)
		}
		byRef[r.Reference] = r
	}
	var lastID int64
	for i, a := range accepted {
		r, ok := byRef[a.Reference]
		if !ok {
			t.Fatalf("accepted request %d (%s) is not stored", i, a.Reference)
		}
		if r.ID <= lastID {
			t.Fatalf("request %d (%s) stored out of arrival order", i, a.Reference)
		}
		lastID = r.ID
		if r.LastName != a.LastName || !r.ReceivedAt.Equal(a.ReceivedAt) {
			t.Fatalf("request %s stored as %+v, accepted as %+v", a.Reference, r, a)
		}
	}
}

func sample(i int) rdv.AppointmentRequest {
	r := storetest.SampleRequest("", time.Time{})
	r.LastName = "Patient " + string(rune('A'+i%26))
	return r
}

// The database stops in the middle of a stream of requests and starts
// again: every accepted request ends up stored once, in arrival order.
func TestDatabaseStopsInTheMiddleOfAStream(t *testing.T) {
	db := newDatabase(t)
	sp, err := spool.Open(filepath.Join(t.TempDir(), "requests.spool"), db, spool.Options{Log: quiet()})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { sp.Close() })
	runReplayer(t, sp)

	var accepted []rdv.AppointmentRequest
	accept := func(n int) {
		for range n {
			r, err := sp.Accept(t.Context(), sample(len(accepted)))
			if err != nil {
				t.Fatalf("accept request %d: %v", len(accepted), err)
			}
			if r.Reference == "" || r.ReceivedAt.IsZero() {
				t.Fatalf("accepted request has no reference or time: %+v", r)
			}
			accepted = append(accepted, r)
		}
	}
	accept(40)
	db.stop(t) // the database goes down mid-stream
	accept(60) // still accepted, at once
	if sp.Pending() == 0 {
		t.Fatal("nothing spooled while the database was down")
	}
	db.start(t)
	accept(20)
	waitReplayed(t, sp)
	checkStoredOnce(t, db, accepted)
}

// A process that stops with requests spooled replays them when it starts
// again; requests replayed before the stop are not stored twice even if
// the checkpoint was lost.
func TestSpooledRequestsSurviveARestart(t *testing.T) {
	db := newDatabase(t)
	path := filepath.Join(t.TempDir(), "requests.spool")
	sp, err := spool.Open(path, db, spool.Options{Log: quiet()})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	var accepted []rdv.AppointmentRequest
	for i := range 10 {
		r, err := sp.Accept(t.Context(), sample(i))
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		accepted = append(accepted, r)
	}
	// Replay the first ones, then lose the checkpoint: as if the process
	// died between the store's commit and the spool's checkpoint.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(ctx) }()
	waitReplayed(t, sp)
	cancel()
	<-done
	for i := range 5 {
		r, err := sp.Accept(t.Context(), sample(10+i))
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		accepted = append(accepted, r)
	}
	if err := sp.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := os.Remove(path + ".done"); err != nil {
		t.Fatalf("lose the checkpoint: %v", err)
	}
	// A torn append at the very end: a crash in the middle of a write
	// that was never acknowledged.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`1234abcd {"Reference":"D-TORN`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	sp, err = spool.Open(path, db, spool.Options{Log: quiet()})
	if err != nil {
		t.Fatalf("reopen spool: %v", err)
	}
	t.Cleanup(func() { sp.Close() })
	if got := sp.Pending(); got != 15 {
		t.Fatalf("%d pending after a restart without checkpoint, want all 15", got)
	}
	runReplayer(t, sp)
	waitReplayed(t, sp)
	checkStoredOnce(t, db, accepted)
}

func TestReferences(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		ref := spool.NewReference()
		if len(ref) != len("D-XXXX-XXXX-XXXX") || ref[:2] != "D-" {
			t.Fatalf("reference %q has the wrong shape", ref)
		}
		if seen[ref] {
			t.Fatalf("reference %q drawn twice", ref)
		}
		seen[ref] = true
	}
}

// Unreplayed counts the lines past the checkpoint, as a reader outside
// the server sees them.
func TestUnreplayed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "requests.spool")
	for _, tc := range []struct {
		name, data, done string
		want             int
		wantErr          bool
	}{
		{name: "no spool yet", want: 0},
		{name: "none replayed", data: "a\nb\nc\n", want: 3},
		{name: "one replayed", data: "a\nb\nc\n", done: "2", want: 2},
		{name: "all replayed", data: "a\nb\nc\n", done: "6", want: 0},
		{name: "compacted since", data: "a\n", done: "6", want: 0},
		{name: "corrupt checkpoint", data: "a\n", done: "x", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(path)
			_ = os.Remove(path + ".done")
			if tc.data != "" {
				if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tc.done != "" {
				if err := os.WriteFile(path+".done", []byte(tc.done+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := spool.Unreplayed(path)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("Unreplayed = %d, %v; want %d, error %t", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/demo"
	"rdv/fieldcrypt"
	"rdv/storetest"
)

// The benchmark database holds benchSlots slots in three ranges, one per
// booker of scripts/pgbench-compare.sh, so that they can run one after the
// other on the same database, rounds of them: BenchmarkDurableBookings
// books from slot 1 up to benchPgbenchFrom; pgbench running the store's
// statements books from benchPgbenchFrom, and pgbench running a minimal
// booking from benchMinimalFrom, each client of theirs in a range of its
// own (the script's strides).
const (
	benchSlots       = 1_200_000
	benchPgbenchFrom = 600_000
	benchMinimalFrom = 800_000
)

// benchNetwork is one clinic whose practitioner has count public slots
// of a minute each, from tomorrow on.
func benchNetwork(count int) rdv.NetworkLoad {
	n := storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(1))
	first := rdv.DateOf(time.Now()).AddDays(1).Start(rdv.Toronto).UTC()
	n.Plans, n.Patients = nil, nil
	n.SlotCount = count
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for i := range count {
			start := first.Add(time.Duration(i) * time.Minute)
			s := rdv.Slot{ID: int64(i + 1), ClinicID: 1, PractitionerID: 1, Service: rdv.General,
				Start: start, End: start.Add(time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
			if !yield(s, 0) {
				return
			}
		}
	}
	return n
}

// benchKeys are the data keys of the benchmark database: those of
// RDV_BENCH_KEYS (the text of a key set), which every run on one
// database must share, or new ones.
func benchKeys(b *testing.B) *fieldcrypt.Keys {
	b.Helper()
	text := os.Getenv("RDV_BENCH_KEYS")
	if text == "" {
		k, _ := storetest.NewKeys(b)
		return k
	}
	k, err := fieldcrypt.Parse(text)
	if err != nil {
		b.Fatalf("RDV_BENCH_KEYS: %v", err)
	}
	return k
}

// benchStore opens the benchmark database: the one named by
// RDV_BENCH_POSTGRES_DB (migrated and loaded if empty), or a fresh one.
func benchStore(b *testing.B) *Store {
	b.Helper()
	dbURL := os.Getenv("RDV_BENCH_POSTGRES_DB")
	if dbURL == "" {
		dbURL = mustCreateDB(b)
	} else if err := Migrate(context.Background(), dbURL); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	opts := Options{MaxConns: 64, MinConns: 64, Keys: benchKeys(b)}
	opts.Writers, _ = strconv.Atoi(os.Getenv("RDV_BENCH_WRITERS"))
	opts.MaxGroup, _ = strconv.Atoi(os.Getenv("RDV_BENCH_MAX_GROUP"))
	s := mustOpen(b, dbURL, opts)
	ctx := context.Background()
	empty, err := s.Empty(ctx)
	if err != nil {
		b.Fatalf("empty: %v", err)
	}
	if empty {
		start := time.Now()
		storetest.MustLoad(b, s, benchNetwork(benchSlots))
		b.Logf("loaded %d slots in %v", benchSlots, time.Since(start))
	}
	// Another process may have booked here before: go on after its last.
	var last int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(slot_id), 0) FROM holds WHERE slot_id < $1`, benchPgbenchFrom).Scan(&last); err != nil {
		b.Fatalf("last slot booked: %v", err)
	}
	for {
		n := benchNext.Load()
		if n >= last || benchNext.CompareAndSwap(n, last) {
			break
		}
	}
	return s
}

var benchNext atomic.Int64 // last slot booked by the benchmark, across its runs

// BenchmarkDurableBookings books distinct slots with 64 concurrent
// clients, each booking as the pages of rdv do for a person: a hold then its
// confirmation, each with an idempotency key, for a patient whose data
// is sealed and who is sent the confirmation by email (the outbox), with
// the audit trail's event. Every one is committed durably
// (synchronous_commit as the server is configured).
func BenchmarkDurableBookings(b *testing.B) {
	serverURL(b)
	s := benchStore(b)
	ctx := context.Background()
	var used sync.Once
	b.SetParallelism((64 + 1) / 2) // 64 goroutines on two cores; RunParallel multiplies by GOMAXPROCS
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			slot := benchNext.Add(1)
			if slot >= benchPgbenchFrom {
				used.Do(func() { b.Error("out of benchmark slots: book on a new database") })
				return
			}
			now := time.Now()
			// Each booking is a person's, under a client key of its own: a
			// key per goroutine would have each count of live holds walk
			// the hundreds of holds its goroutine ended in the last minutes,
			// which no person makes.
			holdID := fmt.Sprintf("b-%d", slot)
			if _, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: holdID, SlotID: slot, ClientKey: "client-" + holdID, MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: now,
				Idem: &rdv.IdemKey{Scope: "POST /holds", Key: "hold-" + holdID, BodyHash: holdID}}); err != nil {
				b.Errorf("hold slot %d: %v", slot, err)
				return
			}
			p := rdv.Patient{FirstName: "Banc", LastName: "Essai", BirthDate: rdv.Date{Year: 1980, Month: 1, Day: 1},
				HealthNumber: fmt.Sprintf("BENC%08d", slot), Phone: "514-555-0199", Email: fmt.Sprintf("banc.%d@example.org", slot), Language: "fr"}
			if _, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: holdID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.Web,
				CancelToken: holdID, CancelTokenHash: holdID, Now: now, Notify: rdv.Notify{Email: true}, RemindBefore: 24 * time.Hour,
				Idem: &rdv.IdemKey{Scope: "POST /holds/{id}/confirm", Key: "confirm-" + holdID, BodyHash: holdID}}); err != nil {
				b.Errorf("confirm slot %d: %v", slot, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "bookings/s")
	if w := s.writer; w != nil && w.groups.Load() > 0 {
		b.ReportMetric(float64(w.members.Load())/float64(w.groups.Load()), "writes/group")
		b.ReportMetric(100*float64(w.alone.Load())/float64(w.members.Load()), "%alone")
	}
}

// BenchmarkLoadNetwork writes a network of slots with COPY.
func BenchmarkLoadNetwork(b *testing.B) {
	serverURL(b)
	const count = 200_000
	for b.Loop() {
		b.StopTimer()
		s := mustOpen(b, mustCreateDB(b), Options{MaxConns: 2})
		b.StartTimer()
		storetest.MustLoad(b, s, benchNetwork(count))
	}
	b.ReportMetric(float64(count*b.N)/b.Elapsed().Seconds(), "slots/s")
}

// BenchmarkLoadDemoNetwork writes the whole demo network (378 clinics,
// eight weeks of slots) into a fresh database.
func BenchmarkLoadDemoNetwork(b *testing.B) {
	serverURL(b)
	n, err := demo.Build(demo.Options{Seed: 1, Start: rdv.DateOf(time.Now()).AddDays(1)})
	if err != nil {
		b.Fatalf("demo network: %v", err)
	}
	for b.Loop() {
		b.StopTimer()
		s := mustOpen(b, mustCreateDB(b), Options{MaxConns: 2})
		b.StartTimer()
		storetest.MustLoad(b, s, n)
	}
	b.ReportMetric(float64(n.SlotCount*b.N)/b.Elapsed().Seconds(), "slots/s")
	b.ReportMetric(float64(n.SlotCount), "slots")
}

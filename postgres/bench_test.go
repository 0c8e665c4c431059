package postgres

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/demo"
	"rdv/storetest"
)

// benchSlots is how many slots the benchmark database holds. The
// benchmark books from the bottom; scripts/pgbench-compare.sh books from
// benchPgbenchFrom up with pgbench, on the same database.
const (
	benchSlots       = 300_000
	benchPgbenchFrom = 150_000
)

// benchNetwork is one clinic whose practitioner has benchSlots public
// slots of a minute each, from tomorrow on.
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
	s := mustOpen(b, dbURL, Options{MaxConns: 64, MinConns: 64})
	empty, err := s.Empty(context.Background())
	if err != nil {
		b.Fatalf("empty: %v", err)
	}
	if empty {
		start := time.Now()
		storetest.MustLoad(b, s, benchNetwork(benchSlots))
		b.Logf("loaded %d slots in %v", benchSlots, time.Since(start))
	}
	return s
}

var benchNext atomic.Int64 // last slot booked by the benchmark, across its runs

// BenchmarkDurableBookings books distinct slots with 64 concurrent
// clients, each booking a hold then a confirmation, every one committed
// durably (synchronous_commit as the server is configured).
func BenchmarkDurableBookings(b *testing.B) {
	serverURL(b)
	s := benchStore(b)
	ctx := context.Background()
	var client atomic.Int64
	b.SetParallelism((64 + 1) / 2) // 64 goroutines on two cores; RunParallel multiplies by GOMAXPROCS
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		key := fmt.Sprintf("bench-%d", client.Add(1))
		for pb.Next() {
			slot := benchNext.Add(1)
			if slot > benchPgbenchFrom {
				b.Error("out of benchmark slots")
				return
			}
			now := time.Now()
			holdID := fmt.Sprintf("b-%d", slot)
			if _, _, err := s.PlaceHold(ctx, rdv.HoldRequest{HoldID: holdID, SlotID: slot, ClientKey: key, MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: now}); err != nil {
				b.Errorf("hold slot %d: %v", slot, err)
				return
			}
			p := rdv.Patient{FirstName: "Banc", LastName: "Essai", BirthDate: rdv.Date{Year: 1980, Month: 1, Day: 1},
				HealthNumber: fmt.Sprintf("BENC%08d", slot), Phone: "514-555-0199", Language: "fr"}
			if _, _, err := s.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: holdID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.API,
				CancelTokenHash: holdID, Now: now}); err != nil {
				b.Errorf("confirm slot %d: %v", slot, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "bookings/s")
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

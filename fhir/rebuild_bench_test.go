package fhir

import (
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/demo"
	"rdv/sqlite"
)

// BenchmarkBulkPublishRebuild measures a full rebuild of the SMART
// Scheduling Links files on the demo network (378 clinics, eight weeks
// of slots, about 598k bookable): every clinic's slot file built afresh,
// none reused, as after a start, and the most one change can cost. It
// reports the time and the bytes allocated per rebuild, the slots
// published, the files' size (gzip as kept, and inflated), the heap the
// published snapshot keeps once built, and the heap's peak above the
// index during the rebuilds.
func BenchmarkBulkPublishRebuild(b *testing.B) {
	now := time.Now()
	n, err := demo.Build(demo.Options{Seed: 1, Start: rdv.DateOf(now)})
	if err != nil {
		b.Fatal(err)
	}
	index, err := availability.Build(n.Clinics, n.Practitioners, func(fn func(rdv.Slot) error) error {
		for s, patient := range n.Slots {
			if patient == 0 && s.FreeAt(now) && !s.Start.Before(now) {
				if err := fn(s); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	n = rdv.NetworkLoad{} // only the index stays, as in the server
	store, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := New(Deps{Engine: booking.New(store, index, booking.Config{}, log), Index: index, Store: store, Log: log, PublicURL: publicURL})
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// The heap's peak during the rebuilds, sampled.
	peak, stop, sampled := uint64(0), make(chan struct{}), sync.WaitGroup{}
	sampled.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	var snap *snapshot
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		snap = nil
		srv.pub = newPublisher(srv) // nothing to reuse
		snap = srv.pub.build(now)
	}
	b.StopTimer()
	close(stop)
	sampled.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	gz, inflated, slots := 0, 0, 0
	for _, f := range snap.order {
		gz, inflated = gz+len(f.gz), inflated+f.size
	}
	for _, c := range index.Clinics() {
		slots += len(index.ClinicSlots(c.ID, "", now, time.Time{}, false, nil))
	}
	if slots < 100_000 {
		b.Fatalf("the demo network published only %d slots", slots)
	}
	b.ReportMetric(float64(slots), "slots")
	b.ReportMetric(float64(gz)/1e6, "MB-gzip")
	b.ReportMetric(float64(inflated)/1e6, "MB-inflated")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, "MB-kept")
	b.ReportMetric(float64(int64(peak)-int64(before.HeapAlloc))/1e6, "MB-peak")
	runtime.KeepAlive(snap)
}

package availability

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/places"
)

// benchNet is the full-size network, built once for all benchmarks.
var benchNet = sync.OnceValue(func() *network { return fullNetwork(1, 8) })

// reportQPS reports the benchmark's queries per second.
func reportQPS(b *testing.B) {
	b.Helper()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkSearchEarliestNear runs the typical query of the search page on
// the full demo-size network: pediatrics within 25 km of Montréal over the
// next 8 weeks, 20 results, at most 3 per clinic. Run it with -cpu 1.
func BenchmarkSearchEarliestNear(b *testing.B) {
	n := benchNet()
	ix := mustBuild(b, n)
	mtl, _ := places.Lookup("Montréal")
	q := Query{
		Lat: mtl.Lat, Lon: mtl.Lon, RadiusKm: 25, Service: rdv.Pediatrics,
		From: n.start, To: n.start.AddDate(0, 0, 56), Limit: 20, PerClinic: 3,
	}
	dst := make([]Result, 0, 20)
	if got := len(ix.Search(q, dst)); got != 20 {
		b.Fatalf("typical query found %d slots, want 20", got)
	}
	b.ResetTimer()
	for b.Loop() {
		dst = ix.Search(q, dst[:0])
	}
	reportQPS(b)
}

// BenchmarkSearchMixed runs varied queries: places drawn by population,
// every service, later start dates, and some with weekday, window and
// language filters.
func BenchmarkSearchMixed(b *testing.B) {
	n := benchNet()
	ix := mustBuild(b, n)
	rng := rand.New(rand.NewPCG(7, 7))
	all := places.All()[:157]
	queries := make([]Query, 1024)
	for i := range queries {
		p := all[rng.IntN(len(all))]
		if rng.IntN(2) == 0 {
			p = all[rng.IntN(5)] // most people live in the big cities
		}
		from := n.start.Add(time.Duration(rng.IntN(21*24)) * time.Hour)
		q := Query{
			Lat: p.Lat, Lon: p.Lon, RadiusKm: float64(10 + rng.IntN(40)),
			Service: rdv.Services[rng.IntN(len(rdv.Services))],
			From:    from, To: from.AddDate(0, 0, 28), Limit: 20, PerClinic: 3,
		}
		switch rng.IntN(4) {
		case 0:
			q.Weekdays = 1<<time.Saturday | 1<<time.Monday
		case 1:
			q.Windows = []Window{{StartMinute: 13 * 60, EndMinute: 15 * 60}}
		case 2:
			q.Language = "en"
		}
		queries[i] = q
	}
	dst := make([]Result, 0, 20)
	i := 0
	for b.Loop() {
		dst = ix.Search(queries[i&1023], dst[:0])
		i++
	}
	reportQPS(b)
}

// BenchmarkSearchParallel runs the typical query on every CPU while a
// writer books and frees slots.
func BenchmarkSearchParallel(b *testing.B) {
	n := benchNet()
	ix := mustBuild(b, n)
	mtl, _ := places.Lookup("Montréal")
	q := Query{
		Lat: mtl.Lat, Lon: mtl.Lon, RadiusKm: 25, Service: rdv.Pediatrics,
		From: n.start, To: n.start.AddDate(0, 0, 56), Limit: 20, PerClinic: 3,
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(3, 3))
		for {
			select {
			case <-stop:
				return
			default:
			}
			s := n.slots[rng.IntN(len(n.slots))]
			ix.Remove(s)
			ix.Add(s)
			time.Sleep(100 * time.Microsecond) // a few thousand bookings a second
		}
	}()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]Result, 0, 20)
		for pb.Next() {
			dst = ix.Search(q, dst[:0])
		}
	})
	reportQPS(b)
	close(stop)
	wg.Wait()
}

// BenchmarkBuild builds the index of the full-size network from its slots,
// as every start does.
func BenchmarkBuild(b *testing.B) {
	n := benchNet()
	var ix *Index
	for b.Loop() {
		ix = mustBuild(b, n)
	}
	b.ReportMetric(float64(len(n.slots)), "slots")

	// What the index keeps alive: the heap with and without it.
	var with, without runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(ix)
	ix = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	b.ReportMetric(float64(with.HeapAlloc-without.HeapAlloc)/(1<<20), "MB-index")
}

// BenchmarkAddRemove books and frees one slot: what a write costs the index.
func BenchmarkAddRemove(b *testing.B) {
	n := benchNet()
	ix := mustBuild(b, n)
	i := 0
	for b.Loop() {
		s := n.slots[(i*7919)%len(n.slots)]
		ix.Remove(s)
		ix.Add(s)
		i++
	}
}

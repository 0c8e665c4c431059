package api

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/demo"
)

// benchIndex is the index of the full demo network (378 clinics, eight
// weeks of slots from today), built once for all benchmarks.
var benchIndex = sync.OnceValues(func() (*availability.Index, error) {
	now := time.Now()
	n, err := demo.Build(demo.Options{Seed: 1, Start: rdv.DateOf(now)})
	if err != nil {
		return nil, fmt.Errorf("build demo network: %w", err)
	}
	return availability.Build(n.Clinics, n.Practitioners, func(fn func(rdv.Slot) error) error {
		for s, patient := range n.Slots {
			if patient != 0 || !s.FreeAt(now) || s.Start.Before(now) {
				continue
			}
			if err := fn(s); err != nil {
				return err
			}
		}
		return nil
	})
})

// benchQueries are the searches people make: the biggest cities and a few
// smaller ones, by place name or by point, for the common services, some
// with filters.
var benchQueries = func() []string {
	var qs []string
	points := []string{"45.5017,-73.5673", "46.8139,-71.2080", "45.4042,-71.8929", "46.3430,-72.5430", "48.4284,-71.0685"}
	placeNames := []string{"Montr%C3%A9al", "Laval", "Gatineau", "Longueuil", "Sherbrooke", "Saint-J%C3%A9r%C3%B4me"}
	services := []string{"general", "pediatrics", "urgent", "vaccination"}
	for i := range 64 {
		svc := services[i%len(services)]
		var q string
		if i%2 == 0 {
			q = "near=" + points[i%len(points)]
		} else {
			q = "place=" + placeNames[i%len(placeNames)]
		}
		q += "&service=" + svc + "&radius_km=25&limit=20"
		switch i % 4 {
		case 1:
			q += "&per_clinic=3"
		case 2:
			q += "&weekdays=mon,tue,wed&times=morning"
		}
		qs = append(qs, "/api/v1/slots?"+q)
	}
	return qs
}()

func benchHandler(b *testing.B) http.Handler {
	b.Helper()
	ix, err := benchIndex()
	if err != nil {
		b.Fatal(err)
	}
	h := New(Deps{Index: ix, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	checkBenchQueries(b, h)
	return h
}

// keepAliveClient reuses its connections, as a browser or a load balancer
// does.
func keepAliveClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
}

// runHTTP sends GETs to the server from parallel clients over loopback,
// cycling through paths, and reports requests per second.
func runHTTP(b *testing.B, h http.Handler, paths []string) {
	b.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := keepAliveClient()
	defer client.CloseIdleConnections()
	var next atomic.Uint64
	b.SetParallelism(4) // several connections per core, as a server sees
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			path := paths[next.Add(1)%uint64(len(paths))]
			res, err := client.Get(srv.URL + path)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				b.Error(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("GET %s: status %d", path, res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkHTTPSearch measures slot search over real loopback HTTP on the
// full demo network. Compare its req/s with BenchmarkHTTPBare's in the same
// run: the target is at least half.
func BenchmarkHTTPSearch(b *testing.B) {
	h := benchHandler(b)
	runHTTP(b, h, benchQueries)
}

// BenchmarkHTTPBare is the ceiling: a bare net/http handler writing a
// small JSON body, over the same loopback HTTP and client.
func BenchmarkHTTPBare(b *testing.B) {
	body := []byte(`{"status":"ok"}` + "\n")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	runHTTP(b, h, []string{"/bare"})
}

// BenchmarkSearchHandler measures the search handler alone, without the
// network: parsing, index search and JSON writing.
func BenchmarkSearchHandler(b *testing.B) {
	h := benchHandler(b)
	reqs := make([]*http.Request, len(benchQueries))
	for i, q := range benchQueries {
		reqs[i] = httptest.NewRequest("GET", q, nil)
	}
	var bytes int
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		w := discardWriter{h: http.Header{}}
		h.ServeHTTP(&w, reqs[i%len(reqs)])
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		bytes += w.n
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(bytes)/float64(b.N), "B/resp")
}

// discardWriter is a ResponseWriter that keeps only the status and size.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// checkBenchQueries keeps the benchmark honest: its queries are valid and
// most of them find slots on the demo network.
func checkBenchQueries(b *testing.B, h http.Handler) {
	b.Helper()
	empty := 0
	for _, q := range benchQueries {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", q, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d: %s", q, rec.Code, rec.Body)
		}
		if strings.HasPrefix(rec.Body.String(), `{"slots":[]}`) {
			empty++
		}
	}
	if empty > len(benchQueries)/4 {
		b.Fatalf("%d of %d benchmark queries find nothing", empty, len(benchQueries))
	}
}

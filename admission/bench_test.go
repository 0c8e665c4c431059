package admission

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkAdmitted measures what admission control adds to a request it
// admits (client limits off, as in a single-address load test).
func BenchmarkAdmitted(b *testing.B) {
	cfg := DefaultConfig()
	cfg.ClientLimits = false
	c, err := New(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	h := c.Middleware(ok)
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/v1/slots", nil)
		for pb.Next() {
			h.ServeHTTP(discard{}, r)
		}
	})
}

// BenchmarkRefused measures the cost of a refusal: it must stay far below
// the 5 ms p99 target even when most traffic is refused.
func BenchmarkRefused(b *testing.B) {
	cfg := DefaultConfig()
	cfg.ClientLimits = false
	cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit, cfg.MaxQueue = 1, 1, 1, 1
	c, err := New(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	c.gate.inflight = 1 // saturated by work that never ends
	h := c.Middleware(ok)
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/v1/slots", nil)
		for pb.Next() {
			h.ServeHTTP(discard{}, r)
		}
	})
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

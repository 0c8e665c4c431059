package flood

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The server's own counts are read from its metrics page, which servers
// serve apart from the site: --metrics names it.
func TestServerCountsFromMetricsPage(t *testing.T) {
	srv := newFakeServer(t, 4, 5*time.Millisecond, nil)
	var scrapes atomic.Int64
	metrics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		n := scrapes.Add(1)
		fmt.Fprintf(w, "rdv_admission_requests_total{class=\"search\",outcome=\"admitted\"} %d\n", (n-1)*100)
	}))
	defer metrics.Close()
	s, _ := runMain(t, "--target", srv.URL, "--metrics", metrics.URL, "--duration", "1s", "--overload", "1", "--capacity", "50", "--json")
	if scrapes.Load() < 2 || s.ServerGoodputRPS <= 0 {
		t.Errorf("%d scrapes, server goodput %v: want the metrics page read before and after", scrapes.Load(), s.ServerGoodputRPS)
	}
	s, _ = runMain(t, "--target", srv.URL, "--duration", "500ms", "--overload", "1", "--capacity", "50", "--json")
	if s.ServerGoodputRPS != -1 {
		t.Errorf("with --metrics off, server goodput %v, want -1", s.ServerGoodputRPS)
	}
}

func TestMetricsURL(t *testing.T) {
	for in, want := range map[string]string{
		"off":                           "",
		"":                              "",
		"http://127.0.0.1:9090":         "http://127.0.0.1:9090/metrics",
		"http://127.0.0.1:9090/":        "http://127.0.0.1:9090/metrics",
		"http://127.0.0.1:9100/metrics": "http://127.0.0.1:9100/metrics",
	} {
		if got, err := metricsURL(in); err != nil || got != want {
			t.Errorf("metricsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"127.0.0.1:9090", "ftp://127.0.0.1/metrics"} {
		if _, err := metricsURL(in); err == nil {
			t.Errorf("metricsURL(%q) took it", in)
		}
	}
}

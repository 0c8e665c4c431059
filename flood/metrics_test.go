package flood

import (
	"context"
	"fmt"
	"math"
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

// Instances behind an edge each have their own metrics page: the counts
// are their sums, and a page that cannot be read voids the scrape rather
// than looking like a drop in goodput.
func TestScrapeSumsSeveralPages(t *testing.T) {
	page := func(admitted int, refusalLE01 int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "rdv_admission_requests_total{class=\"search\",outcome=\"admitted\"} %d\n", admitted)
			fmt.Fprintf(w, "rdv_admission_requests_total{class=\"exempt\",outcome=\"admitted\"} 1000\n")
			fmt.Fprintf(w, "rdv_admission_refusal_seconds_bucket{le=\"0.0001\"} %d\n", refusalLE01)
			fmt.Fprintf(w, "rdv_admission_refusal_seconds_bucket{le=\"+Inf\"} %d\n", refusalLE01)
		}))
	}
	a, b := page(10, 3), page(32, 4)
	defer a.Close()
	defer b.Close()
	pages, err := metricsURLs(a.URL + "," + b.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	st := scrape(context.Background(), pages)
	if st == nil || st.admittedCount != 42 || st.refusal[0.0001] != 7 || st.refusal[math.Inf(1)] != 7 {
		t.Fatalf("scrape of two pages = %+v, want admitted 42 and 7 refusals", st)
	}
	b.Close()
	if st := scrape(context.Background(), pages); st != nil {
		t.Errorf("one page down, scrape = %+v, want none", st)
	}
	if _, err := metricsURLs("http://127.0.0.1:9091,,http://127.0.0.1:9092"); err == nil {
		t.Error("an empty page in the list was taken")
	}
}

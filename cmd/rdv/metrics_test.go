package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// scrapeMetrics reads the server's metrics page from its own address.
func scrapeMetrics(t *testing.T, m *Main) string {
	t.Helper()
	u := m.MetricsURL()
	if u == "" {
		t.Fatal("the server serves no metrics")
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, res.StatusCode)
	}
	return string(b)
}

// The metrics tell the load, the limits and the waiting room's state:
// they are served on their own address, and the public one answers 404;
// so are Go's profiles.
func TestMetricsApartFromTheSite(t *testing.T) {
	m, base := startServer(t)
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || strings.Contains(string(body), "rdv_admission") {
		t.Errorf("public /metrics: status %d, want 404 without the metrics", res.StatusCode)
	}
	if !strings.HasPrefix(m.MetricsURL(), "http://127.0.0.1:") || m.MetricsURL() == base+"/metrics" {
		t.Errorf("metrics at %s, want a loopback address apart from %s", m.MetricsURL(), base)
	}
	if got := scrapeMetrics(t, m); !strings.Contains(got, "rdv_admission_requests_total") || !strings.Contains(got, "go_goroutines") {
		t.Errorf("the metrics page lacks admission's and Go's series:\n%.500s", got)
	}
	res, err = http.Get(strings.TrimSuffix(m.MetricsURL(), "/metrics") + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the metrics address serves / with status %d, want 404: it serves metrics and profiles only", res.StatusCode)
	}
	// Go's profiles: on the private address, never on the site's.
	for _, u := range []string{strings.TrimSuffix(m.MetricsURL(), "/metrics") + "/debug/pprof/", base + "/debug/pprof/"} {
		res, err = http.Get(u + "goroutine?debug=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		private := !strings.HasPrefix(u, base)
		if served := res.StatusCode == http.StatusOK && strings.Contains(string(body), "goroutine profile"); served != private {
			t.Errorf("%s: status %d, profile served %v, want %v", u, res.StatusCode, served, private)
		}
	}
}

func TestMetricsAddrFlag(t *testing.T) {
	m := NewMain()
	m.Stderr = io.Discard
	for args, want := range map[string]string{
		"":                             defaultMetricsAddr,
		"--metrics-addr=off":           "",
		"--metrics-addr=":              "",
		"--metrics-addr=10.0.0.5:9100": "10.0.0.5:9100",
	} {
		f, err := m.parseServe(strings.Fields(args))
		if err != nil || f.MetricsAddr != want {
			t.Errorf("%q: metrics on %q (%v), want %q", args, f.MetricsAddr, err, want)
		}
	}
	if _, err := m.parseServe([]string{"--metrics-addr", "9090"}); err == nil {
		t.Error("--metrics-addr 9090 (no host:port) was taken")
	}
	t.Setenv("RDV_METRICS_ADDR", "off")
	if f, err := m.parseServe(nil); err != nil || f.MetricsAddr != "" {
		t.Errorf("RDV_METRICS_ADDR=off: %q, %v", f.MetricsAddr, err)
	}
	_, base := startServer(t, "--metrics-addr", "off")
	if res, err := http.Get(base + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("metrics off: public /metrics %v %v", res, err)
	}
}

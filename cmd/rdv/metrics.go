package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof" // #nosec G108 -- mounted on the private metrics listener only, never the site's
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// defaultMetricsAddr keeps the metrics on the machine itself: they tell
// anyone who reads them the load, the limits and the waiting room's
// state, which is no business of the public.
const defaultMetricsAddr = "127.0.0.1:9090"

// checkMetricsAddr returns the address the metrics listen on, "" for
// none ("" or "off").
func checkMetricsAddr(addr string) (string, error) {
	if addr == "" || addr == "off" {
		return "", nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", fmt.Errorf("--metrics-addr %q: want host:port, or off: %w", addr, err)
	}
	return addr, nil
}

// metricsServer serves /metrics, and Go's profiles under /debug/pprof/,
// on a listener of its own, apart from the site: the public address
// answers 404 there.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// listenMetrics listens on addr for the metrics of reg; nil when addr is
// "" (no metrics served).
func listenMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (*metricsServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on --metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Go's profiles, on the same private listener: where a loaded
	// server's CPU goes (go tool pprof ADDR/debug/pprof/profile).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return &metricsServer{ln: ln, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}, nil
}

// serve serves until close; a failure is logged, not fatal: the platform
// books without its metrics.
func (ms *metricsServer) serve(log *slog.Logger) {
	if err := ms.srv.Serve(ms.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics listener stopped", "err", err)
	}
}

// close stops serving metrics at once: a scrape cut short is retried.
func (ms *metricsServer) close() { _ = ms.srv.Close() }

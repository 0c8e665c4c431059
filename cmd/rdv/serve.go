package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"rdv"
	"rdv/admission"
	"rdv/availability"
	"rdv/booking"
	"rdv/fhir"
	"rdv/flagenv"
	"rdv/flood"
	"rdv/match"
	"rdv/route"
	"rdv/spool"
	"rdv/waitroom"
	"rdv/web"
	"rdv/web/api"
)

// Main wires the platform together. End-to-end tests run the real Main on
// port 0 and read URL once Ready is closed.
type Main struct {
	Stdout, Stderr io.Writer
	Log            *slog.Logger
	// WebhookClient sends the clinics' webhooks (nil: webhook.SafeClient,
	// which reaches public addresses only). End-to-end tests give one
	// that reaches their own HTTPS server.
	WebhookClient *http.Client

	// logBatch is the writer under batchedLog, NewMain's Log: the
	// request log gathers its lines into one write of it while Log is
	// still that logger (accessBatch), and writes a line each under any
	// other.
	logBatch   *batchWriter
	batchedLog *slog.Logger

	ready      chan struct{}
	url        string
	metricsURL string
	mu         sync.Mutex
	index      *availability.Index
}

// accessBatch returns the writer under Log that the request log may
// hold while it writes a batch of lines, or nil when Log is not the one
// NewMain made (a test's or an embedder's, whose writer is unknown).
func (m *Main) accessBatch() *batchWriter {
	if m.Log != m.batchedLog {
		return nil
	}
	return m.logBatch
}

// NewMain returns a Main writing to the process's standard streams.
func NewMain() *Main {
	stderr := &batchWriter{w: os.Stderr}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return &Main{
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Log:        log,
		logBatch:   stderr,
		batchedLog: log,
		ready:      make(chan struct{}),
	}
}

// Ready is closed once the server listens.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// URL returns the address the server listens on, once Ready.
func (m *Main) URL() string { m.mu.Lock(); defer m.mu.Unlock(); return m.url }

// MetricsURL returns the URL of the metrics page once Ready, "" when
// metrics are off.
func (m *Main) MetricsURL() string { m.mu.Lock(); defer m.mu.Unlock(); return m.metricsURL }

// serveFlags are the settings of rdv serve.
type serveFlags struct {
	storeFlags
	demoFlags
	Addr          string
	Admission     admission.Config
	Demo          bool
	HoldTTL       time.Duration
	ProposalTTL   time.Duration
	MaxLiveHolds  int
	AddressHolds  int // ceiling on live holds per address
	ShutdownGrace time.Duration
	HTTPSProxy    bool
	PublicURL     string
	MetricsAddr   string
	Spool         string
	Replica       string // SQLite: directory of the continuous copy
	ReplicaWait   bool   // acknowledge a write once the replica holds it
	Waitroom      waitroomFlags
	Notify        notifyFlags
	Fees          feeFlags
	// FHIRPublishEvery is the shortest time between two rebuilds of the
	// SMART Scheduling Links files.
	FHIRPublishEvery time.Duration
}

func (m *Main) parseServe(args []string) (*serveFlags, error) {
	fs := newFlagSet("serve", m.Stderr)
	env := &flagenv.Reader{}
	f := &serveFlags{}
	f.storeFlags.register(fs, env)
	f.Admission.RegisterFlags(fs)
	f.Waitroom.register(fs, env)
	f.Notify.register(fs, env)
	f.Fees.register(fs, env)
	fs.StringVar(&f.Addr, "addr", env.String("RDV_ADDR", ":8080"), "address to listen on (env RDV_ADDR)")
	fs.BoolVar(&f.Demo, "demo", false, "build the demo network first when the database is empty")
	fs.Int64Var(&f.Seed, "seed", 1, "with --demo: seed of the demo network")
	fs.StringVar(&f.Start, "start", "", "with --demo: first day of slots, YYYY-MM-DD (default today)")
	fs.DurationVar(&f.HoldTTL, "hold-ttl", env.Duration("RDV_HOLD_TTL", 5*time.Minute), "how long a hold keeps a slot for the person filling in the form (env RDV_HOLD_TTL)")
	fs.DurationVar(&f.ProposalTTL, "proposal-ttl", env.Duration("RDV_PROPOSAL_TTL", rdv.DefaultProposalTTL), "how long a slot proposed to an appointment request stays held while its person answers (env RDV_PROPOSAL_TTL)")
	fs.IntVar(&f.MaxLiveHolds, "max-live-holds", env.Int("RDV_MAX_LIVE_HOLDS", 3), "live holds one browser (or account) may have at once (env RDV_MAX_LIVE_HOLDS)")
	fs.IntVar(&f.AddressHolds, "max-live-holds-per-address", env.Int("RDV_MAX_LIVE_HOLDS_PER_ADDRESS", 50), "live holds all browsers behind one address may have at once, for a NAT or a proxy; clients that keep no cookies have only this; none with --client-limits=off (env RDV_MAX_LIVE_HOLDS_PER_ADDRESS)")
	registerReplica(fs, env, &f.Replica, &f.ReplicaWait)
	fs.StringVar(&f.Spool, "spool", env.String("RDV_SPOOL", ""), "appointment requests' durable spool file (default: the database file + .requests.spool, or rdv-requests.spool for PostgreSQL) (env RDV_SPOOL)")
	fs.BoolVar(&f.HTTPSProxy, "https-proxy", env.Bool("RDV_HTTPS_PROXY", false), "a proxy in front serves the platform over HTTPS: mark cookies Secure and send HSTS (env RDV_HTTPS_PROXY=true|false)")
	fs.StringVar(&f.PublicURL, "public-url", env.String("RDV_PUBLIC_URL", ""), "the site's address as people reach it, such as https://rdv.example.org: links shown whole (the appointment link staff read to a caller) start with it, never with the request's Host header (default: the listen address) (env RDV_PUBLIC_URL)")
	fs.StringVar(&f.MetricsAddr, "metrics-addr", env.String("RDV_METRICS_ADDR", defaultMetricsAddr), "address serving /metrics (Prometheus), apart from the site, whose address answers 404 there; keep it private; off: no metrics (env RDV_METRICS_ADDR)")
	fs.DurationVar(&f.FHIRPublishEvery, "fhir-publish-every", env.Duration("RDV_FHIR_PUBLISH_EVERY", 30*time.Second), "shortest time between two rebuilds of the SMART Scheduling Links files (/fhir/$bulk-publish), which rebuild only when availability changed (env RDV_FHIR_PUBLISH_EVERY)")
	fs.DurationVar(&f.ShutdownGrace, "shutdown-grace", env.Duration("RDV_SHUTDOWN_GRACE", 10*time.Second), "how long requests in flight may finish on shutdown (env RDV_SHUTDOWN_GRACE)")
	if err := parseFlags(fs, env, args); err != nil {
		return nil, err
	}
	switch {
	case f.HoldTTL < 10*time.Second || f.HoldTTL > time.Hour:
		return nil, fmt.Errorf("--hold-ttl %s: want between 10s and 1h", f.HoldTTL)
	case f.FHIRPublishEvery < time.Second || f.FHIRPublishEvery > time.Hour:
		return nil, fmt.Errorf("--fhir-publish-every %s: want between 1s and 1h", f.FHIRPublishEvery)
	case f.ProposalTTL < time.Minute || f.ProposalTTL > 24*time.Hour:
		return nil, fmt.Errorf("--proposal-ttl %s: want between 1m and 24h", f.ProposalTTL)
	case f.MaxLiveHolds < 1:
		return nil, fmt.Errorf("--max-live-holds %d: want at least 1", f.MaxLiveHolds)
	case f.Admission.ClientLimits && f.AddressHolds < f.MaxLiveHolds:
		return nil, fmt.Errorf("--max-live-holds-per-address %d: want at least --max-live-holds (%d)", f.AddressHolds, f.MaxLiveHolds)
	}
	if err := f.Notify.check(); err != nil {
		return nil, err
	}
	if err := checkReplicaDir(f.Replica, f.DB); err != nil {
		return nil, err
	}
	if err := f.Fees.check(); err != nil {
		return nil, err
	}
	addr, err := checkMetricsAddr(f.MetricsAddr)
	if err != nil {
		return nil, err
	}
	f.MetricsAddr = addr
	if f.PublicURL != "" {
		u, err := web.ParsePublicURL(f.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("--public-url: %w", err)
		}
		f.PublicURL = u
	}
	return f, nil
}

// Serve runs the platform until ctx is done, then shuts down gracefully:
// the listener closes, requests in flight finish, background work stops,
// and the store closes last.
func (m *Main) Serve(ctx context.Context, args []string) error {
	f, err := m.parseServe(args)
	if err != nil {
		return err
	}
	open := f.open
	if f.Demo {
		open = f.openMigrated
		f.createDemoKeys = true
	}
	store, err := open(ctx, m.Log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := m.maybeLoadDemo(ctx, store, f); err != nil {
		return err
	}
	// After the demo's load, which turns fsync off and truncates the log.
	stopReplica, err := m.startReplica(ctx, f.Replica, f.ReplicaWait, f.DB, store)
	if err != nil {
		return err
	}
	defer stopReplica()
	// The fees' sweeper tells the payment provider of the captures,
	// voids and refunds that other writes recorded in their own
	// transactions (rdv/fees); those writes wake it once committed.
	feeTaker, err := f.Fees.open(store, m.Log)
	if err != nil {
		return err
	}
	store = feeWaking{store, feeTaker}
	began := time.Now()
	index, err := buildIndex(ctx, store, time.Now())
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.index = index
	m.mu.Unlock()
	m.Log.Info("availability index loaded", "bookable_slots", index.Len(), "clinics", len(index.Clinics()), "took", time.Since(began).Round(time.Millisecond))

	addressHolds := f.AddressHolds
	if !f.Admission.ClientLimits {
		// Load tests send every client from one address: without per-client
		// limits there is no per-address ceiling either.
		addressHolds = -1
	}
	engine := booking.New(store, index, booking.Config{HoldTTL: f.HoldTTL, MaxLiveHolds: f.MaxLiveHolds, MaxAddressHolds: addressHolds, RemindBefore: f.Notify.remindBefore()}, m.Log)
	// The matcher hears of the slots the index makes bookable, and of the
	// requests the spool stores (its feed); its proposals' messages are
	// written by the store with them.
	matcher := match.New(store, index, match.Config{ProposalTTL: f.ProposalTTL, RemindBefore: f.Notify.remindBefore()}, m.Log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	secret := m.serverSecret(f.Waitroom)
	// One table of the pages' and the API's routes tells admission
	// control and the waiting room what each request is.
	routes, err := route.NewTable(web.Routes(), api.Routes(), fhir.Routes())
	if err != nil {
		return err
	}
	f.Admission.Classify, f.Admission.Format = routes.Class, routes.Format
	// A clinic's API token is a client of its own, limited like an
	// account as well as by its address.
	f.Admission.AccountOf = api.TokenClient
	if f.Admission.Operator, err = web.OperatorPass(secret); err != nil {
		return fmt.Errorf("--waitroom-secret: %w", err)
	}
	admit, err := admission.New(f.Admission, reg, m.Log)
	if err != nil {
		return fmt.Errorf("admission control: %w", err)
	}
	requests, err := m.openSpool(f, matcher.Feed(store))
	if err != nil {
		return err
	}
	defer requests.Close()
	room, err := m.openWaitroom(f.Waitroom, secret, store, admit, routes, reg)
	if err != nil {
		return err
	}
	// Listen before building the site: without --public-url, the site's
	// links name the address actually bound (port 0 in tests).
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.Addr, err)
	}
	defer ln.Close() // when serving, Shutdown has closed it already
	publicURL := f.PublicURL
	if publicURL == "" {
		publicURL = listenURL(ln.Addr())
	}
	// A request to the whole network is filed only once its fee is
	// authorised, before the spool (rdv/fees).
	payFirst := feeTaker.Acceptor(requests, spool.NewReference, nil)
	// Each request's line is written in the background, off the request
	// path; Close, deferred before the server starts, runs after it has
	// stopped, and writes what is left.
	access := newBackgroundHandler(m.Log.Handler(), m.accessBatch())
	defer access.Close()
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rdv_access_log_dropped_total",
		Help: "Request log lines dropped because the log's writer had fallen too far behind."},
		func() float64 { return float64(access.Dropped()) }))
	site, fh, err := m.site(store, index, engine, matcher, payFirst, admit, room, publicURL, secret, &f.Fees, f.FHIRPublishEvery, slog.New(access))
	if err != nil {
		return err
	}
	notifier, closeNotifier, err := m.openNotifier(ctx, f, store, publicURL)
	if err != nil {
		return err
	}
	defer closeNotifier() // after the notifier has stopped, below
	metrics, err := listenMetrics(f.MetricsAddr, reg, m.Log)
	if err != nil {
		return err
	}
	handler := admit.Middleware(site)
	// In front of admission control: a waiting visitor's page costs
	// none of the capacity kept for those let in.
	handler = room.Middleware(handler)
	// In front of everything: an aggregator's poll of files it already
	// holds costs a map read, whatever the site's load (fhir.Unchanged).
	handler = fh.Unchanged(handler)
	// And the liveness checks, which ask only that the process answer.
	handler = api.Alive(handler, admit.CountExempt)
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rdv_fhir_publish_not_modified_total",
		Help: "Polls of the SMART Scheduling Links files answered 304 before the site's middleware (not in the request log)."},
		func() float64 { return float64(fh.UnchangedAnswered()) }))
	if f.HTTPSProxy {
		handler = behindHTTPSProxy(handler)
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}

	bg, stopBG := context.WithCancel(context.Background())
	// The room reads the operators' switch before the first visitor
	// comes: an instance started while the room is open must not let
	// its first visitors past it.
	room.Step(bg)
	var wg sync.WaitGroup
	wg.Go(func() { _ = engine.Run(bg) })
	wg.Go(func() { _ = fh.Run(bg) })
	wg.Go(func() { _ = admit.Run(bg) })
	wg.Go(func() { _ = room.Run(bg) })
	wg.Go(func() { _ = requests.Run(bg) })
	wg.Go(func() { _ = matcher.Run(bg) })
	wg.Go(func() { runNotifier(bg, notifier, m.Log) })
	wg.Go(func() { _ = feeTaker.Run(bg, f.Fees.Settle, time.Now) })
	// Other instances' changes reach the index through the store's
	// watcher; SQLite, which no other instance shares, has none to bring.
	learner := availability.NewLearner(index, store, m.Log)
	wg.Go(func() {
		if err := learner.Follow(bg, store); err != nil && bg.Err() == nil {
			m.Log.Error("slot watcher stopped", "err", err)
		}
	})
	defer func() { stopBG(); wg.Wait() }()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if metrics != nil {
		defer metrics.close()
		go metrics.serve(m.Log)
		m.mu.Lock()
		m.metricsURL = listenURL(metrics.ln.Addr()) + "/metrics"
		m.mu.Unlock()
		m.Log.Info("metrics served apart from the site", "url", m.metricsURL)
	}
	m.announce(ln.Addr())

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	m.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), f.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listenURL is the URL of a listening address, naming localhost for
// "every address".
func listenURL(addr net.Addr) string {
	host := addr.String()
	if a, ok := addr.(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		host = fmt.Sprintf("localhost:%d", a.Port)
	}
	return "http://" + host
}

func (m *Main) announce(addr net.Addr) {
	m.mu.Lock()
	m.url = listenURL(addr)
	m.mu.Unlock()
	fmt.Fprintf(m.Stdout, "rdv listening on %s\n", m.url)
	close(m.ready)
}

func (m *Main) maybeLoadDemo(ctx context.Context, store rdv.Store, f *serveFlags) error {
	if !f.Demo {
		return nil
	}
	if err := m.ensureDemoBackupKey(f.DB); err != nil {
		return err
	}
	empty, err := store.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	opts, err := f.demoFlags.options(time.Now())
	if err != nil {
		return err
	}
	if err := m.loadDemo(ctx, store, opts); err != nil {
		return err
	}
	// Building the network peaks far above what serving needs; give that
	// memory back now rather than whenever the scavenger gets to it.
	debug.FreeOSMemory()
	return nil
}

// buildIndex loads the network and every bookable slot from the store.
func buildIndex(ctx context.Context, store rdv.Store, now time.Time) (*availability.Index, error) {
	clinics, err := store.Clinics(ctx)
	if err != nil {
		return nil, fmt.Errorf("load clinics: %w", err)
	}
	practitioners, err := store.Practitioners(ctx)
	if err != nil {
		return nil, fmt.Errorf("load practitioners: %w", err)
	}
	ix, err := availability.Build(clinics, practitioners, func(fn func(rdv.Slot) error) error {
		return store.ScanBookable(ctx, now, now, fn)
	})
	if err != nil {
		return nil, fmt.Errorf("build availability index: %w", err)
	}
	return ix, nil
}

// site assembles the pages, the JSON API and the FHIR API, mounted side
// by side, and returns the FHIR API's server too: it keeps the SMART
// files current (Run) and answers the polls of unchanged ones
// (Unchanged).
func (m *Main) site(store rdv.Store, index *availability.Index, engine *booking.Engine, matcher *match.Engine, requests rdv.RequestAcceptor, admit *admission.Controller, room *waitroom.Room, publicURL string, secret []byte, fee *feeFlags, publishEvery time.Duration, access *slog.Logger) (http.Handler, *fhir.Server, error) {
	ready := func(ctx context.Context) error {
		_, err := store.Empty(ctx)
		return err
	}
	trust := admit.TrustForwardedFor()
	deps := api.Deps{Engine: engine, Index: index, Store: store, Ready: ready, Log: m.Log, TrustForwardedFor: trust}
	deps.Browser = room.Browser
	deps.Requests, deps.Matcher = requests, matcher
	// The API's clinic routes take the pages' staff sessions and form
	// tokens: the same store's accounts, the same secret.
	deps.Secret = secret
	deps.WaitingRoomOpen = func() bool { return room.Open(time.Now()) }
	apiHandler := api.New(deps)
	wd := web.Deps{Engine: engine, Index: index, Store: store, Ready: ready, Log: m.Log, AccessLog: access, TrustForwardedFor: trust, Browser: deps.Browser}
	wd.PublicURL, wd.Secret = publicURL, secret
	wd.Requests, wd.Matcher = requests, matcher
	// The request form shows the fee charged, and in development which
	// payments the built-in provider takes.
	wd.Fee, wd.LocalPayments = fee.config(), fee.Provider == "local"
	wd.Load = loadSnapshot(admit)
	wd.WaitingRoomOpen = room.Open
	wd.WaitingRoom = waitingRoomSnapshot(room)
	site, err := web.New(wd)
	if err != nil {
		return nil, nil, fmt.Errorf("web: %w", err)
	}
	apiRoutes, err := route.NewTable(api.Routes())
	if err != nil {
		return nil, nil, err
	}
	// FHIR reads and changes a clinic's appointments for its API tokens
	// and its staff's sessions (fhirParties).
	fh, err := fhir.New(fhir.Deps{Engine: engine, Index: index, Store: store, Log: m.Log, PublicURL: publicURL,
		ReadOnly: site.ReadOnly, TrustForwardedFor: trust, PublishEvery: publishEvery, Authorize: fhirParties(store)})
	if err != nil {
		return nil, nil, err
	}
	mux := mount(site, site.API(apiHandler, apiRoutes))
	mux.Handle("/fhir/", site.Beside(fh))
	return mux, fh, nil
}

// mount serves the pages and the JSON API side by side, each behind its
// own middleware: the API under /api/ and the probes, the pages
// everywhere else.
func mount(pages, api http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("GET /healthz", api)
	mux.Handle("GET /readyz", api)
	mux.Handle("/", pages)
	return mux
}

// Flood runs the open-loop load generator against a running server.
func (m *Main) Flood(ctx context.Context, args []string) error {
	return flood.Main(ctx, args, m.Stdout, m.Stderr)
}

// openSpool opens the durable spool of appointment requests in front of
// the store: the matcher's feed, so that every request it replays, filed
// while the database was up or down, enters the one queue.
func (m *Main) openSpool(f *serveFlags, store rdv.RequestStore) (*spool.Spool, error) {
	path := f.Spool
	if path == "" {
		path = "rdv-requests.spool"
		if !f.isPostgres() {
			path = f.DB + ".requests.spool"
		}
	}
	sp, err := spool.Open(path, store, spool.Options{Log: m.Log, Keys: f.keys})
	if err != nil {
		return nil, fmt.Errorf("appointment requests: %w", err)
	}
	return sp, nil
}

// behindHTTPSProxy marks every request as having arrived over TLS: the
// proxy in front terminates HTTPS, and the handlers decide Secure cookies
// (and the __Host- prefix) from r.TLS. Only set it when the proxy refuses
// plain HTTP, or cookies would be marked Secure on a plain connection.
func behindHTTPSProxy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			r2 := *r
			r2.TLS = &tls.ConnectionState{HandshakeComplete: true}
			r = &r2
		}
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		next.ServeHTTP(w, r)
	})
}

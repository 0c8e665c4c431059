// Package admission keeps rdv up when demand exceeds capacity: per-client
// rate limits, an adaptive concurrency limit on the work that costs, with
// priority classes (confirm and cancel before holds, before searches,
// before browsing), a short priority queue bounded in requests and in
// expected wait, per-class deadlines, and fast, honest refusals (503 with Retry-After, in the person's language).
package admission

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Controller applies admission control to an HTTP handler. It is safe for
// concurrent use.
type Controller struct {
	cfg      Config
	log      *slog.Logger
	gate     *gate
	byAddr   *clientLimits
	byAcct   *clientLimits
	refusals refusals
	metrics  *metrics

	counts [Exempt + 1][outcomes]atomic.Uint64

	rateMu    sync.Mutex
	rateSince time.Time
	rateBase  uint64
	rate      float64
}

// New returns a controller for cfg, registering its metrics with reg (nil:
// not registered).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Controller, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	c := &Controller{
		cfg:      cfg,
		log:      log,
		gate:     newGate(NewLimiter(cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit, cfg.LatencyTarget), cfg.MaxQueue, cfg.QueueWait, cfg.Now),
		byAddr:   newClientLimits(cfg.AddressRate, cfg.AddressBurst, cfg.MaxClients, cfg.ClientIdle),
		byAcct:   newClientLimits(cfg.AccountRate, cfg.AccountBurst, cfg.MaxClients, cfg.ClientIdle),
		refusals: renderRefusals(),
	}
	c.rateSince = cfg.Now()
	m, err := newMetrics(reg, c.gate, c)
	if err != nil {
		return nil, fmt.Errorf("register admission metrics: %w", err)
	}
	c.metrics = m
	return c, nil
}

// Middleware returns next guarded by admission control.
func (c *Controller) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		class := c.cfg.Classify(r)
		if class == OperatorPage {
			class = Browse
			if c.cfg.Operator != nil && c.cfg.Operator(r) {
				class = Exempt
			}
		}
		if class == Exempt {
			c.count(class, Admitted)
			next.ServeHTTP(w, r)
			return
		}
		start := c.cfg.Now()
		if ok, wait := c.allowClient(r); !ok {
			c.count(class, RateLimited)
			c.refusals.write(w, r, c.cfg.Format(r), http.StatusTooManyRequests, max(wait, time.Second))
			c.metrics.refusal.Observe(c.cfg.Now().Sub(start).Seconds())
			return
		}
		if err := readAhead(r); err != nil {
			// The body never came whole (the server's read timeout, or
			// the client left): there is no work to admit.
			c.count(class, TimedOut)
			http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
			return
		}
		// The class deadline runs from when the request has arrived
		// whole: a slow upload is the client's time, not the server's.
		start = c.cfg.Now()
		if !c.cfg.Adaptive {
			c.count(class, Admitted)
			c.serve(w, r, class, start, next)
			c.metrics.admitted.Observe(c.cfg.Now().Sub(start).Seconds())
			return
		}
		out, waiter := c.gate.enter(class)
		if waiter != nil {
			// The class deadline runs from arrival, so that time in the
			// queue counts against it: it is the waiter's only clock. A
			// request refused at once pays for no timer at all.
			ctx, cancel := context.WithDeadline(r.Context(), c.deadline(class, start))
			defer cancel()
			r = r.WithContext(ctx)
			out = c.gate.wait(ctx, waiter)
		}
		c.count(class, out)
		if out != Admitted {
			c.refusals.write(w, r, c.cfg.Format(r), http.StatusServiceUnavailable, c.cfg.RetryAfter)
			c.metrics.refusal.Observe(c.cfg.Now().Sub(start).Seconds())
			return
		}
		began := c.cfg.Now()
		c.metrics.queueWait[class].Observe(began.Sub(start).Seconds())
		dropped := true // a panic counts as an overrun
		defer func() {
			end := c.cfg.Now()
			c.gate.release(class, end.Sub(began), dropped)
			c.metrics.admitted.Observe(end.Sub(start).Seconds())
		}()
		dropped = c.serve(w, r, class, start, next)
	})
}

// maxReadAhead is how much of a body is read before its request is
// admitted: more than any route accepts (the API's and the forms' 64
// KiB), so that a body a route takes has arrived whole; a longer one is
// refused by its route after the part read.
const maxReadAhead = 64<<10 + 1

// readAhead reads r's body (up to maxReadAhead) before the request takes
// a place of the concurrency limit. A body that trickles in, from a slow
// link or from someone who means harm, would otherwise hold its place
// while the server waits for it: a hundred such requests took every
// place of holds, and nobody else could book (the fault suite's slow
// clients). Waiting costs a goroutine and the bytes read; the server's
// read timeout bounds it.
func readAhead(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxReadAhead))
	if err != nil {
		return err
	}
	r.Body = readBody{Reader: io.MultiReader(bytes.NewReader(head), r.Body), Closer: r.Body}
	return nil
}

// readBody is a body whose head was read ahead: the head, then the rest.
type readBody struct {
	io.Reader
	io.Closer
}

// serve runs admitted work under its class deadline, counted from the
// request's arrival, and reports whether the deadline passed.
func (c *Controller) serve(w http.ResponseWriter, r *http.Request, class Class, start time.Time, next http.Handler) bool {
	ctx, cancel := context.WithDeadline(r.Context(), c.deadline(class, start))
	defer cancel()
	next.ServeHTTP(w, r.WithContext(ctx))
	return ctx.Err() == context.DeadlineExceeded
}

// deadline returns when the work of a request of class c that arrived at
// start must end. The budget left is measured on the configured clock,
// but contexts run on the real one.
func (c *Controller) deadline(class Class, start time.Time) time.Time {
	return time.Now().Add(c.cfg.Deadline[class] - c.cfg.Now().Sub(start))
}

// allowClient applies the per-address and per-account buckets.
func (c *Controller) allowClient(r *http.Request) (bool, time.Duration) {
	if !c.cfg.ClientLimits {
		return true, 0
	}
	now := c.cfg.Now()
	if ok, wait := c.byAddr.allow(ClientAddr(r, c.cfg.TrustForwardedFor), now); !ok {
		return false, wait
	}
	if c.cfg.AccountOf != nil {
		if acct := c.cfg.AccountOf(r); acct != "" {
			return c.byAcct.allow(acct, now)
		}
	}
	return true, 0
}

// CountExempt counts a request answered in front of the controller
// (a liveness check: api.Alive) as the exempt class it would have been,
// admitted.
func (c *Controller) CountExempt() { c.count(Exempt, Admitted) }

func (c *Controller) count(class Class, o Outcome) {
	c.counts[class][o].Add(1)
	if m := c.metrics.counters[class][o]; m != nil {
		m.Inc()
	}
}

// Run evicts idle rate-limit buckets until ctx is done.
func (c *Controller) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.ClientIdle / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			now := c.cfg.Now()
			c.byAddr.evictIdle(now)
			c.byAcct.evictIdle(now)
		}
	}
}

// admissionRate returns the admitted requests per second, measured over
// at least the last second and smoothed.
func (c *Controller) admissionRate() float64 {
	var total uint64
	for _, cl := range classes {
		total += c.counts[cl][Admitted].Load()
	}
	now := c.cfg.Now()
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	if el := now.Sub(c.rateSince); el >= time.Second {
		r := float64(total-c.rateBase) / el.Seconds()
		if c.rate == 0 {
			c.rate = r
		} else {
			c.rate = 0.5*c.rate + 0.5*r
		}
		c.rateSince, c.rateBase = now, total
	}
	return c.rate
}

// ClassSnapshot is one class's line on the operator page.
type ClassSnapshot struct {
	Class       string `json:"class"`
	Queued      int    `json:"queued"`
	Admitted    uint64 `json:"admitted"`
	Shed        uint64 `json:"shed"`
	RateLimited uint64 `json:"rate_limited"`
	TimedOut    uint64 `json:"timeout"`
}

// Snapshot is the live state of admission control, for the operator page.
type Snapshot struct {
	Adaptive      bool            `json:"adaptive"`
	ClientLimits  bool            `json:"client_limits"`
	Limit         int             `json:"limit"`
	InFlight      int             `json:"in_flight"`
	Queued        int             `json:"queued"`
	Slowdown      float64         `json:"slowdown"`   // recent latency over the lowest measured, per class
	Latency       time.Duration   `json:"latency_ns"` // recent mean latency of admitted work
	Throughput    float64         `json:"throughput"` // admitted work finished per second, last window
	AdmissionRate float64         `json:"admission_rate"`
	Clients       int             `json:"clients"` // rate-limit buckets in memory
	Classes       []ClassSnapshot `json:"classes"` // critical, hold, search, browse, exempt
}

// Snapshot returns the live state of admission control.
func (c *Controller) Snapshot() Snapshot {
	g := c.gate.state()
	s := Snapshot{
		Adaptive:      c.cfg.Adaptive,
		ClientLimits:  c.cfg.ClientLimits,
		Limit:         g.limit,
		InFlight:      g.inflight,
		Slowdown:      g.slowdown,
		Latency:       g.latency,
		Throughput:    g.rate,
		AdmissionRate: c.admissionRate(),
		Clients:       c.byAddr.len() + c.byAcct.len(),
	}
	for cl := Critical; cl <= Exempt; cl++ {
		cs := ClassSnapshot{
			Class:       cl.String(),
			Admitted:    c.counts[cl][Admitted].Load(),
			Shed:        c.counts[cl][Shed].Load(),
			RateLimited: c.counts[cl][RateLimited].Load(),
			TimedOut:    c.counts[cl][TimedOut].Load(),
		}
		if cl < Exempt {
			cs.Queued = g.queued[cl]
			s.Queued += g.queued[cl]
		}
		s.Classes = append(s.Classes, cs)
	}
	return s
}

package flood

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Outcome of one request as the load generator sees it.
const (
	good    = iota // answered (2xx, or a 4xx that is the answer, like slot_taken)
	refused        // 503, or 429 for exceeding a rate
	failed         // no answer in time, connection error, other 5xx
)

// classify tells good answers from refusals and failures.
func classify(r *vegeta.Result) int {
	switch {
	case r.Code == 0:
		return failed
	case r.Code == http.StatusServiceUnavailable:
		return refused
	case r.Code == http.StatusTooManyRequests:
		// The cap on live holds is an answer about the booking, not a
		// refusal to work.
		if bytes.Contains(r.Body, []byte(`"too_many_holds"`)) {
			return good
		}
		return refused
	case r.Code >= 500:
		return failed
	}
	return good
}

// counts are the outcomes of one kind of request.
type counts struct {
	Sent    int `json:"sent"`
	Good    int `json:"good"`
	Refused int `json:"refused"`
	Failed  int `json:"failed"`
}

// phase is what one constant-rate attack measured.
type phase struct {
	Rate     float64
	Duration time.Duration
	Total    counts
	ByKind   map[string]*counts
	admitted []time.Duration // latencies of good answers
	refused  []time.Duration // latencies of refusals
	goodAt   []time.Time     // when each good answer came
}

// Point summarises a phase. OfferedRPS is what was actually sent:
// RequestedRPS is the rate asked of the generator, which one core may not
// reach.
type Point struct {
	RequestedRPS  float64 `json:"requested_rps"`
	OfferedRPS    float64 `json:"offered_rps"`
	SentRPS       float64 `json:"sent_rps"`
	GoodputRPS    float64 `json:"goodput_rps"`
	AdmittedP50MS float64 `json:"admitted_p50_ms"`
	AdmittedP99MS float64 `json:"admitted_p99_ms"`
	RefusedP50MS  float64 `json:"refused_p50_ms"`
	RefusedP99MS  float64 `json:"refused_p99_ms"`
	RefusedRatio  float64 `json:"refused_ratio"`
	FailedRatio   float64 `json:"failed_ratio"`
	// ServerGoodputRPS is the rate of requests the server admitted, from
	// its own counters (-1 when it does not export them): free of the
	// generator's delays, and what the capacity ramp trusts.
	ServerGoodputRPS float64 `json:"server_goodput_rps"`
	// ServerAdmittedP99MS and ServerRefusalP99MS are the p99 of the
	// server's own histograms (bucket bounds; -1 when unknown).
	ServerAdmittedP99MS float64 `json:"server_admitted_p99_ms"`
	ServerRefusalP99MS  float64 `json:"server_refusal_p99_ms"`
}

func (p *phase) point() Point {
	secs := p.Duration.Seconds()
	pt := Point{
		RequestedRPS:  p.Rate,
		OfferedRPS:    float64(p.Total.Sent) / secs,
		SentRPS:       float64(p.Total.Sent) / secs,
		GoodputRPS:    float64(p.Total.Good) / secs,
		AdmittedP50MS: percentileMS(p.admitted, 0.50),
		AdmittedP99MS: percentileMS(p.admitted, 0.99),
		RefusedP50MS:  percentileMS(p.refused, 0.50),
		RefusedP99MS:  percentileMS(p.refused, 0.99),
	}
	if p.Total.Sent > 0 {
		pt.RefusedRatio = float64(p.Total.Refused) / float64(p.Total.Sent)
		pt.FailedRatio = float64(p.Total.Failed) / float64(p.Total.Sent)
	}
	return pt
}

// percentileMS returns the q-quantile of ds in milliseconds (nearest
// rank), sorting ds in place; 0 for none.
func percentileMS(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.5) - 1
	i = max(0, min(len(ds)-1, i))
	return float64(ds[i].Microseconds()) / 1000
}

// attackOptions bound every attack.
type attackOptions struct {
	timeout    time.Duration // per request
	maxWorkers uint64        // concurrent requests at most
	// started, when set, is told when the attack begins sending: the
	// recovery probe starts when the flood stops, before its last
	// answers have come.
	started func(time.Time)
	// after, when set, gives the server's counts at the end of the
	// attack in measure's stead (read when the flood stopped sending).
	after func() *serverStats
}

// attack offers rate requests per second of the mix for d, open loop,
// and measures the answers. It stops early when ctx ends.
func attack(ctx context.Context, m *mix, rate float64, d time.Duration, o attackOptions) *phase {
	p := &phase{Rate: rate, Duration: d, ByKind: map[string]*counts{}}
	for _, k := range kinds {
		p.ByKind[k] = &counts{}
	}
	client := newClient(m.base, o.timeout)
	defer client.CloseIdleConnections()
	a := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(64),
		vegeta.MaxWorkers(o.maxWorkers),
		vegeta.MaxBody(1<<20),
		vegeta.Redirects(vegeta.NoFollow),
	)
	stop := context.AfterFunc(ctx, func() { a.Stop() })
	defer stop()
	// Whole seconds make a constant pacer exact; the rate is rounded.
	pacer := vegeta.ConstantPacer{Freq: max(1, int(rate+0.5)), Per: time.Second}
	began := time.Now()
	if o.started != nil {
		o.started(began)
	}
	for r := range a.Attack(m.targeter(), pacer, d, "flood") {
		kind := kindOf(r.Method, r.URL)
		c := p.ByKind[kind]
		c.Sent++
		p.Total.Sent++
		m.learnCookies(kind, r)
		switch classify(r) {
		case good:
			c.Good++
			p.Total.Good++
			p.admitted = append(p.admitted, r.Latency)
			p.goodAt = append(p.goodAt, r.Timestamp.Add(r.Latency))
			m.learn(kind, r)
		case refused:
			c.Refused++
			p.Total.Refused++
			p.refused = append(p.refused, r.Latency)
		default:
			c.Failed++
			p.Total.Failed++
		}
	}
	if el := time.Since(began); ctx.Err() != nil && el < d {
		p.Duration = el
	}
	return p
}

// measure attacks like attack and reads the server's own counters before
// and after, into the point it returns with the phase.
func measure(ctx context.Context, m *mix, rate float64, d time.Duration, o attackOptions) (*phase, Point) {
	before := scrape(ctx, m.metrics)
	p := attack(ctx, m, rate, d, o)
	var after *serverStats
	if o.after != nil {
		after = o.after()
	} else {
		after = scrape(ctx, m.metrics)
	}
	pt := p.point()
	pt.ServerGoodputRPS, pt.ServerAdmittedP99MS, pt.ServerRefusalP99MS = -1, -1, -1
	if before != nil && after != nil {
		pt.ServerGoodputRPS = (after.admittedCount - before.admittedCount) / p.Duration.Seconds()
		pt.ServerAdmittedP99MS = bucketQuantileMS(before.admitted, after.admitted, 0.99)
		pt.ServerRefusalP99MS = bucketQuantileMS(before.refusal, after.refusal, 0.99)
	}
	return p, pt
}

// sourceAddresses is how many loopback addresses a client spreads its
// requests over. An edge limits each address (and each address and
// cookie) to a rate of requests let through, 20 a second by default; a
// flood from a handful of keep-alive connections would meet that limit
// long before the instances' capacity, and the capacity ramp would take
// the edge's rate refusals for the platform's limit. Over 256 addresses,
// 5,000 requests/s let through are 20 a second from each. More addresses
// would reuse their connections less: each new one costs the edge and the
// generator a handshake.
const sourceAddresses = 256

// newClient returns an HTTP client for the target. On an IPv4 loopback
// target its requests take turns among sourceAddresses addresses of
// 127.0.0.0/8, each with its own keep-alive connections, so the server (or
// the edge in front of it) sees a crowd of clients (per-address limits,
// the cap on live holds) rather than one.
func newClient(base string, timeout time.Duration) *http.Client {
	var rt http.RoundTripper = newTransport(timeout, nil)
	if u, err := url.Parse(base); err == nil {
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.To4() != nil && ip.IsLoopback() {
			rt = newSpread(timeout, sourceAddresses)
		}
	}
	return &http.Client{Timeout: timeout, Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// newTransport returns a transport whose connections come from src (nil:
// the system's choice), falling back to the system's choice where src
// cannot be bound.
func newTransport(timeout time.Duration, src net.IP) *http.Transport {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: 10000,
		IdleConnTimeout:     30 * time.Second,
	}
	if src != nil {
		bound := *d
		bound.LocalAddr = &net.TCPAddr{IP: src}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := bound.DialContext(ctx, network, addr)
			if err != nil {
				return d.DialContext(ctx, network, addr) // no such source address here
			}
			return c, nil
		}
	}
	return tr
}

// spread sends each request through the next of its transports, each
// bound to its own source address: consecutive requests come from
// different addresses whatever the connections' reuse, which on a single
// transport would favour the few most recently used.
type spread struct {
	transports []*http.Transport
	next       atomic.Uint64
}

func newSpread(timeout time.Duration, n int) *spread {
	s := &spread{}
	seen := map[[4]byte]bool{}
	for len(s.transports) < n {
		a := [4]byte{127, byte(1 + rand.IntN(200)), byte(rand.IntN(256)), byte(2 + rand.IntN(250))} // #nosec G404 G115 -- a loopback source address to spread clients, each byte below 256
		if seen[a] {
			continue
		}
		seen[a] = true
		s.transports = append(s.transports, newTransport(timeout, net.IPv4(a[0], a[1], a[2], a[3])))
	}
	return s
}

func (s *spread) RoundTrip(r *http.Request) (*http.Response, error) {
	i := s.next.Add(1) % uint64(len(s.transports))
	return s.transports[i].RoundTrip(r)
}

// CloseIdleConnections closes every transport's idle connections
// (http.Client.CloseIdleConnections calls it).
func (s *spread) CloseIdleConnections() {
	for _, t := range s.transports {
		t.CloseIdleConnections()
	}
}

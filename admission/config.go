package admission

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"rdv/flagenv"
)

// Config holds every limit of admission control. The zero value is not
// useful: start from RegisterFlags (or DefaultConfig) and override.
type Config struct {
	// ClientLimits turns the per-client token buckets on. Benchmarks driven
	// from one address turn them off; the adaptive limit stays on.
	ClientLimits bool
	// AddressRate and AddressBurst bound each remote address (requests per
	// second, and the burst allowed on top).
	AddressRate  float64
	AddressBurst int
	// AccountRate and AccountBurst bound each account that AccountOf names.
	AccountRate  float64
	AccountBurst int
	// TrustForwardedFor takes the client address from the last
	// X-Forwarded-For entry (the one our own proxy appended). Only set it
	// behind a proxy that always sets the header, or clients pick their
	// own address and escape their limit.
	TrustForwardedFor bool
	// MaxClients caps the buckets kept in memory; idle ones are evicted
	// after ClientIdle.
	MaxClients int
	ClientIdle time.Duration
	// AccountOf returns the account a request belongs to ("" for none), from
	// a session cookie or header. Nil means no per-account limit.
	AccountOf func(*http.Request) string `json:"-"`
	// Classify returns the priority class of a request. It runs before
	// every admission decision and must stay cheap; the routes' owner
	// builds it from its route table, so that this package knows no
	// paths. Nil: every request is browsing.
	Classify func(*http.Request) Class `json:"-"`
	// Format is how a refusal of the request is written: a page, the
	// JSON API's error, or an OperationOutcome for the FHIR API, from the
	// same route table. Nil: always a page.
	Format func(*http.Request) Format `json:"-"`
	// Operator reports whether a request carries a verified operator's
	// pass; such a request to an operators' page (Classify answers
	// OperatorPage) skips the limit. It must
	// decide without I/O (a signature, not a session look-up): it runs
	// before admission, for anyone. Nil: no one skips it.
	Operator func(*http.Request) bool `json:"-"`

	// Adaptive turns the adaptive concurrency limit and priority queue on.
	// Off, every request is admitted at once (the comparison run).
	Adaptive bool
	// InitialLimit, MinLimit and MaxLimit bound the concurrency limit.
	InitialLimit int
	MinLimit     int
	MaxLimit     int
	// MaxQueue caps the requests waiting for capacity, all classes
	// together (0: as many as the current limit); each class may fill the
	// same share of it as of the limit. A request that finds no room is
	// refused at once, one that waits has its deadline as its only clock.
	// With a queue about as long as the limit a wait lasts about as long
	// as the work, and the server always has admitted work ready when a
	// place frees; with no queue a small limit refuses bursts the server
	// could absorb.
	MaxQueue int
	// QueueWait caps the queue further by the wait it implies: no more
	// waiters than the measured throughput serves in QueueWait (0: no
	// such cap). It is what bounds admitted latency when the work itself
	// slows down (a flood, a busy core), without a timer per waiter.
	QueueWait time.Duration
	// LatencyTarget is the mean latency of admitted work (without its
	// queue wait) that the limit aims at: under it, and while the limit is
	// used, the limit grows; over it, the limit shrinks, though for half
	// a second not under the concurrency that delivered the highest
	// throughput measured within the target. 25 ms of mean work and a
	// queue of at most 50 ms of expected wait kept the admitted p99 under
	// the 250 ms objective in the flood runs (docs/flood); 40 ms and
	// 100 ms did not.
	LatencyTarget time.Duration
	// Deadline is the time budget of admitted work per class; the
	// request's context ends when it passes.
	Deadline [Exempt]time.Duration
	// RetryAfter is the hint sent with refusals.
	RetryAfter time.Duration

	// Now is the clock; tests replace it. Nil means time.Now.
	Now func() time.Time `json:"-"`

	envErr error // a malformed environment fallback, reported by New
}

// DefaultConfig returns the defaults that RegisterFlags registers, without
// reading the environment.
func DefaultConfig() Config {
	return Config{
		ClientLimits:  true,
		AddressRate:   20,
		AddressBurst:  40,
		AccountRate:   5,
		AccountBurst:  15,
		MaxClients:    100_000,
		ClientIdle:    5 * time.Minute,
		Adaptive:      true,
		InitialLimit:  32,
		MinLimit:      8,
		MaxLimit:      1000,
		LatencyTarget: 25 * time.Millisecond,
		QueueWait:     50 * time.Millisecond,
		Deadline:      [Exempt]time.Duration{Critical: 3 * time.Second, Hold: 2 * time.Second, Search: time.Second, Browse: 2 * time.Second},
		RetryAfter:    2 * time.Second,
	}
}

// RegisterFlags registers every limit on fs, with defaults taken from the
// environment (RDV_CLIENT_LIMITS, RDV_ADMISSION, ...) when set.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	*c = DefaultConfig()
	e := &flagenv.Reader{}
	c.ClientLimits = e.Bool("RDV_CLIENT_LIMITS", c.ClientLimits)
	fs.Var(onOff{&c.ClientLimits}, "client-limits", "per-client rate limits on|off (RDV_CLIENT_LIMITS)")
	fs.Float64Var(&c.AddressRate, "rate-per-address", e.Float("RDV_RATE_PER_ADDRESS", c.AddressRate), "requests per second allowed to one address (RDV_RATE_PER_ADDRESS)")
	fs.IntVar(&c.AddressBurst, "burst-per-address", e.Int("RDV_BURST_PER_ADDRESS", c.AddressBurst), "burst allowed to one address (RDV_BURST_PER_ADDRESS)")
	fs.Float64Var(&c.AccountRate, "rate-per-account", e.Float("RDV_RATE_PER_ACCOUNT", c.AccountRate), "requests per second allowed to one account (RDV_RATE_PER_ACCOUNT)")
	fs.IntVar(&c.AccountBurst, "burst-per-account", e.Int("RDV_BURST_PER_ACCOUNT", c.AccountBurst), "burst allowed to one account (RDV_BURST_PER_ACCOUNT)")
	fs.BoolVar(&c.TrustForwardedFor, "trust-forwarded-for", e.Bool("RDV_TRUST_FORWARDED_FOR", false), "take client addresses from X-Forwarded-For; only behind a proxy (RDV_TRUST_FORWARDED_FOR)")
	fs.IntVar(&c.MaxClients, "max-clients", e.Int("RDV_MAX_CLIENTS", c.MaxClients), "rate-limit buckets kept in memory (RDV_MAX_CLIENTS)")
	c.Adaptive = e.Bool("RDV_ADMISSION", c.Adaptive)
	fs.Var(onOff{&c.Adaptive}, "admission", "adaptive concurrency limit and priority queue on|off (RDV_ADMISSION)")
	fs.IntVar(&c.InitialLimit, "concurrency-initial", e.Int("RDV_CONCURRENCY_INITIAL", c.InitialLimit), "initial concurrency limit (RDV_CONCURRENCY_INITIAL)")
	fs.IntVar(&c.MinLimit, "concurrency-min", e.Int("RDV_CONCURRENCY_MIN", c.MinLimit), "lowest concurrency limit (RDV_CONCURRENCY_MIN)")
	fs.IntVar(&c.MaxLimit, "concurrency-max", e.Int("RDV_CONCURRENCY_MAX", c.MaxLimit), "highest concurrency limit (RDV_CONCURRENCY_MAX)")
	fs.DurationVar(&c.LatencyTarget, "concurrency-latency-target", e.Duration("RDV_CONCURRENCY_LATENCY_TARGET", c.LatencyTarget), "mean latency of admitted work the limit aims at (RDV_CONCURRENCY_LATENCY_TARGET)")
	fs.IntVar(&c.MaxQueue, "queue-max", e.Int("RDV_QUEUE_MAX", c.MaxQueue), "requests waiting for capacity at most; 0: the current limit (RDV_QUEUE_MAX)")
	fs.DurationVar(&c.QueueWait, "queue-wait-max", e.Duration("RDV_QUEUE_WAIT_MAX", c.QueueWait), "expected queue wait at most, at the measured throughput; 0: no bound (RDV_QUEUE_WAIT_MAX)")
	fs.DurationVar(&c.Deadline[Critical], "deadline-critical", e.Duration("RDV_DEADLINE_CRITICAL", c.Deadline[Critical]), "time budget of confirmations and cancellations (RDV_DEADLINE_CRITICAL)")
	fs.DurationVar(&c.Deadline[Hold], "deadline-hold", e.Duration("RDV_DEADLINE_HOLD", c.Deadline[Hold]), "time budget of holds (RDV_DEADLINE_HOLD)")
	fs.DurationVar(&c.Deadline[Search], "deadline-search", e.Duration("RDV_DEADLINE_SEARCH", c.Deadline[Search]), "time budget of searches (RDV_DEADLINE_SEARCH)")
	fs.DurationVar(&c.Deadline[Browse], "deadline-browse", e.Duration("RDV_DEADLINE_BROWSE", c.Deadline[Browse]), "time budget of other pages (RDV_DEADLINE_BROWSE)")
	fs.DurationVar(&c.RetryAfter, "retry-after", e.Duration("RDV_RETRY_AFTER", c.RetryAfter), "Retry-After hint sent with refusals (RDV_RETRY_AFTER)")
	c.envErr = e.Err()
}

// validate checks the limits and fills the derived defaults.
func (c *Config) validate() error {
	if c.envErr != nil {
		return fmt.Errorf("admission environment: %w", c.envErr)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Classify == nil {
		c.Classify = func(*http.Request) Class { return Browse }
	}
	if c.Format == nil {
		c.Format = func(*http.Request) Format { return Page }
	}
	switch {
	case c.ClientLimits && (c.AddressRate <= 0 || c.AddressBurst < 1):
		return errors.New("admission: rate and burst per address must be positive")
	case c.ClientLimits && c.AccountOf != nil && (c.AccountRate <= 0 || c.AccountBurst < 1):
		return errors.New("admission: rate and burst per account must be positive")
	case c.MinLimit < 1 || c.MaxLimit < c.MinLimit:
		return fmt.Errorf("admission: concurrency limits min %d max %d are inconsistent", c.MinLimit, c.MaxLimit)
	case c.MaxQueue < 0 || c.QueueWait < 0 || c.LatencyTarget < 0:
		return errors.New("admission: queue size, queue wait and latency target must not be negative")
	}
	if c.InitialLimit < c.MinLimit {
		c.InitialLimit = c.MinLimit
	}
	if c.InitialLimit > c.MaxLimit {
		c.InitialLimit = c.MaxLimit
	}
	if c.MaxClients < 1 {
		c.MaxClients = 100_000
	}
	if c.ClientIdle <= 0 {
		c.ClientIdle = 5 * time.Minute
	}
	if c.RetryAfter < time.Second {
		c.RetryAfter = time.Second
	}
	for _, cl := range classes {
		if c.Deadline[cl] <= 0 {
			return fmt.Errorf("admission: deadline of %s must be positive", cl)
		}
	}
	return nil
}

// onOff is a flag that reads "on" or "off" (and the usual booleans).
type onOff struct{ v *bool }

func (o onOff) String() string {
	if o.v != nil && *o.v {
		return "on"
	}
	return "off"
}

func (o onOff) Set(s string) error {
	b, err := flagenv.ParseOnOff(s)
	if err != nil {
		return err
	}
	*o.v = b
	return nil
}

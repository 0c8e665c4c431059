package admission

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
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

	// Adaptive turns the adaptive concurrency limit and priority queue on.
	// Off, every request is admitted at once (the comparison run).
	Adaptive bool
	// InitialLimit, MinLimit and MaxLimit bound the concurrency limit.
	InitialLimit int
	MinLimit     int
	MaxLimit     int
	// QueueTimeout is how long a request may wait for capacity before it
	// is refused; MaxQueue caps the waiters (0: as many as the limit). It
	// is zero by default: under a flood a freed place is taken within
	// microseconds by a newcomer anyway, and on a saturated CPU a waiter's
	// timer fires late, so a queue of even 4 ms made refusals take up to
	// 50 ms inside the server (measured), against 50 µs without one.
	QueueTimeout time.Duration
	MaxQueue     int
	// Tolerance is how much slower than the lowest measured latency the
	// work may get before the limit shrinks (1.5: 50 % slower).
	Tolerance float64
	// LatencyFloor is the mean latency of admitted work under which the
	// limit never shrinks, however slower than its best the work runs. On
	// a saturated CPU every request waits for the scheduler, so latency
	// relative to its best says little; 60 ms of mean keeps the admitted
	// p99 under the 250 ms objective in the flood runs while letting the
	// limit reach the concurrency that throughput needs (25 ms held
	// goodput to a third of capacity).
	LatencyFloor time.Duration
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
		ClientLimits: true,
		AddressRate:  20,
		AddressBurst: 40,
		AccountRate:  5,
		AccountBurst: 15,
		MaxClients:   100_000,
		ClientIdle:   5 * time.Minute,
		Adaptive:     true,
		InitialLimit: 32,
		MinLimit:     8,
		MaxLimit:     1000,
		QueueTimeout: 0,
		Tolerance:    2,
		LatencyFloor: 60 * time.Millisecond,
		Deadline:     [Exempt]time.Duration{Critical: 3 * time.Second, Hold: 2 * time.Second, Search: time.Second, Browse: 2 * time.Second},
		RetryAfter:   2 * time.Second,
	}
}

// RegisterFlags registers every limit on fs, with defaults taken from the
// environment (RDV_CLIENT_LIMITS, RDV_ADMISSION, ...) when set.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	*c = DefaultConfig()
	e := &envReader{}
	fs.Var(onOff{&c.ClientLimits}, "client-limits", "per-client rate limits on|off (RDV_CLIENT_LIMITS)")
	e.onOff("RDV_CLIENT_LIMITS", &c.ClientLimits)
	fs.Float64Var(&c.AddressRate, "rate-per-address", e.float("RDV_RATE_PER_ADDRESS", c.AddressRate), "requests per second allowed to one address (RDV_RATE_PER_ADDRESS)")
	fs.IntVar(&c.AddressBurst, "burst-per-address", e.int("RDV_BURST_PER_ADDRESS", c.AddressBurst), "burst allowed to one address (RDV_BURST_PER_ADDRESS)")
	fs.Float64Var(&c.AccountRate, "rate-per-account", e.float("RDV_RATE_PER_ACCOUNT", c.AccountRate), "requests per second allowed to one account (RDV_RATE_PER_ACCOUNT)")
	fs.IntVar(&c.AccountBurst, "burst-per-account", e.int("RDV_BURST_PER_ACCOUNT", c.AccountBurst), "burst allowed to one account (RDV_BURST_PER_ACCOUNT)")
	fs.BoolVar(&c.TrustForwardedFor, "trust-forwarded-for", e.bool("RDV_TRUST_FORWARDED_FOR", false), "take client addresses from X-Forwarded-For; only behind a proxy (RDV_TRUST_FORWARDED_FOR)")
	fs.IntVar(&c.MaxClients, "max-clients", e.int("RDV_MAX_CLIENTS", c.MaxClients), "rate-limit buckets kept in memory (RDV_MAX_CLIENTS)")
	fs.Var(onOff{&c.Adaptive}, "admission", "adaptive concurrency limit and priority queue on|off (RDV_ADMISSION)")
	e.onOff("RDV_ADMISSION", &c.Adaptive)
	fs.IntVar(&c.InitialLimit, "concurrency-initial", e.int("RDV_CONCURRENCY_INITIAL", c.InitialLimit), "initial concurrency limit (RDV_CONCURRENCY_INITIAL)")
	fs.IntVar(&c.MinLimit, "concurrency-min", e.int("RDV_CONCURRENCY_MIN", c.MinLimit), "lowest concurrency limit (RDV_CONCURRENCY_MIN)")
	fs.IntVar(&c.MaxLimit, "concurrency-max", e.int("RDV_CONCURRENCY_MAX", c.MaxLimit), "highest concurrency limit (RDV_CONCURRENCY_MAX)")
	fs.Float64Var(&c.Tolerance, "concurrency-tolerance", e.float("RDV_CONCURRENCY_TOLERANCE", c.Tolerance), "how much slower than its best the work may get before the limit shrinks (RDV_CONCURRENCY_TOLERANCE)")
	fs.DurationVar(&c.LatencyFloor, "concurrency-latency-floor", e.duration("RDV_CONCURRENCY_LATENCY_FLOOR", c.LatencyFloor), "mean latency under which the limit never shrinks (RDV_CONCURRENCY_LATENCY_FLOOR)")
	fs.DurationVar(&c.QueueTimeout, "queue-timeout", e.duration("RDV_QUEUE_TIMEOUT", c.QueueTimeout), "longest wait for capacity before a refusal (RDV_QUEUE_TIMEOUT)")
	fs.IntVar(&c.MaxQueue, "queue-max", e.int("RDV_QUEUE_MAX", c.MaxQueue), "requests waiting for capacity at most; 0: the current limit (RDV_QUEUE_MAX)")
	fs.DurationVar(&c.Deadline[Critical], "deadline-critical", e.duration("RDV_DEADLINE_CRITICAL", c.Deadline[Critical]), "time budget of confirmations and cancellations (RDV_DEADLINE_CRITICAL)")
	fs.DurationVar(&c.Deadline[Hold], "deadline-hold", e.duration("RDV_DEADLINE_HOLD", c.Deadline[Hold]), "time budget of holds (RDV_DEADLINE_HOLD)")
	fs.DurationVar(&c.Deadline[Search], "deadline-search", e.duration("RDV_DEADLINE_SEARCH", c.Deadline[Search]), "time budget of searches (RDV_DEADLINE_SEARCH)")
	fs.DurationVar(&c.Deadline[Browse], "deadline-browse", e.duration("RDV_DEADLINE_BROWSE", c.Deadline[Browse]), "time budget of other pages (RDV_DEADLINE_BROWSE)")
	fs.DurationVar(&c.RetryAfter, "retry-after", e.duration("RDV_RETRY_AFTER", c.RetryAfter), "Retry-After hint sent with refusals (RDV_RETRY_AFTER)")
	c.envErr = errors.Join(e.errs...)
}

// validate checks the limits and fills the derived defaults.
func (c *Config) validate() error {
	if c.envErr != nil {
		return fmt.Errorf("admission environment: %w", c.envErr)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.ClientLimits && (c.AddressRate <= 0 || c.AddressBurst < 1):
		return errors.New("admission: rate and burst per address must be positive")
	case c.ClientLimits && c.AccountOf != nil && (c.AccountRate <= 0 || c.AccountBurst < 1):
		return errors.New("admission: rate and burst per account must be positive")
	case c.MinLimit < 1 || c.MaxLimit < c.MinLimit:
		return fmt.Errorf("admission: concurrency limits min %d max %d are inconsistent", c.MinLimit, c.MaxLimit)
	case c.QueueTimeout < 0 || c.MaxQueue < 0:
		return errors.New("admission: queue timeout and size must not be negative")
	}
	if c.InitialLimit < c.MinLimit {
		c.InitialLimit = c.MinLimit
	}
	if c.InitialLimit > c.MaxLimit {
		c.InitialLimit = c.MaxLimit
	}
	if c.Tolerance < 1 {
		c.Tolerance = 1
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
	b, err := parseOnOff(s)
	if err != nil {
		return err
	}
	*o.v = b
	return nil
}

func parseOnOff(s string) (bool, error) {
	switch s {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is neither on nor off", s)
}

// envReader reads environment fallbacks and keeps the parse errors, since
// flag registration cannot fail.
type envReader struct{ errs []error }

func (e *envReader) fail(name string, err error) {
	e.errs = append(e.errs, fmt.Errorf("%s: %w", name, err))
}

func (e *envReader) onOff(name string, v *bool) {
	if s, ok := os.LookupEnv(name); ok {
		b, err := parseOnOff(s)
		if err != nil {
			e.fail(name, err)
			return
		}
		*v = b
	}
}

func (e *envReader) bool(name string, def bool) bool {
	v := def
	e.onOff(name, &v)
	return v
}

func (e *envReader) int(name string, def int) int {
	s, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		e.fail(name, err)
		return def
	}
	return n
}

func (e *envReader) float(name string, def float64) float64 {
	s, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		e.fail(name, err)
		return def
	}
	return f
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	s, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		e.fail(name, err)
		return def
	}
	return d
}

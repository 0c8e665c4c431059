// Package flood is the open-loop load generator of rdv ("rdv flood"): it
// measures a server's capacity, offers it a multiple of that capacity at a
// constant arrival rate with a realistic mix of searches, holds,
// confirmations, cancellations and browsing, and reports goodput, the
// latency of admitted and of refused requests, the shed rate by class, and
// whether any acknowledged booking was doubled or lost.
package flood

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// options are the flags of rdv flood.
type options struct {
	target, compareTarget string
	duration              time.Duration
	overload              float64
	json                  bool
	reportDir             string
	capacity              float64
	rampStart             float64
	rampStep              time.Duration
	rampSteps             int
	maxRate               float64
	sloMS                 float64
	levels                string
	levelDuration         time.Duration
	timeout               time.Duration
	maxWorkers            uint64
	seed                  uint64
	wait                  time.Duration
	recovery              time.Duration
	names                 string

	// metrics and compareMetrics are the targets' metrics pages ("":
	// none): servers serve them apart from the site.
	metrics, compareMetrics string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("flood", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "http://127.0.0.1:8080", "base URL of the server under test (loopback only)")
	fs.StringVar(&o.compareTarget, "compare-target", "", "a second server (run with --admission=off) offered the same load, for comparison")
	fs.StringVar(&o.metrics, "metrics", "http://127.0.0.1:9090/metrics", "the target's metrics page (its --metrics-addr), read for the server's own counts; several, comma-separated, for instances behind an edge (their counts are summed); off: none")
	fs.StringVar(&o.compareMetrics, "compare-metrics", "off", "the metrics page of the --compare-target server; off: none")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long the overload lasts")
	fs.Float64Var(&o.overload, "overload", 10, "offered load as a multiple of capacity")
	fs.BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	fs.StringVar(&o.reportDir, "report", "", "write a Markdown report and its SVG chart into this directory")
	fs.Float64Var(&o.capacity, "capacity", 0, "capacity in requests/s; 0: measure it with a ramp")
	fs.Float64Var(&o.rampStart, "ramp-start", 100, "first rate of the capacity ramp, requests/s")
	fs.DurationVar(&o.rampStep, "ramp-step", 2*time.Second, "duration of each ramp step")
	fs.IntVar(&o.rampSteps, "ramp-steps", 12, "ramp steps at most")
	fs.Float64Var(&o.maxRate, "max-rate", 50000, "highest rate ever offered, requests/s")
	fs.Float64Var(&o.sloMS, "slo", 250, "admitted p99 latency, in ms, beyond which the ramp stops")
	fs.StringVar(&o.levels, "levels", "0.5,1,2,5", "with --report: extra load levels (multiples of capacity) charted before the overload")
	fs.DurationVar(&o.levelDuration, "level-duration", 4*time.Second, "duration of each extra level")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.Uint64Var(&o.maxWorkers, "max-workers", 2000, "requests in flight at most (open loop until this bound)")
	fs.DurationVar(&o.wait, "wait", time.Minute, "how long to wait for the targets to answer /healthz before starting")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the request mix")
	fs.DurationVar(&o.recovery, "recovery", 10*time.Second, "after the overload, offer the capacity for this long and time the return to full goodput; 0: no probe")
	fs.StringVar(&o.names, "names", "admission on,admission off", "names of the target and of the --compare-target in the report, comma-separated")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.duration <= 0 || o.duration > time.Hour:
		return o, errors.New("flood: --duration must be in (0, 1h]")
	case o.overload <= 0 || o.overload > 1000:
		return o, errors.New("flood: --overload must be in (0, 1000]")
	case o.capacity < 0 || o.rampStart <= 0 || o.maxRate <= 0 || o.rampSteps < 1 || o.rampStep <= 0:
		return o, errors.New("flood: capacity, ramp and max rate must be positive")
	case o.recovery != 0 && (o.recovery < time.Second || o.recovery > 10*time.Minute):
		return o, errors.New("flood: --recovery must be 0 or in [1s, 10m]")
	case len(strings.Split(o.names, ",")) != 2:
		return o, errors.New("flood: --names takes two names, comma-separated")
	}
	if err := checkLoopback(o.target); err != nil {
		return o, err
	}
	for _, m := range []*string{&o.metrics, &o.compareMetrics} {
		u, err := metricsURLs(*m)
		if err != nil {
			return o, err
		}
		*m = u
	}
	if o.compareTarget != "" {
		if err := checkLoopback(o.compareTarget); err != nil {
			return o, err
		}
	}
	return o, nil
}

// checkLoopback refuses any target that is not on this machine: a load
// generator must never be pointed at somebody else's server.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("flood: target %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("flood: target %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("flood: target %q is not a loopback address: rdv flood only loads servers on this machine (use 127.0.0.1, ::1 or localhost)", raw)
}

// Run is the result of flooding one server.
type Run struct {
	Target      string  `json:"target"`
	CapacityRPS float64 `json:"capacity_rps"`
	// CapacityGeneratorBound is set when the ramp stopped because the
	// generator could not send the rate asked of it, not because the
	// server stopped keeping up: capacity is then a lower bound.
	CapacityGeneratorBound bool `json:"capacity_generator_bound"`
	// RequestedRPS is the overload asked of the generator (overload ×
	// capacity); OfferedRPS is what it actually sent, and OverloadReached
	// that as a multiple of capacity.
	RequestedRPS    float64 `json:"requested_rps"`
	OfferedRPS      float64 `json:"offered_rps"`
	OverloadReached float64 `json:"overload_reached"`
	SentRPS         float64 `json:"sent_rps"`
	GoodputRPS      float64 `json:"goodput_rps"`
	GoodputRatio    float64 `json:"goodput_ratio"` // goodput / capacity
	// ServerGoodputRPS is the overload's goodput from the server's own
	// count of admitted requests (-1 when it does not export it).
	ServerGoodputRPS float64 `json:"server_goodput_rps"`
	AdmittedP50MS    float64 `json:"admitted_p50_ms"`
	AdmittedP99MS    float64 `json:"admitted_p99_ms"`
	RefusedP50MS     float64 `json:"refused_p50_ms"`
	RefusedP99MS     float64 `json:"refused_p99_ms"`
	// ServerRefusalP99MS is the p99 time to refuse measured inside the
	// server (the bucket bound of its histogram), free of the load
	// generator's own delays; -1 when the server does not export it.
	ServerRefusalP99MS float64 `json:"server_refusal_p99_ms"`
	// ServerAdmittedP99MS is the same for admitted requests, from arrival
	// to the end of their work, queue wait included.
	ServerAdmittedP99MS float64            `json:"server_admitted_p99_ms"`
	RefusedRatio        float64            `json:"refused_ratio"`
	FailedRatio         float64            `json:"failed_ratio"`
	ShedRate            map[string]float64 `json:"shed_rate_by_class"`
	ByClass             map[string]*counts `json:"requests_by_class"`
	Check
	// Waitroom is what the waiting room did to the visitors of the whole
	// run (ramp and levels included: the room may open before the
	// overload).
	Waitroom WaitroomTimes `json:"waiting_room"`
	Ramp     []Point       `json:"ramp,omitempty"`   // capacity measurement
	Levels   []Point       `json:"levels,omitempty"` // offered load against goodput, for the chart
	// Recovery is the probe after the overload (nil: --recovery 0).
	Recovery *Recovery `json:"recovery,omitempty"`
}

// Summary is what rdv flood prints with --json: the main run at the top
// level, and the comparison run (admission off) beside it.
type Summary struct {
	Run
	Duration string  `json:"duration"`
	Overload float64 `json:"overload"`
	Compare  *Run    `json:"compare,omitempty"`
	// Names are what the report calls the target and the comparison.
	Names []string `json:"names"`
}

// Main runs rdv flood with its arguments (without the program and
// subcommand names), writing the summary to stdout and progress to stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	main, err := flood(ctx, o, o.target, o.metrics, o.capacity, o.seed, progress)
	if err != nil {
		return err
	}
	s := Summary{Run: main, Duration: o.duration.String(), Overload: o.overload, Names: strings.Split(o.names, ",")}
	if o.compareTarget != "" {
		// The same offered load, measured against the capacity of the
		// server with admission on, so that both runs face the same flood.
		cmp, err := flood(ctx, o, o.compareTarget, o.compareMetrics, main.CapacityRPS, o.seed+1, progress)
		if err != nil {
			return fmt.Errorf("compare run: %w", err)
		}
		s.Compare = &cmp
	}
	if o.reportDir != "" {
		if err := writeReport(o.reportDir, s, time.Now()); err != nil {
			return err
		}
		progress("report written to %s", o.reportDir)
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		return enc.Encode(s)
	}
	printSummary(stdout, s)
	return ctx.Err()
}

// flood measures (or takes) the capacity of one target, offers it the
// overload, and checks the bookings.
func flood(ctx context.Context, o options, target, metrics string, capacity float64, seed uint64, progress func(string, ...any)) (Run, error) {
	base := strings.TrimRight(target, "/")
	m := newMix(base, seed)
	m.metrics = metrics
	ao := attackOptions{timeout: o.timeout, maxWorkers: o.maxWorkers}
	r := Run{Target: base}
	if err := waitHealthy(ctx, base, o.wait); err != nil {
		return r, err
	}
	if capacity <= 0 {
		progress("%s: measuring capacity", base)
		capacity, r.Ramp, r.CapacityGeneratorBound = ramp(ctx, m, o, ao, progress)
		if capacity <= 0 {
			return r, fmt.Errorf("flood %s: no request succeeded while measuring capacity", base)
		}
	}
	r.CapacityRPS = capacity
	if o.reportDir != "" {
		for _, f := range parseLevels(o.levels) {
			if ctx.Err() != nil {
				break
			}
			rate := min(o.maxRate, f*capacity)
			_, pt := measure(ctx, m, rate, o.levelDuration, ao)
			progress("%s: level %.1f× (%.0f/s, sent %.0f/s): goodput %.0f/s (server %.0f/s), admitted p99 %.1f ms (server ≤ %g ms)",
				base, f, rate, pt.OfferedRPS, pt.GoodputRPS, pt.ServerGoodputRPS, pt.AdmittedP99MS, pt.ServerAdmittedP99MS)
			r.Levels = append(r.Levels, pt)
		}
	}
	rate := min(o.maxRate, o.overload*capacity)
	progress("%s: offering %.0f requests/s (%.1f× capacity %.0f/s) for %s", base, rate, o.overload, capacity, o.duration)
	// The recovery probe begins when the overload stops sending, while
	// its last requests are still in flight: that is when a crowd gives
	// up, and what follows it is the platform's recovery.
	var recovered chan Recovery
	oo := ao
	if o.recovery > 0 {
		recovered = make(chan Recovery, 1)
		atStop := make(chan *serverStats, 1)
		probe := min(o.maxRate, capacity)
		oo.started = func(began time.Time) {
			go func() {
				stop := began.Add(o.duration)
				sleepUntil(ctx, stop)
				// The server's counts for the overload end here: the
				// probe's requests are not the flood's.
				atStop <- scrape(ctx, m.metrics)
				recovered <- probeRecovery(ctx, m, probe, stop, o.recovery, ao)
			}()
		}
		oo.after = func() *serverStats { return <-atStop }
	}
	p, pt := measure(ctx, m, rate, o.duration, oo)
	if recovered != nil {
		rec := <-recovered
		r.Recovery = &rec
		progress("%s: recovery at %.0f/s: goodput ≥ %.0f %% of capacity after %.1f s (by second: %v)", base, rec.ProbeRPS, 100*recoveryShare, rec.Seconds, rec.GoodputRPS)
	}
	r.ServerRefusalP99MS, r.ServerAdmittedP99MS = pt.ServerRefusalP99MS, pt.ServerAdmittedP99MS
	r.Levels = append(r.Levels, pt)
	r.RequestedRPS, r.OfferedRPS, r.SentRPS, r.GoodputRPS = pt.RequestedRPS, pt.OfferedRPS, pt.SentRPS, pt.GoodputRPS
	r.ServerGoodputRPS = pt.ServerGoodputRPS
	r.OverloadReached = pt.OfferedRPS / capacity
	r.GoodputRatio = pt.GoodputRPS / capacity
	r.AdmittedP50MS, r.AdmittedP99MS = pt.AdmittedP50MS, pt.AdmittedP99MS
	r.RefusedP50MS, r.RefusedP99MS = pt.RefusedP50MS, pt.RefusedP99MS
	r.RefusedRatio, r.FailedRatio = pt.RefusedRatio, pt.FailedRatio
	r.ByClass = p.ByKind
	r.ShedRate = map[string]float64{}
	for k, c := range p.ByKind {
		if c.Sent > 0 {
			r.ShedRate[k] = float64(c.Refused) / float64(c.Sent)
		}
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	r.Waitroom = m.waitroomTimes()
	progress("%s: checking acknowledged bookings", base)
	acked, cancelled, tried := m.ledger()
	r.Check = checkBookings(ctx, newClient(base, o.timeout), base, acked, cancelled, tried)
	return r, nil
}

// ramp raises the offered rate until goodput reaches a plateau, and
// returns the plateau as the capacity: the median goodput of the steps
// from the first that could not keep up. One step lasts seconds, and one
// can run ahead of what the target sustains (a lull on a shared machine,
// work that bookings leave behind them for later, like notifications), so
// the best step overstates it; the plateau's median is what it sustains.
// Goodput and latency are the server's own (its count of admitted
// requests and its admitted-latency histogram) when it exports them: the
// generator's p99 includes its own queueing once its core is busy, and
// would stop the ramp on the generator's limit rather than the server's.
// The ramp also stops, and says so, when the generator cannot send the
// rate asked of it.
func ramp(ctx context.Context, m *mix, o options, ao attackOptions, progress func(string, ...any)) (float64, []Point, bool) {
	var (
		best      float64
		points    []Point
		goods     []float64 // each step's goodput
		saturated = -1      // the first step that could not keep up
	)
	rate := o.rampStart
	strikes := 0
	for step := 0; step < o.rampSteps && ctx.Err() == nil; step++ {
		_, pt := measure(ctx, m, rate, o.rampStep, ao)
		points = append(points, pt)
		good, p99 := pt.GoodputRPS, pt.AdmittedP99MS
		if pt.ServerGoodputRPS >= 0 {
			good = pt.ServerGoodputRPS
		}
		if pt.ServerAdmittedP99MS >= 0 {
			p99 = pt.ServerAdmittedP99MS
		}
		goods = append(goods, good)
		progress("  ramp %.0f/s (sent %.0f/s): goodput %.0f/s, admitted p99 %.1f ms, refused %.1f%%", rate, pt.OfferedRPS, good, p99, 100*pt.RefusedRatio)
		if p99 <= o.sloMS {
			best = max(best, good)
		}
		if pt.OfferedRPS < 0.9*rate {
			// The generator is the bottleneck: the server's capacity is
			// at least what it answered.
			best = max(best, good)
			return best, points, true
		}
		// A plateau: goodput no longer follows what was sent (refusals
		// or a growing backlog), latency passes the objective, or
		// requests fail. One such step can be a pause on a shared
		// machine; two in a row are the server's limit.
		full := good < 0.9*pt.OfferedRPS || p99 > o.sloMS || pt.FailedRatio > 0.01
		if full {
			strikes++
			if saturated < 0 {
				saturated = step
			}
		} else {
			strikes = 0
		}
		if strikes >= 2 {
			return plateau(goods, saturated, best), points, false
		}
		if rate >= o.maxRate {
			break
		}
		if strikes == 0 {
			rate = min(o.maxRate, rate*1.5)
		}
	}
	if best == 0 && len(points) > 0 {
		best = points[0].GoodputRPS
	}
	return best, points, false
}

// plateau returns the median goodput of the steps from the first
// saturated one, the plateau a ramp ended on; best (the best step within
// the latency objective) when fewer than three steps make it.
func plateau(goods []float64, saturated int, best float64) float64 {
	if saturated < 0 || len(goods)-saturated < 3 {
		return best
	}
	p := slices.Clone(goods[saturated:])
	slices.Sort(p)
	if n := len(p); n%2 == 0 {
		return (p[n/2-1] + p[n/2]) / 2
	}
	return p[len(p)/2]
}

func parseLevels(s string) []float64 {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		var v float64
		if _, err := fmt.Sscan(strings.TrimSpace(f), &v); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}

func printSummary(w io.Writer, s Summary) {
	runs := []*Run{&s.Run}
	if s.Compare != nil {
		runs = append(runs, s.Compare)
	}
	for _, r := range runs {
		fmt.Fprintf(w, "%s\n", r.Target)
		fmt.Fprintf(w, "  capacity      %8.0f req/s\n", r.CapacityRPS)
		fmt.Fprintf(w, "  offered       %8.0f req/s (%.1f× capacity; asked %.0f)\n", r.OfferedRPS, r.OverloadReached, r.RequestedRPS)
		fmt.Fprintf(w, "  goodput       %8.0f req/s (%.0f%% of capacity; server count %.0f)\n", r.GoodputRPS, 100*r.GoodputRatio, r.ServerGoodputRPS)
		fmt.Fprintf(w, "  admitted      p50 %.1f ms, p99 %.1f ms\n", r.AdmittedP50MS, r.AdmittedP99MS)
		fmt.Fprintf(w, "  refused       p50 %.1f ms, p99 %.1f ms (%.0f%% of requests; failed %.1f%%)\n", r.RefusedP50MS, r.RefusedP99MS, 100*r.RefusedRatio, 100*r.FailedRatio)
		if r.ServerRefusalP99MS >= 0 {
			fmt.Fprintf(w, "  refused p99 inside the server ≤ %g ms\n", r.ServerRefusalP99MS)
		}
		if r.ServerAdmittedP99MS >= 0 {
			fmt.Fprintf(w, "  admitted p99 inside the server ≤ %g ms\n", r.ServerAdmittedP99MS)
		}
		for _, k := range kinds {
			if c := r.ByClass[k]; c != nil && c.Sent > 0 {
				fmt.Fprintf(w, "  %-8s      sent %d, answered %d, refused %d (%.0f%%), failed %d\n", k, c.Sent, c.Good, c.Refused, 100*r.ShedRate[k], c.Failed)
			}
		}
		wr := r.Waitroom
		fmt.Fprintf(w, "  waiting room  %d visitors, %d held (%d given a number), %d let in after a wait (p50 %.1f s, p99 %.1f s), %d still waiting (longest %.1f s, announced p50 %.0f s)\n",
			wr.Visitors, wr.Held, wr.Ticketed, wr.WaitedAndLetIn, wr.WaitP50S, wr.WaitP99S, wr.StillWaiting, wr.LongestWaitS, wr.EstimateP50S)
		if rec := r.Recovery; rec != nil {
			fmt.Fprintf(w, "  recovery      probe at %.0f req/s: goodput ≥ %.0f%% of capacity after %.1f s (-1: not within the probe); by second %v\n", rec.ProbeRPS, 100*recoveryShare, rec.Seconds, rec.GoodputRPS)
		}
		fmt.Fprintf(w, "  bookings      %d acknowledged, %d checked, %d double, %d lost, %d unverified\n",
			r.Acknowledged, r.Checked, r.DoubleBookings, r.LostBookings, r.Unverified)
	}
}

// waitHealthy polls the target's /healthz until it answers 200, at most
// for wait: a server that is still loading its index is not overloaded.
func waitHealthy(ctx context.Context, base string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
		if err != nil {
			return fmt.Errorf("flood %s: %w", base, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flood %s: not healthy after %s (last error: %v)", base, wait, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

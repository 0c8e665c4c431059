// Package waitroom is the virtual waiting room: while demand stays above
// what the platform can serve (or while an operator says so), a new
// visitor gets a signed first-come ticket and a light page showing their
// place in line, and visitors are let in, in ticket order, at a set rate,
// each for a session of a few minutes.
//
// The line is the database's (rdv.TicketStore): every instance draws
// numbers from one sequence and admits up to one shared number, so a
// visitor's place does not depend on which instance answers. Tickets and
// passes are HMAC-signed cookies bound to a random browser id kept in its
// own cookie: they cannot be forged, moved to another browser, or edited
// to jump the line, since the number is inside the signature and a later
// ticket always carries a greater number.
package waitroom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rdv"
	"rdv/admission"
)

// Config tunes the waiting room.
type Config struct {
	// Secret signs tickets and passes; at least 32 bytes. Instances
	// behind one load balancer must share it.
	Secret []byte
	// PerSecond is how many tickets the platform admits per second at
	// most. With Shed set, the room lets in fewer while admission control
	// is refusing work (see pace).
	PerSecond float64
	// Shed returns a running total of the requests admission control
	// refused; nil: the room always lets in PerSecond.
	Shed func() uint64
	// Session is how long an admitted visitor may browse before waiting
	// again.
	Session time.Duration
	// TicketTTL is how long a ticket stays good, waiting or admitted;
	// past it the visitor draws a new one. It bounds how long one ticket
	// can be redeemed for new sessions.
	TicketTTL time.Duration
	// Tick is how often an instance advances the line and reads the
	// operators' switch (default 1 s).
	Tick time.Duration
	// Auto reports whether the room should be open whatever the
	// operators say, typically because admission control has been
	// shedding for a sustained time (see Sustained). Nil: never.
	Auto func(now time.Time) bool
	// Through reports whether a request goes past the room whatever its
	// state. The routes' owner builds it from its route table, so that
	// the room knows no paths: probes and static files, the staff
	// consoles (which need a sign-in of their own), the request form
	// (the waiting page offers it instead of waiting), and the requests
	// that finish or undo a booking. The room exists to hand out new
	// demand in turn, and those are not new demand: a hold lasts
	// minutes, and a person who held a slot just before the room opened
	// would otherwise lose it; a cancellation gives capacity back. What
	// keeps them from being a way around the line is that each needs a
	// hold id or an appointment's token only a visitor already let in
	// could have got, and everything let through still goes through
	// admission control behind the room. It runs on every request: it
	// must be cheap. Nil: nothing goes past the room.
	Through func(r *http.Request) bool
	// Format is how the room answers the request: its page, the JSON
	// API's error, or an OperationOutcome for the FHIR API, from the same
	// route table. Nil: always the page.
	Format func(r *http.Request) admission.Format
	Now    func() time.Time
}

// Room is the waiting room of one instance. It is safe for concurrent
// use.
type Room struct {
	cfg     Config
	tickets rdv.TicketStore
	modes   rdv.ModeStore // nil: no operator switch
	log     *slog.Logger
	sign    signer

	mu         sync.Mutex
	operatorOn bool
	state      rdv.WaitroomState
	known      bool              // state was read at least once
	sampledAt  time.Time         // when rate was last measured
	sampledAt0 int64             // AdmittedThrough then
	rate       float64           // measured admissions per second, smoothed
	drawn      map[string]ticket // by browser id: the number each drew here
	paceNow    float64           // the rate the line is moved at now
	shedLast   uint64            // Shed's total at the last tick
	shedKnown  bool

	issued    prometheus.Counter
	waiting   prometheus.Gauge
	paceGauge prometheus.Gauge
	admitted  prometheus.Counter
}

// New returns the waiting room over tickets, with the operators' switch
// read from modes (nil: none), registering its metrics with reg (nil: not
// registered).
func New(tickets rdv.TicketStore, modes rdv.ModeStore, cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Room, error) {
	switch {
	case tickets == nil:
		return nil, errors.New("waiting room: no ticket store")
	case len(cfg.Secret) < 32:
		return nil, errors.New("waiting room: the secret must be at least 32 bytes")
	case cfg.PerSecond <= 0:
		return nil, fmt.Errorf("waiting room: admission rate %g: want more than 0 per second", cfg.PerSecond)
	case cfg.Session < time.Minute:
		return nil, fmt.Errorf("waiting room: session %s: want at least a minute", cfg.Session)
	}
	if cfg.TicketTTL <= 0 {
		cfg.TicketTTL = 6 * time.Hour
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.Through == nil {
		cfg.Through = func(*http.Request) bool { return false }
	}
	if cfg.Format == nil {
		cfg.Format = func(*http.Request) admission.Format { return admission.Page }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Room{cfg: cfg, tickets: tickets, modes: modes, log: log, sign: signer{cfg.Secret}, paceNow: cfg.PerSecond}
	r.issued = prometheus.NewCounter(prometheus.CounterOpts{Name: "rdv_waitroom_tickets_issued_total", Help: "Waiting-room tickets this instance issued."})
	r.admitted = prometheus.NewCounter(prometheus.CounterOpts{Name: "rdv_waitroom_admitted_total", Help: "Visitors this instance let in from the waiting room."})
	r.waiting = prometheus.NewGauge(prometheus.GaugeOpts{Name: "rdv_waitroom_waiting", Help: "Tickets issued and not yet admitted, on every instance."})
	r.paceGauge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "rdv_waitroom_pace", Help: "Visitors per second this instance moves the line at, lowered while admission control sheds."})
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rdv_waitroom_open", Help: "1 while the waiting room is open."}, func() float64 {
		if r.Open(r.cfg.Now()) {
			return 1
		}
		return 0
	})
	if reg != nil {
		for _, c := range []prometheus.Collector{r.issued, r.admitted, r.waiting, r.paceGauge, open} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register waiting-room metrics: %w", err)
			}
		}
	}
	return r, nil
}

// Open reports whether new visitors wait: an operator opened the room, or
// the automatic switch says demand stays above capacity.
func (r *Room) Open(now time.Time) bool {
	r.mu.Lock()
	on := r.operatorOn
	r.mu.Unlock()
	return on || (r.cfg.Auto != nil && r.cfg.Auto(now))
}

// Snapshot is the room's state as this instance last read it.
type Snapshot struct {
	Open            bool    `json:"open"`
	OperatorOn      bool    `json:"operator_on"`
	Issued          int64   `json:"issued"`
	AdmittedThrough int64   `json:"admitted_through"`
	Waiting         int64   `json:"waiting"`
	AdmissionRate   float64 `json:"admission_rate"` // measured, per second
	Pace            float64 `json:"pace"`           // what this instance moves the line at, per second
}

// Snapshot returns the room's state, for the operators.
func (r *Room) Snapshot() Snapshot {
	open := r.Open(r.cfg.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	return Snapshot{Open: open, OperatorOn: r.operatorOn, Issued: r.state.Issued, AdmittedThrough: r.state.AdmittedThrough,
		Waiting: r.state.Waiting(), AdmissionRate: r.admissionRate(), Pace: r.paceNow}
}

// Run advances the line and follows the operators' switch every Tick
// until ctx is done.
func (r *Room) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.Tick)
	defer t.Stop()
	for {
		r.Step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step does one tick's work: read the switch, then move the line forward
// (or, when the room is closed, let everyone waiting in). Failures keep
// the last state; the next tick tries again.
func (r *Room) Step(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(r.cfg.Tick, time.Second))
	defer cancel()
	if r.modes != nil {
		m, err := r.modes.Modes(ctx)
		if err != nil {
			r.log.WarnContext(ctx, "waiting room: cannot read the operators' switch", "err", err)
		} else {
			r.mu.Lock()
			r.operatorOn = m.WaitingRoom
			r.mu.Unlock()
		}
	}
	now := r.cfg.Now()
	r.mu.Lock()
	last, known := r.state, r.known
	r.mu.Unlock()
	var st rdv.WaitroomState
	var err error
	switch {
	case !r.Open(now):
		// A closed room only follows the line: another instance may
		// keep it open.
		st, err = r.tickets.WaitroomState(ctx)
	case known && last.Waiting() > 0 && now.Sub(last.AdvancedAt) > r.staleLine():
		// No instance moved the line for long: the room was closed
		// everywhere. Those still in line have come in without waiting
		// since; their numbers must not stand before the next crowd.
		st, err = r.tickets.AdvanceWaitroom(ctx, now, 0)
	default:
		st, err = r.tickets.AdvanceWaitroom(ctx, now, r.pace())
	}
	if err != nil {
		r.log.WarnContext(ctx, "waiting room: cannot advance the line", "err", err)
		return
	}
	r.observe(now, st)
}

// Pace tuning: while admission control refuses work, each tick lowers the
// pace by paceCut, down to PerSecond/paceFloor; a tick without refusals
// raises it by PerSecond/paceSteps, up to PerSecond. Visitors let in
// browse for a whole session, so letting in more while the platform
// already turns work away would only add to what it turns away; and
// letting in fewer than it can serve keeps people waiting for nothing.
const (
	paceCut   = 0.7
	paceFloor = 50
	paceSteps = 10
)

// pace returns the rate to move the line at for this tick, after
// adjusting it to whether admission control refused work since the last.
func (r *Room) pace() float64 {
	if r.cfg.Shed == nil {
		return r.cfg.PerSecond
	}
	total := r.cfg.Shed()
	r.mu.Lock()
	defer r.mu.Unlock()
	shedding := r.shedKnown && total > r.shedLast
	r.shedLast, r.shedKnown = total, true
	if shedding {
		r.paceNow = max(r.paceNow*paceCut, r.cfg.PerSecond/paceFloor)
	} else {
		r.paceNow = min(r.paceNow+r.cfg.PerSecond/paceSteps, r.cfg.PerSecond)
	}
	r.paceGauge.Set(r.paceNow)
	return r.paceNow
}

// staleLine is how long the line may stand still while people wait
// before it is taken for the leftover of a room closed everywhere. An open
// room moves it at least every 1/PerSecond.
func (r *Room) staleLine() time.Duration {
	return max(2*time.Minute, time.Duration(10/r.cfg.PerSecond*float64(time.Second)))
}

// observe keeps a state read from the store and measures the rate at
// which the line moves.
func (r *Room) observe(now time.Time, st rdv.WaitroomState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st.AdmittedThrough < r.state.AdmittedThrough && r.known {
		st.AdmittedThrough = r.state.AdmittedThrough // never move back on a stale read
	}
	if st.Issued < r.state.Issued {
		st.Issued = r.state.Issued
	}
	switch el := now.Sub(r.sampledAt); {
	case r.sampledAt.IsZero():
		r.sampledAt, r.sampledAt0 = now, st.AdmittedThrough
	case el >= 5*time.Second:
		rate := float64(st.AdmittedThrough-r.sampledAt0) / el.Seconds()
		if r.rate == 0 {
			r.rate = rate
		} else {
			r.rate = 0.7*r.rate + 0.3*rate
		}
		r.sampledAt, r.sampledAt0 = now, st.AdmittedThrough
	}
	r.state, r.known = st, true
	r.waiting.Set(float64(st.Waiting()))
}

// admissionRate is the measured rate, or the configured one before the
// line has moved enough to measure. Called with r.mu held.
func (r *Room) admissionRate() float64 {
	if r.rate > 0 {
		return r.rate
	}
	return r.cfg.PerSecond
}

// place returns how many tickets stand before seq and the estimated wait.
func (r *Room) place(seq int64) (ahead int64, wait time.Duration, admitted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq <= r.state.AdmittedThrough {
		return 0, 0, true
	}
	ahead = seq - r.state.AdmittedThrough - 1
	wait = time.Duration(float64(ahead+1) / r.admissionRate() * float64(time.Second))
	return ahead, wait, false
}

// noteIssued records a number this instance drew, so that its view of the
// line includes it before the next tick.
func (r *Room) noteIssued(seq int64) {
	r.issued.Inc()
	r.mu.Lock()
	if seq > r.state.Issued {
		r.state.Issued = seq
	}
	r.mu.Unlock()
}

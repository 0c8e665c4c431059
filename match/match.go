// Package match gives free slots to waiting appointment requests ("Trouvez-
// moi un rendez-vous"): whenever a slot becomes bookable and whenever a
// request arrives, the oldest fitting request of the highest priority gets
// a proposal, a slot held for it while its person answers.
//
// It is a package because it hides a decision that must live in one
// place: the order in which requests are served (the fairness rules
// below) and the structure that finds, for a freed slot, the request to
// serve without reading every request (queue.go: requests listed per
// service and clinic they reach, in serving order). The store stays the
// authority: it makes each proposal in one transaction and refuses any
// outside the request's criteria (rdv.CheckProposal), so a matcher that
// is wrong or late never proposes what a request did not ask for.
//
// The rules, each a test in this package:
//   - first come, first served within a priority (urgent, child, others):
//     a request is never passed over by a later one of equal priority that
//     fits the same slot (TestFirstComeFirstServed, TestPriorityFirst),
//     not even when the store refuses it another slot proposed at the
//     same time (TestRefusedKeepsItsPlace);
//   - one live proposal per request, one under way at most, and never a
//     slot it was offered before (TestOneLiveProposal,
//     TestDeclinedSlotGoesToTheNext, TestRefusedKeepsItsPlace);
//   - never a slot outside the request's criteria (TestOnlyWithinCriteria);
//   - slots kept for a clinic's registered patients go only to that
//     clinic's own-clinic requests (TestKeptSlotsForOwnPatients);
//   - a network request, which pays, never gets a slot that public search
//     could not show at that moment (TestOnlyWhatSearchShows);
//   - requests from agents, the form, the API and the spool's replays
//     enter the one queue (TestOneQueue);
//   - a place on the waitlist of one's own clinic gets only earlier slots
//     of its appointment's clinic, in its turn among the other requests
//     (TestWaitlistEarlierAtItsClinic, TestWaitlistFirstComeFirstServed),
//     and its move frees the old slot for the next
//     (TestWaitlistMoveFreesTheOldSlot).
//
// Matching is event-driven (the index tells of every slot it makes
// bookable: availability.Index.WhenAdded; the spool's replays tell of
// requests: Feed) and a periodic sweep expires proposals and requests and
// catches whatever an event missed (an event dropped under a burst,
// another instance's request).
package match

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"rdv"
	"rdv/availability"
)

// Store is what matching needs of the store.
type Store interface {
	rdv.ProposalStore
	rdv.RequestStore
	Slot(ctx context.Context, id int64) (rdv.Slot, error)
	RosteredClinics(ctx context.Context, people []rdv.Person) ([]int64, error)
}

// Config holds the matcher's rules.
type Config struct {
	ProposalTTL time.Duration // how long a proposal holds its slot (default rdv.DefaultProposalTTL)
	SweepEvery  time.Duration // how often the sweep runs (default 10 s)
	// RemindBefore is the reminder's lead of a booking made by accepting
	// a proposal, as booking.Config's (0: none).
	RemindBefore time.Duration
	// Candidates is how many free slots a request arriving looks at
	// (default 20): the earliest that fit it, each offered in turn.
	Candidates int
	Now        func() time.Time // default time.Now
	// Proposed, when not nil, is called after each proposal is made,
	// with the matching held, and must not block. The person is told by
	// the store: the proposal's messages are written in its transaction.
	Proposed func(rdv.AppointmentRequest, rdv.Proposal)
}

func (c *Config) defaults() {
	if c.ProposalTTL <= 0 {
		c.ProposalTTL = rdv.DefaultProposalTTL
	}
	if c.SweepEvery <= 0 {
		c.SweepEvery = 10 * time.Second
	}
	if c.Candidates <= 0 {
		c.Candidates = 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine matches. Its methods are safe for concurrent use; the matching
// itself runs one step at a time (mu), so that two events never serve one
// request twice or pass over one another.
type Engine struct {
	store Store
	index *availability.Index
	cfg   Config
	log   *slog.Logger

	mu sync.Mutex
	q  *queue

	freed   chan rdv.Slot
	arrived chan rdv.AppointmentRequest
	behind  chan struct{} // an event was dropped: sweep soon

	offered, proposed, refused, sweeps atomic.Int64 // see Stats
}

// Stats counts the matcher's work since it started.
type Stats struct {
	Offered  int64 // slots offered to the queue: each settled, proposed or not
	Proposed int64 // proposals the store made
	Refused  int64 // proposals the store refused (the slot gone, the request ended, ...)
	Sweeps   int64 // sweeps finished
}

// Stats reads the matcher's counters.
func (e *Engine) Stats() Stats {
	return Stats{Offered: e.offered.Load(), Proposed: e.proposed.Load(), Refused: e.refused.Load(), Sweeps: e.sweeps.Load()}
}

// New returns a matcher over a store and the index that caches it.
func New(store Store, index *availability.Index, cfg Config, log *slog.Logger) *Engine {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	return &Engine{
		store: store, index: index, cfg: cfg, log: log, q: newQueue(),
		freed:   make(chan rdv.Slot, 4096),
		arrived: make(chan rdv.AppointmentRequest, 1024),
		behind:  make(chan struct{}, 1),
	}
}

// Now reads the matcher's clock.
func (e *Engine) Now() time.Time { return e.cfg.Now() }

// Freed tells the matcher of a slot that became bookable; it never blocks
// (a burst beyond the buffer is left to the sweep).
func (e *Engine) Freed(s rdv.Slot) {
	select {
	case e.freed <- s:
	default:
		e.fellBehind()
	}
}

// Arrived tells the matcher of a request stored; it never blocks.
func (e *Engine) Arrived(r rdv.AppointmentRequest) {
	select {
	case e.arrived <- r:
	default:
		e.fellBehind()
	}
}

func (e *Engine) fellBehind() {
	select {
	case e.behind <- struct{}{}:
	default:
	}
}

// Run matches until ctx is done: it hears of freed slots from the index,
// of requests from Arrived, and sweeps every SweepEvery (and at once).
func (e *Engine) Run(ctx context.Context) error {
	e.index.WhenAdded(e.Freed)
	defer e.index.WhenAdded(nil)
	t := time.NewTicker(e.cfg.SweepEvery)
	defer t.Stop()
	sweep := func() {
		if err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("match: sweep", "err", err)
		}
	}
	sweep()
	// The events of each serving, in buffers kept from one to the next.
	var slots []rdv.Slot
	var rs []rdv.AppointmentRequest
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-e.freed:
			slots, rs = e.serveEvents(ctx, append(slots[:0], s), rs[:0])
		case r := <-e.arrived:
			slots, rs = e.serveEvents(ctx, slots[:0], append(rs[:0], r))
		case <-e.behind:
			sweep()
		case <-t.C:
			sweep()
		}
	}
}

// maxEvents bounds the events served together: the slots freed and the
// requests arrived while the last were served.
const maxEvents = 1024

// serveEvents serves a freed slot or an arrived request together with
// the events that wait behind it, so that their proposals are made
// together (see round.go). It returns its buffers, for the next.
func (e *Engine) serveEvents(ctx context.Context, slots []rdv.Slot, rs []rdv.AppointmentRequest) ([]rdv.Slot, []rdv.AppointmentRequest) {
more:
	for len(slots)+len(rs) < maxEvents {
		select {
		case s := <-e.freed:
			slots = append(slots, s)
		case r := <-e.arrived:
			rs = append(rs, r)
		default:
			break more
		}
	}
	if _, err := e.Serve(ctx, slots, rs); err != nil && ctx.Err() == nil {
		e.log.Warn("match: serve freed slots and arrived requests", "slots", len(slots), "requests", len(rs), "err", err)
	}
	return slots, rs
}

// Serve gives freed slots (in the order given) and seeks slots for
// arrived requests (each put in the queue first, in serving order), as
// Run does with the events that wait together: their proposals are made
// in rounds, many at once (see round.go). It returns the proposals made,
// in the order made.
func (e *Engine) Serve(ctx context.Context, slots []rdv.Slot, rs []rdv.AppointmentRequest) ([]rdv.Proposal, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer e.offered.Add(int64(len(slots)))
	var seekers []*waiting
	var errs []error
	for _, r := range rs {
		if err := e.list(ctx, r); err != nil {
			errs = append(errs, err) // the sweep lists it later
			continue
		}
		if w, ok := e.q.byID[r.ID]; ok && !w.live {
			seekers = append(seekers, w)
		}
	}
	slices.SortFunc(seekers, compareWaiting)
	seekers = slices.Compact(seekers)
	made, err := e.match(ctx, slots, seekers)
	return made, errors.Join(append(errs, err)...)
}

// Sweep ends the proposals that ran out and the requests whose range
// ended, brings the queue in line with the store (requests of other
// instances, or whose events were dropped), and seeks a slot for every
// open request, in serving order.
func (e *Engine) Sweep(ctx context.Context) error {
	defer e.sweeps.Add(1)
	now := e.Now()
	opened, ch, err := e.store.ExpireProposals(ctx, now)
	if err != nil {
		return fmt.Errorf("expire proposals: %w", err)
	}
	// The index tells Freed of the slots, after the requests reopen below.
	if _, err := e.store.ExpireRequests(ctx, now); err != nil {
		return fmt.Errorf("expire requests: %w", err)
	}
	rs, err := e.store.MatchableRequests(ctx, now)
	if err != nil {
		return fmt.Errorf("read waiting requests: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range opened {
		if w, ok := e.q.byID[id]; ok {
			e.q.reopen(w)
		}
	}
	e.index.Apply(ch)
	seen := make(map[int64]bool, len(rs))
	for _, r := range rs {
		seen[r.ID] = true
		if err := e.list(ctx, r); err != nil {
			return err
		}
	}
	for id := range e.q.byID {
		if !seen[id] {
			e.q.remove(id)
		}
	}
	var seekers []*waiting
	for _, w := range e.q.ordered() {
		if !w.live {
			seekers = append(seekers, w)
		}
	}
	_, err = e.match(ctx, nil, seekers)
	return err
}

// list puts a request read from the store in the queue, or brings its
// entry up to date. The caller holds mu.
func (e *Engine) list(ctx context.Context, r rdv.AppointmentRequest) error {
	if w, ok := e.q.byID[r.ID]; ok {
		switch {
		case r.Status == rdv.RequestProposed:
			e.q.setLive(w, true)
		case w.live:
			e.q.reopen(w)
		}
		w.r.Status = r.Status
		return nil
	}
	if !r.Matchable() {
		return nil
	}
	w := &waiting{r: r, windows: r.Windows(), offered: map[int64]bool{}, live: r.Status == rdv.RequestProposed}
	if r.Scope == rdv.ScopeOwnClinic {
		own, err := e.store.RosteredClinics(ctx, []rdv.Person{{FirstName: r.FirstName, LastName: r.LastName, BirthDate: r.BirthDate, HealthNumber: r.HealthNumber}})
		if err != nil {
			return fmt.Errorf("clinics of request %d's patient: %w", r.ID, err)
		}
		w.own = own
	}
	w.reach = reachOf(r, w.own, e.index.Clinics())
	e.q.add(w)
	return nil
}

// Admit puts a request in the queue and seeks it a slot: the earliest
// free ones that fit it, each offered in turn by the rule of every freed
// slot (so an older request that fits one still comes first). It reports
// the proposal made for the request, if any.
func (e *Engine) Admit(ctx context.Context, r rdv.AppointmentRequest) (rdv.Proposal, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.list(ctx, r); err != nil {
		return rdv.Proposal{}, false, err
	}
	w, ok := e.q.byID[r.ID]
	if !ok || w.live {
		return rdv.Proposal{}, false, nil
	}
	made, err := e.match(ctx, nil, []*waiting{w})
	for _, p := range made {
		if p.RequestID == r.ID {
			return p, true, err
		}
	}
	return rdv.Proposal{}, false, err
}

// query is the search for the free slots that may fit a request, from a
// time on: its criteria as the index reads them, enough results to find
// some it was not offered before.
func (e *Engine) query(w *waiting, from time.Time) availability.Query {
	r := w.r
	return availability.Query{
		Lat: r.Lat, Lon: r.Lon, RadiusKm: r.RadiusOrDefault(), Service: r.Service,
		From: from, To: r.To, Weekdays: r.Weekdays, Windows: w.windows, Language: r.PractitionerLanguage,
		Limit: e.cfg.Candidates + len(w.offered), IncludeRostered: r.Scope == rdv.ScopeOwnClinic,
	}
}

// Offer gives a bookable slot to the first request in serving order that
// it fits, and reports the proposal made, if any.
func (e *Engine) Offer(ctx context.Context, s rdv.Slot) (rdv.Proposal, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	made, err := e.match(ctx, []rdv.Slot{s}, nil)
	e.offered.Add(1)
	for _, p := range made {
		if p.Slot.ID == s.ID {
			return p, true, err
		}
	}
	return rdv.Proposal{}, false, err
}

// slotView is a slot as a walk down its line reads it: with its clinic,
// its practitioner and its local time of day, read once.
type slotView struct {
	s       rdv.Slot
	c       rdv.Clinic
	p       rdv.Practitioner
	minute  int
	weekday time.Weekday
}

// view reads a slot for a walk; it reports false for a slot of a clinic
// or practitioner the index does not know.
func (e *Engine) view(s rdv.Slot) (slotView, bool) {
	c, ok1 := e.index.Clinic(s.ClinicID)
	p, ok2 := e.index.Practitioner(s.PractitionerID)
	v := slotView{s: s, c: c, p: p}
	v.minute, v.weekday = rdv.LocalMinute(s.Start)
	return v, ok1 && ok2
}

// fits is the matcher's test of a slot for a request: the store's rule
// (rdv.CheckProposal) as far as the queue knows it, so that it seldom
// asks the store for a proposal it refuses. The days and the windows of
// the day, which most requests that do not fit fail, are tried first
// with the slot's time read once.
func (e *Engine) fits(w *waiting, v *slotView) bool {
	r := &w.r
	switch {
	case w.live || w.offered[v.s.ID]:
		return false
	case r.Weekdays != 0 && r.Weekdays&(1<<v.weekday) == 0 || !rdv.InWindows(w.windows, v.minute):
		return false
	case v.s.Audience != rdv.Public && (r.Scope != rdv.ScopeOwnClinic || !contains(w.own, v.s.ClinicID)):
		return false
	}
	// The distance is the line's: a request is listed at the clinics
	// within its radius (reachOf).
	return r.FitsTime(v.s, w.windows, v.minute, v.weekday) && r.FitsPractitioner(v.s, v.c, v.p)
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

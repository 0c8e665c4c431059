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
//     fits the same slot (TestFirstComeFirstServed, TestPriorityFirst);
//   - one live proposal per request, and never a slot it was offered
//     before (TestOneLiveProposal, TestDeclinedSlotGoesToTheNext);
//   - never a slot outside the request's criteria (TestOnlyWithinCriteria);
//   - slots kept for a clinic's registered patients go only to that
//     clinic's own-clinic requests (TestKeptSlotsForOwnPatients);
//   - a network request, which pays, never gets a slot that public search
//     could not show at that moment (TestOnlyWhatSearchShows);
//   - requests from agents, the form, the API and the spool's replays
//     enter the one queue (TestOneQueue).
//
// Matching is event-driven (the index tells of every slot it makes
// bookable: availability.Index.WhenAdded; the spool's replays tell of
// requests: Feed) and a periodic sweep expires proposals and requests and
// catches whatever an event missed (an event dropped under a burst,
// another instance's request).
package match

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"rdv"
	"rdv/auth"
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
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-e.freed:
			if _, _, err := e.Offer(ctx, s); err != nil && ctx.Err() == nil {
				e.log.Warn("match: offer a freed slot", "slot", s.ID, "err", err)
			}
		case r := <-e.arrived:
			if _, _, err := e.Admit(ctx, r); err != nil && ctx.Err() == nil {
				e.log.Warn("match: admit a request", "reference", r.Reference, "err", err)
			}
		case <-e.behind:
			sweep()
		case <-t.C:
			sweep()
		}
	}
}

// Sweep ends the proposals that ran out and the requests whose range
// ended, brings the queue in line with the store (requests of other
// instances, or whose events were dropped), and seeks a slot for every
// open request, in serving order.
func (e *Engine) Sweep(ctx context.Context) error {
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
			w.reopen()
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
	for _, w := range e.q.ordered() {
		if w.live {
			continue
		}
		if _, _, err := e.seek(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// reopen marks a request open again after its proposal ended: the slot
// it had is never offered to it again.
func (w *waiting) reopen() {
	if w.liveOn != 0 {
		w.offered[w.liveOn] = true
	}
	w.live, w.liveOn = false, 0
}

// list puts a request read from the store in the queue, or brings its
// entry up to date. The caller holds mu.
func (e *Engine) list(ctx context.Context, r rdv.AppointmentRequest) error {
	if w, ok := e.q.byID[r.ID]; ok {
		switch {
		case r.Status == rdv.RequestProposed:
			w.live = true
		case w.live:
			w.reopen()
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
	return e.seek(ctx, w)
}

// seek offers the request's earliest fitting free slots until it gets
// one. The caller holds mu.
func (e *Engine) seek(ctx context.Context, w *waiting) (rdv.Proposal, bool, error) {
	now := e.Now()
	r := w.r
	from := r.From
	if from.Before(now) {
		from = now
	}
	q := availability.Query{
		Lat: r.Lat, Lon: r.Lon, RadiusKm: r.RadiusOrDefault(), Service: r.Service,
		From: from, To: r.To, Weekdays: r.Weekdays, Windows: w.windows, Language: r.PractitionerLanguage,
		Limit: e.cfg.Candidates + len(w.offered), IncludeRostered: r.Scope == rdv.ScopeOwnClinic,
	}
	for _, res := range e.index.Search(q, nil) {
		if w.offered[res.SlotID] {
			continue
		}
		sl, err := e.store.Slot(ctx, res.SlotID)
		if err != nil {
			return rdv.Proposal{}, false, fmt.Errorf("read slot %d: %w", res.SlotID, err)
		}
		p, to, err := e.offer(ctx, sl)
		if err != nil {
			return rdv.Proposal{}, false, err
		}
		if to == w {
			return p, true, nil
		}
		if w.live {
			return rdv.Proposal{}, false, nil
		}
	}
	return rdv.Proposal{}, false, nil
}

// Offer gives a bookable slot to the first request in serving order that
// it fits, and reports the proposal made, if any.
func (e *Engine) Offer(ctx context.Context, s rdv.Slot) (rdv.Proposal, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, w, err := e.offer(ctx, s)
	return p, w != nil, err
}

// offer is Offer with mu held: it returns the request served, or nil.
func (e *Engine) offer(ctx context.Context, s rdv.Slot) (rdv.Proposal, *waiting, error) {
	now := e.Now()
	if !now.Before(s.Start) {
		return rdv.Proposal{}, nil, nil
	}
	c, ok1 := e.index.Clinic(s.ClinicID)
	pr, ok2 := e.index.Practitioner(s.PractitionerID)
	if !ok1 || !ok2 {
		return rdv.Proposal{}, nil, nil
	}
	// Copy the list: a proposal the store refuses may unlist a request.
	for _, w := range append([]*waiting(nil), e.q.at(s.Service, s.ClinicID)...) {
		if !e.fits(w, s, c, pr) {
			continue
		}
		// The proposal's own token, for its message's link: the
		// request's is kept hashed only.
		token := auth.RandomToken(24)
		p, ch, err := e.store.Propose(ctx, rdv.ProposeRequest{ProposalID: "p_" + auth.RandomToken(18), RequestID: w.r.ID,
			SlotID: s.ID, TTL: e.cfg.ProposalTTL, Now: now, Token: token, TokenHash: auth.HashToken(token)})
		switch code := rdv.ErrorCode(err); {
		case err == nil:
			e.index.Apply(ch)
			w.live, w.liveOn, w.offered[s.ID] = true, s.ID, true
			if e.cfg.Proposed != nil {
				e.cfg.Proposed(w.r, p)
			}
			return p, w, nil
		case code == rdv.ESLOTTAKEN || code == rdv.ENOTFOUND && rdv.ErrorField(err) == "":
			return rdv.Proposal{}, nil, nil // the slot is gone: nobody gets it
		case code == rdv.ECONFLICT && rdv.ErrorField(err) == "request":
			// Ended or proposed elsewhere (an agent, another instance):
			// the sweep reads it again.
			e.q.remove(w.r.ID)
		case code == rdv.ECONFLICT || code == rdv.EINVALID || code == rdv.EFORBIDDEN || code == rdv.ENOTROSTERED:
			w.offered[s.ID] = true // this request cannot have this slot
		default:
			return rdv.Proposal{}, nil, fmt.Errorf("propose slot %d to request %d: %w", s.ID, w.r.ID, err)
		}
	}
	return rdv.Proposal{}, nil, nil
}

// fits is the matcher's test of a slot for a request: the store's rule
// (rdv.CheckProposal) as far as the queue knows it, so that it seldom
// asks the store for a proposal it refuses.
func (e *Engine) fits(w *waiting, s rdv.Slot, c rdv.Clinic, p rdv.Practitioner) bool {
	switch {
	case w.live || w.offered[s.ID]:
		return false
	case s.Audience != rdv.Public && (w.r.Scope != rdv.ScopeOwnClinic || !contains(w.own, s.ClinicID)):
		return false
	}
	return w.r.FitsTime(s, w.windows) && w.r.FitsPlace(s, c, p)
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

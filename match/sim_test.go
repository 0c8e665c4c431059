package match_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/match"
	"rdv/sqlite"
	"rdv/storetest"
)

// TestSimulation runs the matcher on the embedded store through simulated
// weeks of the city: requests of varied criteria and priorities arriving,
// appointments cancelled, new availability opened, people accepting,
// declining, not answering (their proposals run out) and withdrawing,
// clinics cancelling appointments booked by accepting. A shadow of every
// request, kept from the events, checks each proposal as it is made: to a
// request with none live, of a slot never offered to it, within its
// criteria, and never passing over a request ahead of it in serving order
// that waited and fitted the slot at that time. Afterwards the store is
// checked against the shadow and every rule: at most one live proposal
// per request, every booked request has exactly one accepted proposal,
// every slot at most one booking, every fee captured matched by an
// accepted proposal, and the ledger balanced.
//
// The suite runs 1,000 requests over five days (-short: 300 over three:
// SQLite under the race detector costs most of the time);
// the full run, 10,000 requests over two weeks, is make sim's (the flag
// -sim.full), which CI runs after the suite.
func TestSimulation(t *testing.T) {
	p := simParams{requests: 1_000, days: 5, arrivalDays: 4}
	switch {
	case *simFull:
		p = simParams{requests: 10_000, days: 14, arrivalDays: 10}
	case testing.Short():
		p = simParams{requests: 300, days: 3, arrivalDays: 2}
	}
	s := newSim(t, p)
	began := time.Now()
	s.run()
	s.checkStore()
	t.Logf("%d requests over %d days in %v: %d proposals (%d accepted, %d declined, %d ran out), %d withdrawn, %d appointments cancelled, %d slots opened",
		p.requests, p.days, time.Since(began).Round(time.Millisecond), s.count.proposed, s.count.accepted, s.count.declined,
		s.count.ranOut, s.count.withdrawn, s.count.cancelled, s.count.opened)
}

var simFull = flag.Bool("sim.full", false, "TestSimulation: 10,000 requests over two weeks")

type simParams struct {
	requests    int
	days        int // of slots, and of the simulation
	arrivalDays int // requests arrive over these first days
}

const (
	simStep       = 30 * time.Minute
	simTTL        = 2 * time.Hour // answers come within the hour, a step or two later
	simSweepEvery = 6             // steps: the sweep ends proposals that ran out
	simBookedPct  = 93            // percent of the slots booked at the start
)

// simRequest is the shadow of a request: what the events made of it.
type simRequest struct {
	i       int
	r       rdv.AppointmentRequest // as stored
	known   bool                   // stored, and told to the matcher
	state   simState
	live    rdv.Proposal
	offered map[int64]bool
	own     []int64 // clinics that register its patient
	// The answer to the live proposal, and when.
	answer   simAnswer
	answerAt time.Time
	withdraw time.Time // when its person withdraws it (zero: never)
	accepted rdv.Proposal
	refunded bool // the clinic cancelled the appointment booked
}

type simState int

const (
	simOpen simState = iota
	simLive
	simBooked
	simWithdrawn
	simExpired
)

type simAnswer int

const (
	simSilent simAnswer = iota // lets the proposal run out
	simAccept
	simDecline
)

type sim struct {
	t     *testing.T
	ctx   context.Context
	p     simParams
	rng   *rand.Rand
	store *sqlite.Store
	index *availability.Index
	m     *match.Engine
	now   time.Time
	start rdv.Date

	clinics map[int64]rdv.Clinic
	practs  map[int64]rdv.Practitioner

	reqs    []*simRequest // by arrival
	byID    map[int64]*simRequest
	byPrio  [4][]*simRequest // serving order: by priority, highest last, then arrival
	pending []rdv.AppointmentRequest
	next    int // the next request to arrive

	mu    sync.Mutex
	freed []rdv.Slot // told by the index, for the next round

	loaded    []int64         // appointments of the network, not cancelled
	slotOf    map[int64]int64 // appointment → slot, for those loaded
	startOf   map[int64]time.Time
	cancelled map[int64]bool // loaded slots whose appointment was cancelled
	opened    map[[2]int64]bool

	bad   []string
	count struct{ proposed, accepted, declined, ranOut, withdrawn, cancelled, opened int }
}

func newSim(t *testing.T, p simParams) *sim {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	start := rdv.Date{Year: 2031, Month: time.March, Day: 3}
	s := &sim{t: t, ctx: t.Context(), p: p, rng: rand.New(rand.NewPCG(13, 21)), store: store, start: start,
		now: start.At(6*60, rdv.Toronto), clinics: map[int64]rdv.Clinic{}, practs: map[int64]rdv.Practitioner{},
		byID: map[int64]*simRequest{}, slotOf: map[int64]int64{}, startOf: map[int64]time.Time{}, cancelled: map[int64]bool{}, opened: map[[2]int64]bool{}}

	// The city, nearly fully booked.
	n := cityNetwork(start, p.days)
	for i := range 500 {
		pt := storetest.TestPatient(i)
		pt.ID = int64(i + 1)
		n.Patients = append(n.Patients, pt)
	}
	slots := n.Slots
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		rng := rand.New(rand.NewPCG(5, 8))
		for sl, _ := range slots {
			var patient int64
			if rng.IntN(100) < simBookedPct {
				patient = int64(rng.IntN(500) + 1)
				sl.State = rdv.SlotBooked
			}
			if !yield(sl, patient) {
				return
			}
		}
	}
	storetest.MustLoad(t, store, n)
	for _, c := range n.Clinics {
		s.clinics[c.ID] = c
		es, err := store.Agenda(s.ctx, c.ID, start.Start(rdv.Toronto), start.AddDays(p.days).Start(rdv.Toronto))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Appointment != nil {
				s.loaded = append(s.loaded, e.Appointment.ID)
				s.slotOf[e.Appointment.ID] = e.Slot.ID
				s.startOf[e.Appointment.ID] = e.Slot.Start
			}
		}
	}
	for _, pr := range n.Practitioners {
		s.practs[pr.ID] = pr
	}
	s.index = storetest.MustBuildIndex(t, store, s.now)
	s.index.WhenAdded(func(sl rdv.Slot) {
		s.mu.Lock()
		s.freed = append(s.freed, sl)
		s.mu.Unlock()
	})
	s.m = match.New(store, s.index, match.Config{Now: func() time.Time { return s.now }, ProposalTTL: simTTL, Proposed: s.proposed}, nil)
	s.prepareRequests()
	return s
}

// prepareRequests draws every request, their arrival spread over the
// first days, and registers the children's patients at one or two
// clinics (one in five at none: never matched).
func (s *sim) prepareRequests() {
	arrivals := s.start.Start(rdv.Toronto)
	spread := time.Duration(s.p.arrivalDays) * 24 * time.Hour / time.Duration(s.p.requests)
	end := s.start.AddDays(s.p.days).Start(rdv.Toronto)
	for i := range s.p.requests {
		at := arrivals.Add(time.Duration(i) * spread)
		until := at.Add(time.Duration(7+s.rng.IntN(15)) * 24 * time.Hour)
		if until.After(end) {
			until = end
		}
		r := cityRequest(s.rng, i, at, until)
		x := &simRequest{i: i, r: r, offered: map[int64]bool{}}
		if r.Scope == rdv.ScopeNetwork {
			x.r.Fee = &rdv.RequestFee{Quote: rdv.DefaultFeeConfig().Quote(), ProviderRef: "auth-" + r.Reference, AuthorizedAt: at}
		}
		if r.Scope == rdv.ScopeOwnClinic && s.rng.IntN(5) > 0 {
			for range 1 + s.rng.IntN(2) {
				c := int64(s.rng.IntN(cityClinics) + 1)
				if slices.Contains(x.own, c) {
					continue
				}
				x.own = append(x.own, c)
				if _, err := s.store.AddToRoster(s.ctx, rdv.RosterEntry{ClinicID: c, FirstName: r.FirstName, LastName: r.LastName,
					BirthDate: r.BirthDate, HealthNumber: r.HealthNumber, AddedAt: s.now}); err != nil {
					s.t.Fatalf("register request %d's patient: %v", i, err)
				}
			}
		}
		if s.rng.IntN(10) == 0 {
			x.withdraw = at.Add(time.Duration(s.rng.Int64N(int64(until.Sub(at)))))
		}
		s.reqs = append(s.reqs, x)
	}
}

// run steps the clock through the days: each step, the requests that
// arrive, the answers due, the withdrawals, cancellations and new
// availability happen (at once, as many people act at once), then the
// matcher serves the slots freed and the requests arrived; every few
// steps it sweeps.
func (s *sim) run() {
	end := s.start.AddDays(s.p.days).Start(rdv.Toronto)
	for step := 0; s.now.Before(end) && len(s.bad) < 20; step++ {
		s.now = s.now.Add(simStep)
		s.act()
		s.mu.Lock()
		freed := s.freed
		s.freed = nil
		s.mu.Unlock()
		if _, err := s.m.Serve(s.ctx, freed, s.pending); err != nil {
			s.t.Fatalf("serve at %v: %v", s.now, err)
		}
		s.pending = s.pending[:0]
		if step%simSweepEvery == 0 {
			s.sweep()
		}
	}
	s.sweep()
	if len(s.bad) > 0 {
		s.t.Fatalf("%d rules broken, the first:\n%s", len(s.bad), s.bad[0])
	}
}

// sweep runs the matcher's sweep; the shadow first ends, as the store
// does, the proposals that ran out and the requests whose range ended.
func (s *sim) sweep() {
	for _, x := range s.reqs[:s.next] {
		switch {
		case x.state == simLive && !s.now.Before(x.live.ExpiresAt):
			x.state = simOpen
			s.count.ranOut++
		case x.state == simOpen && x.r.To.Compare(s.now) <= 0:
			x.state = simExpired
		}
	}
	if err := s.m.Sweep(s.ctx); err != nil {
		s.t.Fatalf("sweep at %v: %v", s.now, err)
	}
}

// act does the step's writes concurrently, then brings the shadow in line.
func (s *sim) act() {
	type act struct {
		do    func() error
		after func()
	}
	var acts []act
	// Arrivals.
	for s.next < len(s.reqs) && !s.reqs[s.next].r.ReceivedAt.After(s.now) {
		x := s.reqs[s.next]
		s.next++
		acts = append(acts, act{do: func() (err error) {
			x.r, err = s.store.AddRequest(s.ctx, x.r)
			return err
		}, after: func() {
			x.known = true
			s.byID[x.r.ID] = x
			s.byPrio[x.r.Priority()] = append(s.byPrio[x.r.Priority()], x)
			s.pending = append(s.pending, x.r)
		}})
	}
	// Answers and withdrawals.
	for _, x := range s.reqs[:s.next] {
		token := storetest.RequestToken(x.r.Reference)
		switch {
		case !x.known:
			// Arriving in this step.
		case x.state == simLive && x.answer != simSilent && !x.answerAt.After(s.now):
			var a rdv.Appointment
			var r rdv.AppointmentRequest
			answer, p := x.answer, x.live
			acts = append(acts, act{do: func() (err error) {
				if answer == simAccept {
					a, err = s.m.Accept(s.ctx, x.r.Reference, token, p.ID)
				} else {
					r, err = s.m.Decline(s.ctx, x.r.Reference, token, p.ID)
				}
				return err
			}, after: func() {
				if answer == simAccept {
					x.state, x.accepted = simBooked, p
					x.accepted.AppointmentID = a.ID
					s.count.accepted++
				} else {
					x.state = simOpen
					s.pending = append(s.pending, r)
					s.count.declined++
				}
			}})
		case (x.state == simOpen || x.state == simLive) && !x.withdraw.IsZero() && !x.withdraw.After(s.now):
			acts = append(acts, act{do: func() error {
				_, err := s.m.Withdraw(s.ctx, x.r.Reference, token)
				return err
			}, after: func() { x.state = simWithdrawn; s.count.withdrawn++ }})
		case x.state == simBooked && !x.refunded && x.accepted.Slot.Start.After(s.now) && s.rng.IntN(4000) == 0:
			// The clinic cancels: the fee is refunded.
			acts = append(acts, act{do: func() error { return s.cancel(x.accepted.AppointmentID) }, after: func() { x.refunded = true }})
		}
	}
	// Cancellations of the network's appointments, and new availability.
	for cancels := 0; cancels < 4 && len(s.loaded) > 0; {
		k := s.rng.IntN(len(s.loaded))
		id := s.loaded[k]
		s.loaded[k] = s.loaded[len(s.loaded)-1]
		s.loaded = s.loaded[:len(s.loaded)-1]
		if !s.startOf[id].After(s.now.Add(time.Hour)) {
			continue // past: nobody cancels it any more
		}
		cancels++
		acts = append(acts, act{do: func() error { return s.cancel(id) }, after: func() {
			s.cancelled[s.slotOf[id]] = true
			s.count.cancelled++
		}})
	}
	if s.rng.IntN(8) == 0 {
		pr := int64(s.rng.IntN(cityClinics*cityPerClinic) + 1)
		day := rdv.DateOf(s.now).AddDays(1 + s.rng.IntN(7))
		if key := [2]int64{pr, int64(day.Start(rdv.Toronto).Unix())}; !s.opened[key] && day.Before(s.start.AddDays(s.p.days)) {
			s.opened[key] = true
			acts = append(acts, act{do: func() error { return s.open(s.practs[pr], day) }, after: func() { s.count.opened += 3 }})
		}
	}

	errs := make([]error, len(acts))
	var wg sync.WaitGroup
	for i, a := range acts {
		wg.Go(func() { errs[i] = a.do() })
	}
	wg.Wait()
	for i, a := range acts {
		if errs[i] != nil {
			s.t.Fatalf("at %v: %v", s.now, errs[i])
		}
		a.after()
	}
}

// cancel cancels an appointment as its clinic does.
func (s *sim) cancel(id int64) error {
	_, ch, err := s.store.Cancel(s.ctx, rdv.CancelRequest{AppointmentID: id, ByStaff: true, Now: s.now})
	if err != nil {
		return fmt.Errorf("cancel appointment %d: %w", id, err)
	}
	s.index.Apply(ch)
	return nil
}

// open adds three general slots to a practitioner's day, 18:00–18:45.
func (s *sim) open(pr rdv.Practitioner, day rdv.Date) error {
	var slots []rdv.Slot
	for k := range 3 {
		at := day.At(18*60+15*k, rdv.Toronto)
		slots = append(slots, rdv.Slot{ClinicID: pr.ClinicID, PractitionerID: pr.ID, Service: rdv.General, Start: at,
			End: at.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree})
	}
	_, ch, err := s.store.AddSlots(s.ctx, pr.ClinicID, slots)
	if err != nil {
		return fmt.Errorf("open slots of practitioner %d on %v: %w", pr.ID, day, err)
	}
	s.index.Apply(ch)
	return nil
}

// proposed is told of each proposal as the matcher makes it: it checks
// it against the shadow, then records it and draws its answer.
func (s *sim) proposed(_ rdv.AppointmentRequest, p rdv.Proposal) {
	s.count.proposed++
	x := s.byID[p.RequestID]
	sl := p.Slot
	switch {
	case x == nil:
		s.broke("slot %d proposed to request %d, which never arrived", sl.ID, p.RequestID)
		return
	case x.state != simOpen:
		s.broke("slot %d proposed to request %d in state %d (a live proposal, or ended)", sl.ID, x.i, x.state)
	case x.offered[sl.ID]:
		s.broke("slot %d proposed twice to request %d", sl.ID, x.i)
	case !s.fits(x, sl):
		s.broke("slot %d (%v, clinic %d) proposed to request %d outside its criteria: %+v", sl.ID, sl.Start, sl.ClinicID, x.i, x.r)
	}
	if y := s.passedOver(x, sl); y != nil {
		s.broke("at %v slot %d went to request %d (priority %d, received %v) past request %d (priority %d, received %v), which waited and fitted it",
			s.now, sl.ID, x.i, x.r.Priority(), x.r.ReceivedAt, y.i, y.r.Priority(), y.r.ReceivedAt)
	}
	x.state, x.live, x.offered[sl.ID] = simLive, p, true
	x.answer, x.answerAt = simAnswer(s.rng.IntN(3)), s.now.Add(time.Duration(s.rng.IntN(60))*time.Minute)
}

// passedOver returns a request ahead of x in serving order (of a higher
// priority, or received before it) that waits without a live proposal
// and fits the slot, or nil.
func (s *sim) passedOver(x *simRequest, sl rdv.Slot) *simRequest {
	pr := x.r.Priority()
	for p := 3; p >= pr; p-- {
		for _, y := range s.byPrio[p] {
			if y == x {
				return nil
			}
			if y.state == simOpen && y.r.Service == sl.Service && !y.offered[sl.ID] && s.fits(y, sl) {
				return y
			}
		}
	}
	return nil
}

// fits is the rule of a proposal, read from the request and the network
// alone: a slot that has not started, within the request's criteria, and
// of its own clinics for an own-clinic request (kept slots only to those).
func (s *sim) fits(x *simRequest, sl rdv.Slot) bool {
	if !s.now.Before(sl.Start) || !x.r.Fits(sl, s.clinics[sl.ClinicID], s.practs[sl.PractitionerID]) {
		return false
	}
	if x.r.Scope == rdv.ScopeOwnClinic {
		return slices.Contains(x.own, sl.ClinicID)
	}
	return sl.Audience == rdv.Public
}

func (s *sim) broke(format string, args ...any) {
	if len(s.bad) < 20 {
		s.bad = append(s.bad, fmt.Sprintf(format, args...))
	}
}

// checkStore compares the store with the shadow, request by request, and
// checks the rules that its records show.
func (s *sim) checkStore() {
	t := s.t
	held := map[int64]int64{} // slot → the appointment booked by accepting
	for _, x := range s.reqs[:s.next] {
		r, err := s.store.Request(s.ctx, x.r.ID)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := s.store.Proposals(s.ctx, x.r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var live, accepted []rdv.Proposal
		for _, p := range ps {
			switch p.Status {
			case rdv.ProposalLive:
				live = append(live, p)
			case rdv.ProposalAccepted:
				accepted = append(accepted, p)
			}
			if !x.r.Fits(p.Slot, s.clinics[p.Slot.ClinicID], s.practs[p.Slot.PractitionerID]) || !p.CreatedAt.Before(p.Slot.Start) ||
				p.Slot.Audience != rdv.Public && !slices.Contains(x.own, p.Slot.ClinicID) {
				t.Fatalf("request %d was proposed slot %+v outside its criteria", x.i, p.Slot)
			}
		}
		want := map[simState]rdv.RequestStatus{simOpen: rdv.RequestOpen, simLive: rdv.RequestProposed, simBooked: rdv.RequestBooked,
			simWithdrawn: rdv.RequestWithdrawn, simExpired: rdv.RequestExpired}[x.state]
		switch {
		case r.Status != want:
			t.Fatalf("request %d is %s in the store, %s by its events", x.i, r.Status, want)
		case len(live) > 1 || (r.Status == rdv.RequestProposed) != (len(live) == 1):
			t.Fatalf("request %d (%s) has %d live proposals", x.i, r.Status, len(live))
		case (r.Status == rdv.RequestBooked) != (len(accepted) == 1) || len(accepted) > 1:
			t.Fatalf("request %d (%s) has %d accepted proposals", x.i, r.Status, len(accepted))
		case len(accepted) == 1 && (accepted[0].AppointmentID != r.AppointmentID || accepted[0].ID != x.accepted.ID):
			t.Fatalf("request %d booked appointment %d; its accepted proposal %+v", x.i, r.AppointmentID, accepted[0])
		}
		if len(accepted) == 1 && !x.refunded {
			sl := accepted[0].Slot.ID
			if other, ok := held[sl]; ok {
				t.Fatalf("slot %d booked by appointments %d and %d", sl, other, r.AppointmentID)
			}
			held[sl] = r.AppointmentID
		}
		s.checkFee(x, r, len(accepted) == 1)
	}
	// A slot booked by accepting was free: its network appointment, if it
	// had one, was cancelled; and the agenda shows the one booking.
	loadedOn := map[int64]int64{}
	for a, sl := range s.slotOf {
		loadedOn[sl] = a
	}
	for sl, a := range held {
		if l, ok := loadedOn[sl]; ok && !s.cancelled[sl] {
			t.Fatalf("slot %d booked by appointment %d while appointment %d still holds it", sl, a, l)
		}
		got, err := s.store.Appointment(s.ctx, a)
		if err != nil || got.Slot.ID != sl || got.Status != rdv.Booked {
			t.Fatalf("appointment %d: %+v, %v; want booked in slot %d", a, got, err, sl)
		}
	}
	sum, err := s.store.LedgerSummary(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := sum.Balanced(); !ok {
		t.Fatalf("the ledger does not balance: %s", why)
	}
	if s.count.proposed == 0 || s.count.accepted == 0 || s.count.declined == 0 || s.count.ranOut == 0 || s.count.withdrawn == 0 {
		t.Fatalf("the simulation missed a path: %+v", s.count)
	}
}

// checkFee checks a request's fee against how it ended: taken only with
// an accepted proposal (given back when the clinic cancelled), released
// when it ended otherwise, reserved while it waits; none for its own
// clinic.
func (s *sim) checkFee(x *simRequest, r rdv.AppointmentRequest, accepted bool) {
	c, err := s.store.Charge(s.ctx, x.r.ID)
	if x.r.Scope == rdv.ScopeOwnClinic {
		if !rdv.IsNoCharge(err) {
			s.t.Fatalf("free request %d has a fee: %+v, %v", x.i, c, err)
		}
		return
	}
	if err != nil {
		s.t.Fatalf("fee of request %d: %v", x.i, err)
	}
	want := rdv.ChargeAuthorized
	switch {
	case accepted && x.refunded:
		want = rdv.ChargeRefunded
	case accepted:
		want = rdv.ChargeCaptured
	case r.Status == rdv.RequestWithdrawn || r.Status == rdv.RequestExpired:
		want = rdv.ChargeVoided
	}
	if c.Status != want {
		s.t.Fatalf("fee of request %d (%s, accepted %v): %s, want %s", x.i, r.Status, accepted, c.Status, want)
	}
}

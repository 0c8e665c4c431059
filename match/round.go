package match

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
)

// Matching runs in rounds, so that the store commits many proposals at
// once (on SQLite one writer commits a group of writes with one sync;
// one proposal at a time would wait for a sync each). A round decides
// with mu held which request each slot goes to, in serving order; asks
// the store for every proposal at once (rdv.ProposalStore.ProposeAll: on
// SQLite one command of its writer); then applies the answers in the
// order decided. The slots the store refused to one request go on to the
// next round.
//
// Deciding many slots before any answer must not break the rules:
//   - a request has at most one proposal under way (inFlight), so never
//     two live ones;
//   - a slot whose line passes over a request whose own proposal is under
//     way goes to the next one only if that proposal is made: the store
//     checks it (rdv.ProposeRequest.After). Were it refused (its slot
//     taken meanwhile, say), the request would have had this slot first;
//     the store then refuses this one too, and the next round decides the
//     slot again with the request back in line.

// maxRound bounds the proposals of a round: each waits for the slowest.
const maxRound = 256

// attempt is a proposal a round asks for.
type attempt struct {
	req  rdv.ProposeRequest
	slot rdv.Slot
	w    *waiting
	// deps is every attempt of the round this one comes after, directly
	// or through others (indices, as bits).
	deps [maxRound / 64]uint64
	// seeker is the request whose seeking chose the slot (nil: a freed
	// slot): refused, it seeks again.
	seeker *waiting

	p   rdv.Proposal
	ch  rdv.SlotChanges
	err error
}

type round struct {
	e        *Engine
	now      time.Time
	attempts []*attempt
	inFlight map[*waiting]int // the attempt of each request in the round
	claimed  map[int64]bool   // the slots the round gives
	ahead    []int            // give's, kept from one slot to the next
}

func (e *Engine) newRound() *round {
	return &round{e: e, now: e.Now(), inFlight: map[*waiting]int{}, claimed: map[int64]bool{}}
}

func (rd *round) full() bool { return len(rd.attempts) == maxRound }

// settled is what came of a round of slots and seekers.
type settled struct {
	made    []rdv.Proposal
	slots   []rdv.Slot // to offer again: refused to one, they go to the next
	seekers []*waiting // to seek again: refused their slot
	err     error      // the first error that was not a refusal
}

// match gives slots (freed ones, in the order given) and seeks slots for
// requests (in serving order), round after round until each is settled.
// The caller holds mu. It returns the proposals made, in the order made.
func (e *Engine) match(ctx context.Context, slots []rdv.Slot, seekers []*waiting) ([]rdv.Proposal, error) {
	var made []rdv.Proposal
	for len(slots) > 0 || len(seekers) > 0 {
		rd := e.newRound()
		slots = rd.giveAll(slots)
		var again []*waiting
		seekers, again = rd.seekAll(ctx, seekers)
		if len(rd.attempts) == 0 {
			break // nothing claimed, so nobody passed over
		}
		rd.propose(ctx)
		out := rd.apply(made)
		made = out.made
		if out.err != nil {
			return made, out.err
		}
		// Offered again first: they were freed before the slots still to
		// give. Seekers keep their serving order.
		slots = append(out.slots, slots...)
		seekers = mergeWaiting(mergeWaiting(out.seekers, again), seekers)
	}
	return made, nil
}

// giveAll decides the slots in order until the round is full, and
// returns those left for the next.
func (rd *round) giveAll(slots []rdv.Slot) []rdv.Slot {
	for i, s := range slots {
		if rd.full() {
			return slots[i:]
		}
		if rd.claimed[s.ID] {
			// Twice in a batch (freed, taken, freed again): once is enough.
			continue
		}
		rd.give(s, nil, nil)
	}
	return nil
}

// give decides who gets a slot: the first request in its line that fits
// it and has no proposal under way in the round. The requests passed over
// because theirs is under way come before it (After). A bound stops the
// walk at that request's place: a seeker's candidate is its business only
// up to the seeker. It returns the request chosen, or nil.
func (rd *round) give(s rdv.Slot, bound, seeker *waiting) *waiting {
	e := rd.e
	if !rd.now.Before(s.Start) {
		return nil
	}
	v, ok := e.view(s)
	if !ok {
		return nil
	}
	ahead := rd.ahead[:0]
	var chosen *waiting
	e.q.eachOpen(s.Service, s.ClinicID, func(w *waiting) bool {
		if e.fits(w, &v) {
			i, busy := rd.inFlight[w]
			if !busy {
				chosen = w
				return false
			}
			ahead = append(ahead, i)
		}
		// A seeker's walk ends at its place in the line.
		return bound == nil || compareWaiting(w, bound) < 0
	})
	if chosen != nil {
		rd.add(s, chosen, ahead, seeker)
	}
	rd.ahead = ahead
	return chosen
}

// add records an attempt; it comes after the attempts of ahead.
func (rd *round) add(s rdv.Slot, w *waiting, ahead []int, seeker *waiting) {
	// The proposal's own token, for its message's link: the request's
	// is kept hashed only.
	token := auth.RandomToken(24)
	a := &attempt{slot: s, w: w, seeker: seeker, req: rdv.ProposeRequest{ProposalID: newProposalID(time.Now()),
		RequestID: w.r.ID, SlotID: s.ID, TTL: rd.e.cfg.ProposalTTL, Now: rd.now, Token: token, TokenHash: auth.HashToken(token)}}
	// The latest first: an attempt that a later one comes after is
	// covered by that one, which the store made only if it was made.
	slices.Sort(ahead)
	for k := len(ahead) - 1; k >= 0; k-- {
		i := ahead[k]
		if a.deps[i/64]&(1<<(i%64)) != 0 {
			continue
		}
		d := rd.attempts[i]
		a.req.After = append(a.req.After, d.req.ProposalID)
		a.deps[i/64] |= 1 << (i % 64)
		for j := range a.deps {
			a.deps[j] |= d.deps[j]
		}
	}
	rd.inFlight[w] = len(rd.attempts)
	rd.claimed[s.ID] = true
	rd.attempts = append(rd.attempts, a)
}

// newProposalID returns a proposal's ID: the time it is made, in fixed
// width, then random. IDs in the order made go in at the end of the
// indexes that the store keys by them (its proposals', their holds' and
// their messages'), where a batch of proposals changes a few pages, not
// one page each: on SQLite every page a commit changes is written to the
// log, and this is most of a proposal's cost. The time is the machine's,
// not the engine's clock (Config.Now), which a test may stop.
func newProposalID(at time.Time) string {
	const width = 9 // base 36 milliseconds: up to the year 5000
	ms := strconv.FormatInt(at.UnixMilli(), 36)
	return "p_" + strings.Repeat("0", max(width-len(ms), 0)) + ms + auth.RandomToken(12)
}

// seekAll has each seeker, in serving order, offer its earliest fitting
// free slots until one is decided for it, or the round is full. It
// returns the seekers left for the next round, and those passed over for
// slots another took in this round (they seek again once it is done).
func (rd *round) seekAll(ctx context.Context, seekers []*waiting) (left, again []*waiting) {
	for i, w := range seekers {
		if rd.full() {
			return seekers[i:], again
		}
		if rd.e.q.byID[w.r.ID] != w || w.live {
			continue // matched or ended meanwhile
		}
		if _, busy := rd.inFlight[w]; busy {
			continue
		}
		passed, err := rd.seek(ctx, w)
		if err != nil {
			rd.e.log.Warn("match: seek a slot", "request", w.r.ID, "err", err)
			continue
		}
		if passed {
			again = append(again, w)
		}
	}
	return nil, again
}

// seek offers the request's earliest fitting free slots, each by the rule
// of every slot (so an older request that fits one still comes first),
// until one is decided for it. It reports whether it passed over slots
// the round gave already, with none decided for it.
func (rd *round) seek(ctx context.Context, w *waiting) (bool, error) {
	e, r := rd.e, w.r
	from := r.From
	if from.Before(rd.now) {
		from = rd.now
	}
	q := e.query(w, from)
	passed := false
	for _, res := range e.index.Search(q, nil) {
		// A slot of a clinic it is not listed at is not its business (the
		// search cannot tell an own-clinic request's clinics, and the
		// slot went to that clinic's line when it was freed).
		if w.offered[res.SlotID] || !slices.Contains(w.reach, res.ClinicID) {
			continue
		}
		if rd.claimed[res.SlotID] {
			passed = true
			continue
		}
		if rd.full() {
			return true, nil
		}
		sl, err := e.store.Slot(ctx, res.SlotID)
		if err != nil {
			return false, fmt.Errorf("read slot %d: %w", res.SlotID, err)
		}
		rd.give(sl, w, w)
		if _, busy := rd.inFlight[w]; busy {
			return false, nil
		}
	}
	return passed, nil
}

// propose asks the store for the round's proposals at once, in the
// order decided, so that one that comes after another finds it made or
// refused.
func (rd *round) propose(ctx context.Context) {
	rs := make([]rdv.ProposeRequest, len(rd.attempts))
	for i, a := range rd.attempts {
		rs[i] = a.req
	}
	for i, res := range rd.e.store.ProposeAll(ctx, rs) {
		a := rd.attempts[i]
		a.p, a.ch, a.err = res.Proposal, res.Changes, res.Err
	}
}

// apply brings the queue and the index in line with the store's answers,
// in the order the round decided, and tells of each proposal made: they
// follow made in out.made.
func (rd *round) apply(made []rdv.Proposal) settled {
	e := rd.e
	out := settled{made: made}
	for _, a := range rd.attempts {
		w, s := a.w, a.slot
		if a.err != nil {
			e.refused.Add(1)
		}
		retry := false
		switch code, field := rdv.ErrorCode(a.err), rdv.ErrorField(a.err); {
		case a.err == nil:
			e.proposed.Add(1)
			e.index.Apply(a.ch)
			e.q.setLive(w, true)
			w.liveOn, w.offered[s.ID] = s.ID, true
			out.made = append(out.made, a.p)
			if e.cfg.Proposed != nil {
				e.cfg.Proposed(w.r, a.p)
			}
			continue
		case code == rdv.ESLOTTAKEN || code == rdv.ENOTFOUND && field == "":
			// The slot is gone: nobody gets it.
		case code == rdv.ECONFLICT && field == "request":
			// Ended or proposed elsewhere (an agent, another instance):
			// the sweep reads it again. The slot goes to the next.
			e.q.remove(w.r.ID)
			retry = true
		case code == rdv.ECONFLICT && field == "after":
			// A request ahead was refused its own slot: it may have this
			// one.
			retry = true
		case code == rdv.ECONFLICT || code == rdv.EINVALID || code == rdv.EFORBIDDEN || code == rdv.ENOTROSTERED:
			w.offered[s.ID] = true // this request cannot have this slot
			retry = true
		default:
			if out.err == nil {
				out.err = fmt.Errorf("propose slot %d to request %d: %w", s.ID, w.r.ID, a.err)
			}
			continue
		}
		if retry {
			out.slots = append(out.slots, s)
		}
		if sk := a.seeker; sk != nil && e.q.byID[sk.r.ID] == sk && !sk.live {
			out.seekers = append(out.seekers, sk)
		}
	}
	slices.SortFunc(out.seekers, compareWaiting)
	out.seekers = slices.Compact(out.seekers)
	return out
}

// mergeWaiting merges two lists in serving order into one, without
// repeats.
func mergeWaiting(a, b []*waiting) []*waiting {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]*waiting, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var w *waiting
		switch {
		case j == len(b) || i < len(a) && compareWaiting(a[i], b[j]) <= 0:
			w, i = a[i], i+1
		default:
			w, j = b[j], j+1
		}
		if len(out) == 0 || out[len(out)-1] != w {
			out = append(out, w)
		}
	}
	return out
}

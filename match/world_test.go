package match_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/match"
	"rdv/sqlite"
	"rdv/storetest"
)

// world is a matcher and a booking engine over a real SQLite store loaded
// with the small network, and a clock the test moves.
type world struct {
	t       *testing.T
	ctx     context.Context
	store   *sqlite.Store
	index   *availability.Index
	booking *booking.Engine
	match   *match.Engine
	slots   []rdv.Slot
	now     time.Time
	seq     int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	n := storetest.SmallNetwork(storetest.Start)
	storetest.MustLoad(t, s, n)
	w := &world{t: t, ctx: t.Context(), store: s, now: storetest.Start.At(7*60, rdv.Toronto)}
	w.slots, _ = storetest.Slots(n)
	w.index = storetest.MustBuildIndex(t, s, w.now)
	clock := func() time.Time { return w.now }
	w.booking = booking.New(s, w.index, booking.Config{Now: clock}, nil)
	w.match = match.New(s, w.index, match.Config{Now: clock}, nil)
	return w
}

// add stores a request (storetest.MatchRequest, received in the order of
// the calls) without telling the matcher.
func (w *world) add(edit func(*rdv.AppointmentRequest)) rdv.AppointmentRequest {
	w.t.Helper()
	w.seq++
	r := storetest.MatchRequest(w.ref(w.seq), w.now)
	r.ReceivedAt = w.now.Add(time.Duration(w.seq) * time.Second).Truncate(time.Millisecond)
	r.Urgent = false
	if edit != nil {
		edit(&r)
	}
	got, err := w.store.AddRequest(w.ctx, r)
	if err != nil {
		w.t.Fatalf("add request: %v", err)
	}
	return got
}

func (w *world) ref(i int) string { return fmt.Sprintf("D-%04d", i) }

func (w *world) admit(r rdv.AppointmentRequest) (rdv.Proposal, bool) {
	w.t.Helper()
	p, ok, err := w.match.Admit(w.ctx, r)
	if err != nil {
		w.t.Fatalf("admit %s: %v", r.Reference, err)
	}
	return p, ok
}

func (w *world) offer(s rdv.Slot) (rdv.Proposal, bool) {
	w.t.Helper()
	sl, err := w.store.Slot(w.ctx, s.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	p, ok, err := w.match.Offer(w.ctx, sl)
	if err != nil {
		w.t.Fatalf("offer slot %d: %v", s.ID, err)
	}
	return p, ok
}

func (w *world) status(r rdv.AppointmentRequest) rdv.RequestStatus {
	w.t.Helper()
	got, err := w.store.Request(w.ctx, r.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return got.Status
}

// slotAt returns the slot of a practitioner on a day of the network at a
// local time.
func (w *world) slotAt(pract int64, day, minute int) rdv.Slot {
	w.t.Helper()
	at := storetest.Start.AddDays(day).At(minute, rdv.Toronto)
	for _, s := range w.slots {
		if s.PractitionerID == pract && s.Start.Equal(at) {
			return s
		}
	}
	w.t.Fatalf("no slot of practitioner %d on day %d at minute %d", pract, day, minute)
	return rdv.Slot{}
}

// onlyS makes a request fit one slot of the network: practitioner 1's
// (the only one at the Plateau who speaks English) at 09:30 on day 1.
func onlyS(r *rdv.AppointmentRequest) {
	r.Weekdays = 1 << storetest.Start.AddDays(1).Weekday()
	r.Times, r.PractitionerLanguage = "09:30-09:45", "en"
}

// hold takes a slot out of search for a while; release gives it back and
// returns it as freed.
func (w *world) hold(s rdv.Slot) rdv.Hold {
	w.t.Helper()
	h, err := w.booking.Hold(w.ctx, s.ID, "someone", nil)
	if err != nil {
		w.t.Fatalf("hold slot %d: %v", s.ID, err)
	}
	return h
}

func (w *world) release(h rdv.Hold) rdv.Slot {
	w.t.Helper()
	ch, err := w.store.ReleaseHold(w.ctx, rdv.ReleaseRequest{HoldID: h.ID, ClientKey: "someone", Now: w.now})
	if err != nil || len(ch.Freed) != 1 {
		w.t.Fatalf("release hold %s: %+v, %v", h.ID, ch, err)
	}
	w.index.Apply(ch)
	return ch.Freed[0]
}

func (w *world) live(r rdv.AppointmentRequest) []rdv.Proposal {
	w.t.Helper()
	ps, err := w.store.Proposals(w.ctx, r.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []rdv.Proposal
	for _, p := range ps {
		if p.Status == rdv.ProposalLive {
			out = append(out, p)
		}
	}
	return out
}

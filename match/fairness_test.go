package match_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/storetest"
)

// Each fairness rule of the package comment, tried on a real store.

// TestFirstComeFirstServed: requests of one priority that fit one slot get
// it in the order they were received, whatever the order the matcher
// heard of them in (a spooled request replayed late keeps its place).
func TestFirstComeFirstServed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.slotAt(1, 1, 9*60+30)
	h := w.hold(s)
	var rs []rdv.AppointmentRequest
	for range 6 {
		rs = append(rs, w.add(onlyS))
	}
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(len(rs)) {
		if _, ok := w.admit(rs[i]); ok {
			t.Fatalf("request %d got a proposal while its only slot is held", i)
		}
	}
	freed := w.release(h)
	// Each declines in turn: the slot goes down the line, oldest first.
	for i, r := range rs {
		p, ok := w.offer(freed)
		if !ok || p.RequestID != r.ID {
			t.Fatalf("round %d: slot went to request %d (%v), want %d, the oldest waiting", i, p.RequestID, ok, r.ID)
		}
		if _, err := w.match.Decline(w.ctx, r.Reference, storetest.RequestToken(r.Reference), p.ID); err != nil {
			t.Fatalf("decline: %v", err)
		}
	}
	if p, ok := w.offer(freed); ok {
		t.Fatalf("a slot declined by everyone went to request %d", p.RequestID)
	}
}

// TestPriorityFirst: urgent before child before the rest, whatever the
// order of arrival; within a priority, first come.
func TestPriorityFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.slotAt(1, 1, 9*60+30)
	h := w.hold(s)
	plain := w.add(onlyS)
	child := w.add(func(r *rdv.AppointmentRequest) { onlyS(r); r.Child = true })
	urgent := w.add(func(r *rdv.AppointmentRequest) { onlyS(r); r.Urgent = true })
	urgentChild := w.add(func(r *rdv.AppointmentRequest) { onlyS(r); r.Urgent, r.Child = true, true })
	for _, r := range []rdv.AppointmentRequest{plain, child, urgent, urgentChild} {
		w.admit(r)
	}
	freed := w.release(h)
	for _, want := range []rdv.AppointmentRequest{urgentChild, urgent, child, plain} {
		p, ok := w.offer(freed)
		if !ok || p.RequestID != want.ID {
			t.Fatalf("slot went to request %d, want %d (priority %d)", p.RequestID, want.ID, want.Priority())
		}
		if _, err := w.match.Decline(w.ctx, want.Reference, storetest.RequestToken(want.Reference), p.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOneLiveProposal: a request with a live proposal is offered nothing
// more; the next fitting slot goes to the next request.
func TestOneLiveProposal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.add(nil)
	first, ok := w.admit(r)
	if !ok {
		t.Fatal("a request that fits the network's free slots got no proposal")
	}
	// Every other slot that fits it, freed: none is proposed to it.
	for _, s := range w.index.Search(availability.Query{Lat: r.Lat, Lon: r.Lon, RadiusKm: 5, Service: rdv.General, From: w.now, To: r.To, Limit: 100}, nil) {
		if p, ok := w.offer(rdv.Slot{ID: s.SlotID}); ok {
			t.Fatalf("slot %d proposed to request %d while request %d has a live proposal", s.SlotID, p.RequestID, r.ID)
		}
	}
	if live := w.live(r); len(live) != 1 || live[0].ID != first.ID {
		t.Fatalf("live proposals %+v, want only %s", live, first.ID)
	}
	other := w.add(nil)
	if p, ok := w.admit(other); !ok || p.Slot.ID == first.Slot.ID {
		t.Fatalf("the next request: %+v, %v; want another slot", p, ok)
	}
}

// TestDeclinedSlotGoesToTheNext: a declined slot goes to the next
// fitting request, is never offered again to the one that declined it,
// and that one gets the next slot that fits it.
func TestDeclinedSlotGoesToTheNext(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.add(nil), w.add(nil)
	pa, _ := w.admit(a)
	pb, _ := w.admit(b)
	if pa.Slot.ID == pb.Slot.ID || !pa.Slot.Start.Before(pb.Slot.Start) && pa.Slot.Start != pb.Slot.Start {
		t.Fatalf("proposals %d and %d: the older request should have the earlier slot", pa.Slot.ID, pb.Slot.ID)
	}
	if _, err := w.match.Decline(w.ctx, a.Reference, storetest.RequestToken(a.Reference), pa.ID); err != nil {
		t.Fatal(err)
	}
	// The freed slot: b has a live proposal, a declined it: nobody.
	if p, ok := w.offer(pa.Slot); ok {
		t.Fatalf("a declined slot went to request %d", p.RequestID)
	}
	again, ok := w.admit(a)
	if !ok || again.Slot.ID == pa.Slot.ID {
		t.Fatalf("after declining, request got %+v, %v; want another slot", again, ok)
	}
	// The next request arriving is offered it first: the earliest free.
	c := w.add(nil)
	if p, ok := w.admit(c); !ok || p.Slot.ID != pa.Slot.ID {
		t.Fatalf("the next request got %+v (%v), want the declined slot %d", p, ok, pa.Slot.ID)
	}
}

// TestOnlyWithinCriteria: requests of random criteria, then every free
// slot offered: every proposal is within its request's criteria, and a
// request is left waiting only when no free slot fits it.
func TestOnlyWithinCriteria(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rng := rand.New(rand.NewPCG(7, 11))
	places := [][2]float64{{45.5236, -73.5800}, {45.5570, -73.7460}, {46.8123, -71.2255}, {45.40, -75.70}}
	var rs []rdv.AppointmentRequest
	for range 40 {
		rs = append(rs, w.add(func(r *rdv.AppointmentRequest) {
			pl := places[rng.IntN(len(places))]
			r.Lat, r.Lon, r.RadiusKm = pl[0], pl[1], []float64{1, 5, 20, 300}[rng.IntN(4)]
			if rng.IntN(3) == 0 {
				r.Weekdays = uint8(1 << rng.IntN(7))
			}
			if rng.IntN(3) == 0 {
				m := 9*60 + 15*rng.IntN(8)
				r.Times = rdv.FormatTimes([]rdv.Window{{StartMinute: m, EndMinute: m + 15*(1+rng.IntN(3))}})
			}
			if rng.IntN(4) == 0 {
				r.PractitionerLanguage = "en"
			}
			if rng.IntN(4) == 0 {
				r.From = storetest.Start.AddDays(1 + rng.IntN(2)).Start(rdv.Toronto)
			}
		}))
	}
	for _, r := range rs {
		w.admit(r)
	}
	if err := w.match.Sweep(w.ctx); err != nil {
		t.Fatal(err)
	}
	clinics, practs := map[int64]rdv.Clinic{}, map[int64]rdv.Practitioner{}
	for _, c := range w.index.Clinics() {
		clinics[c.ID] = c
	}
	for _, p := range w.index.Practitioners() {
		practs[p.ID] = p
	}
	proposed := 0
	for _, r := range rs {
		live := w.live(r)
		for _, p := range live {
			proposed++
			if !r.Fits(p.Slot, clinics[p.Slot.ClinicID], practs[p.Slot.PractitionerID]) || p.Slot.Audience != rdv.Public {
				t.Fatalf("request %d (%+v) was proposed slot %+v outside its criteria", r.ID, r, p.Slot)
			}
		}
		if len(live) > 0 {
			continue
		}
		// Waiting: no free slot fits it.
		for _, s := range w.slots {
			cur, _ := w.store.Slot(w.ctx, s.ID)
			if cur.FreeAt(w.now) && cur.Start.After(w.now) && cur.Audience == rdv.Public && r.Fits(cur, clinics[cur.ClinicID], practs[cur.PractitionerID]) {
				t.Fatalf("request %d waits while free slot %d fits it", r.ID, s.ID)
			}
		}
	}
	if proposed == 0 {
		t.Fatal("no request got a proposal: the test proves nothing")
	}
}

// TestKeptSlotsForOwnPatients: a slot a clinic keeps for its registered
// patients goes to an own-clinic request of a patient it registers, never
// to a network request nor to another clinic's patient, however older.
func TestKeptSlotsForOwnPatients(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	kept := w.slotAt(1, 1, 11*60)
	h, err := w.booking.HoldFor(w.ctx, booking.HoldInput{SlotID: kept.ID, ClientKey: "someone", AllowRostered: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kid := func(name, hn string, scope rdv.RequestScope) func(*rdv.AppointmentRequest) {
		return func(r *rdv.AppointmentRequest) {
			r.Service, r.Child, r.Scope = rdv.Pediatrics, true, scope
			r.FirstName, r.LastName, r.BirthDate, r.HealthNumber = name, "Roy", rdv.Date{Year: 2024, Month: time.May, Day: 2}, hn
			// Only practitioner 1's kept slot at 11:00 on day 1.
			r.Weekdays, r.Times, r.PractitionerLanguage = 1<<storetest.Start.AddDays(1).Weekday(), "11:00-11:20", "en"
		}
	}
	network := w.add(kid("Alice", "ROYA24550210", rdv.ScopeNetwork))
	elsewhere := w.add(kid("Béa", "ROYB24550211", rdv.ScopeOwnClinic))
	own := w.add(kid("Carl", "ROYC24050212", rdv.ScopeOwnClinic))
	register := func(r rdv.AppointmentRequest, clinic int64) {
		if _, err := w.store.AddToRoster(w.ctx, rdv.RosterEntry{ClinicID: clinic, FirstName: r.FirstName, LastName: r.LastName,
			BirthDate: r.BirthDate, HealthNumber: r.HealthNumber, AddedAt: w.now}); err != nil {
			t.Fatal(err)
		}
	}
	register(network, 1) // registered, but asking the network: pays, sees what search shows
	register(elsewhere, 2)
	register(own, 1)
	for _, r := range []rdv.AppointmentRequest{network, elsewhere, own} {
		w.admit(r)
	}
	freed := w.release(h)
	p, ok := w.offer(freed)
	if !ok || p.RequestID != own.ID {
		t.Fatalf("the kept slot went to %d (%v), want %d, the clinic's own patient", p.RequestID, ok, own.ID)
	}
	for _, r := range []rdv.AppointmentRequest{network, elsewhere} {
		if st := w.status(r); st != rdv.RequestOpen {
			t.Fatalf("request %d is %s", r.ID, st)
		}
	}
}

// TestOnlyWhatSearchShows: a network request is proposed a slot only
// while public search shows it: not a slot someone holds, nor one that
// has started, nor a kept one; and every slot it is proposed was in
// search's answer the moment before.
func TestOnlyWhatSearchShows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.slotAt(1, 1, 9*60+30)
	h := w.hold(s)
	r := w.add(onlyS)
	w.admit(r)
	sl, _ := w.store.Slot(w.ctx, s.ID)
	if p, ok := w.offer(sl); ok {
		t.Fatalf("a held slot was proposed: %+v", p)
	}
	freed := w.release(h)
	shown := w.index.Search(availability.Query{Lat: r.Lat, Lon: r.Lon, RadiusKm: r.RadiusKm, Service: r.Service, From: w.now, Limit: 100}, nil)
	found := false
	for _, res := range shown {
		found = found || res.SlotID == freed.ID
	}
	if !found {
		t.Fatal("the released slot is not in search: the test proves nothing")
	}
	at := w.now
	w.now = freed.Start
	if p, ok := w.offer(freed); ok {
		t.Fatalf("a started slot was proposed: %+v", p)
	}
	w.now = at
	if p, ok := w.offer(freed); !ok || p.RequestID != r.ID {
		t.Fatalf("the slot search shows went to %d (%v), want %d", p.RequestID, ok, r.ID)
	}
}

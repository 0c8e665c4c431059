package storetest

import (
	"fmt"
	"sync"
	"testing"

	"rdv"
)

// testRaceOneBookingPerSlot has 400 clients race for 5 slots, each holding
// then confirming: exactly one booking per slot, and every loser is told
// the slot is taken (invariant 1).
func testRaceOneBookingPerSlot(t *testing.T, f *fixture) {
	const clients, nslots = 400, 5
	slots := f.freePublic(nslots)
	type outcome struct {
		slot int64
		appt rdv.Appointment
		err  error
	}
	results := make([]outcome, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Go(func() {
			<-start
			slot := slots[i%nslots]
			results[i].slot = slot
			h, _, err := f.store.PlaceHold(f.ctx, rdv.HoldRequest{
				HoldID: fmt.Sprintf("race-%d", i), SlotID: slot, ClientKey: fmt.Sprintf("client-%d", i),
				MaxLiveHolds: 3, TTL: f.holdTTL(), Now: f.now,
			})
			if err != nil {
				results[i].err = err
				return
			}
			results[i].appt, _, results[i].err = f.store.ConfirmHold(f.ctx, f.raceConfirm(h.ID, i))
		})
	}
	close(start)
	wg.Wait()

	won := map[int64]int{}
	for i, r := range results {
		switch {
		case r.err == nil:
			won[r.slot]++
			if r.appt.Slot.ID != r.slot {
				t.Errorf("client %d booked slot %d, asked for %d", i, r.appt.Slot.ID, r.slot)
			}
		case !isCode(r.err, rdv.ESLOTTAKEN):
			t.Errorf("client %d lost with %v, want %s", i, r.err, rdv.ESLOTTAKEN)
		}
	}
	for _, id := range slots {
		if won[id] != 1 {
			t.Errorf("slot %d booked %d times, want exactly once", id, won[id])
		}
		f.wantState(id, rdv.SlotBooked)
	}
}

// testRaceHoldsAndCancels mixes cancels and new bookings of the same slots:
// whatever the interleaving, a slot never has two active bookings and its
// state agrees with its bookings.
func testRaceHoldsAndCancels(t *testing.T, f *fixture) {
	const rounds, nslots = 40, 4
	slots := f.freePublic(nslots)
	first := make([]rdv.Appointment, nslots)
	for i, id := range slots {
		first[i] = f.mustBook(id)
	}
	var mu sync.Mutex
	active := map[int64][]int64{} // slot → appointments believed active
	for i, a := range first {
		active[slots[i]] = []int64{a.ID}
	}
	var wg sync.WaitGroup
	for w := range nslots * 4 {
		wg.Go(func() {
			slot := slots[w%nslots]
			for r := range rounds {
				if w < nslots && r%2 == 0 { // one canceller per slot
					mu.Lock()
					list := active[slot]
					mu.Unlock()
					if len(list) == 0 {
						continue
					}
					id := list[len(list)-1]
					if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: id, ByStaff: true, Now: f.now}); err != nil {
						t.Errorf("cancel %d: %v", id, err)
						return
					}
					mu.Lock()
					active[slot] = slicesDelete(active[slot], id)
					mu.Unlock()
					continue
				}
				n := w*rounds + r
				h, _, err := f.store.PlaceHold(f.ctx, rdv.HoldRequest{HoldID: fmt.Sprintf("mix-%d", n), SlotID: slot,
					ClientKey: fmt.Sprintf("mix-%d", n), TTL: f.holdTTL(), Now: f.now})
				if err != nil {
					if !isCode(err, rdv.ESLOTTAKEN) {
						t.Errorf("hold: %v", err)
					}
					continue
				}
				a, _, err := f.store.ConfirmHold(f.ctx, f.raceConfirm(h.ID, 1000+n))
				if err != nil {
					t.Errorf("confirm a live hold: %v", err)
					continue
				}
				mu.Lock()
				active[slot] = append(active[slot], a.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, id := range slots {
		list := active[id]
		if len(list) > 1 {
			t.Errorf("slot %d has %d active bookings %v", id, len(list), list)
		}
		want := rdv.SlotFree
		if len(list) == 1 {
			want = rdv.SlotBooked
			if a := f.appointment(list[0]); a.Status != rdv.Booked || a.Slot.ID != id {
				t.Errorf("appointment %d is %+v, want booked on slot %d", list[0], a, id)
			}
		}
		if s := f.slot(id); s.State != want && !(want == rdv.SlotFree && s.FreeAt(f.now)) {
			t.Errorf("slot %d state %q, want %q", id, s.State, want)
		}
	}
}

func slicesDelete(list []int64, id int64) []int64 {
	out := list[:0]
	for _, x := range list {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// TestConnectionLossDuringBookings terminates the store's backends several
// times in the middle of a stream of bookings: every failure is reported
// as EUNAVAILABLE, the store recovers by itself, and every booking it
// acknowledged is in the database.
func TestConnectionLossDuringBookings(t *testing.T) {
	dbURL := mustCreateDB(t)
	st := mustOpen(t, dbURL, Options{MaxConns: 8, MinConns: 4})
	n, _ := weekNetwork(rdv.DateOf(time.Now()).AddDays(1))
	storetest.MustLoad(t, st, n)
	var all []int64
	for s := range n.Slots {
		all = append(all, s.ID)
	}

	const workers = 8
	type ack struct{ appt, slot int64 }
	var (
		mu       sync.Mutex
		acked    []ack
		failures = map[string]int{}
		kills    atomic.Int32
		after    atomic.Int32 // bookings acknowledged after the last kill
	)
	const rounds = 4
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			for i := w; i < len(all); i += workers {
				now := time.Now()
				holdID := fmt.Sprintf("o-%d", all[i])
				_, _, err := st.PlaceHold(ctx, rdv.HoldRequest{HoldID: holdID, SlotID: all[i], ClientKey: "c", TTL: time.Minute, Now: now, AllowRostered: true})
				var a rdv.Appointment
				if err == nil {
					// An agent books: the rostered slots too, whoever the patient.
					a, _, err = st.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: holdID, Patient: storetest.TestPatient(i), BookedBy: rdv.ByAgent,
						Channel: rdv.API, CancelTokenHash: auth.HashToken(holdID), Now: now})
				}
				mu.Lock()
				if err != nil {
					failures[rdv.ErrorCode(err)]++
					if rdv.ErrorCode(err) != rdv.EUNAVAILABLE {
						t.Errorf("booking slot %d: %v (code %q), want %q", all[i], err, rdv.ErrorCode(err), rdv.EUNAVAILABLE)
					}
				} else {
					acked = append(acked, ack{a.ID, all[i]})
					if kills.Load() == rounds {
						after.Add(1)
					}
				}
				mu.Unlock()
			}
		})
	}
	for range rounds {
		// Let some bookings through, then cut every connection.
		mu.Lock()
		target := len(acked) + 20
		mu.Unlock()
		waitFor(t, 20*time.Second, "bookings between outages", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(acked) >= target
		})
		terminate(t, dbURL)
		kills.Add(1)
	}
	wg.Wait()
	t.Logf("%d bookings acknowledged (%d after the last outage), failures by code %v", len(acked), after.Load(), failures)
	if after.Load() == 0 {
		t.Fatal("no booking acknowledged after the last outage: the store did not recover")
	}
	for _, a := range acked {
		got, err := st.Appointment(context.Background(), a.appt)
		if err != nil || got.Slot.ID != a.slot || got.Status != rdv.Booked {
			t.Errorf("acknowledged appointment %d on slot %d reads back as %+v, %v", a.appt, a.slot, got, err)
		}
	}
}

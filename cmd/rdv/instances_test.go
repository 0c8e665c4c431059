package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/postgres"
	"rdv/postgres/pgtest"
	"rdv/storetest"
)

// TestTwoInstancesOnePostgres runs two real servers on one PostgreSQL
// database: clients book through both at once, no slot is booked twice,
// and each instance stops offering what the other booked.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dbURL := pgtest.CreateDB(t)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, dbURL, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustLoad(t, s, storetest.SmallNetwork(rdv.DateOf(time.Now()).AddDays(1)))
	s.Close()

	// Two instances sharing one database are under test, not their
	// shedding: on a loaded machine admission control refused all ten
	// tries at a slot (503), and its shedding opened the waiting room.
	flags := []string{"--db", dbURL, "--client-limits=off", "--admission=off", "--max-live-holds", "1000", "--pg-max-conns", "8"}
	_, a := startMain(t, flags...)
	_, b := startMain(t, flags...)
	bases := []string{a, b}

	slotsOf := func(base string) []any {
		v := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=100", nil, 200)
		slots, _ := v["slots"].([]any)
		return slots
	}
	offered := slotsOf(a)
	if len(offered) < 20 {
		t.Fatalf("only %d slots offered", len(offered))
	}

	// 200 clients, ten per slot, half through each instance.
	var mu sync.Mutex
	acked := map[any]int{}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			base := bases[i%2]
			slotID := offered[i%20].(map[string]any)["id"]
			code, hold := post(base+"/api/v1/holds", fmt.Sprintf(`{"slot_id":%v}`, slotID))
			if code != http.StatusCreated {
				return
			}
			code, _ = post(bases[(i+1)%2]+"/api/v1/appointments", fmt.Sprintf(`{"hold_id":%q,"patient":{"first_name":"Léa","last_name":"Tremblay","birth_date":"1985-04-07","health_number":"TREL85540712","phone":"514-555-0123"}}`, hold["hold_id"]))
			if code == http.StatusCreated {
				mu.Lock()
				acked[slotID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(acked) != 20 {
		t.Errorf("%d slots booked, want all 20", len(acked))
	}
	for slot, n := range acked {
		if n != 1 {
			t.Errorf("slot %v booked %d times", slot, n)
		}
	}
	// Both instances stop offering every booked slot within a second.
	for _, base := range bases {
		deadline := time.Now().Add(time.Second)
		for {
			stale := 0
			for _, s := range slotsOf(base) {
				if acked[s.(map[string]any)["id"]] > 0 {
					stale++
				}
			}
			if stale == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still offers %d booked slots after 1 s", base, stale)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// post sends a JSON body and returns the status and the decoded answer;
// it never fails the test, so that racing clients can lose quietly. A
// request that admission control turns away ("not now", 503) is sent again
// a little later, as a client would.
func post(url, body string) (int, map[string]any) {
	for attempt := 0; ; attempt++ {
		res, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return 0, nil
		}
		var v map[string]any
		_ = json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || attempt == 100 {
			return res.StatusCode, v
		}
		time.Sleep(time.Duration(10+attempt*5) * time.Millisecond)
	}
}

package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"rdv"
)

// testAddressHoldCeiling: browsers behind one address each keep their own
// live holds up to the per-client cap, and all of them together up to
// the address's ceiling; another address is not bound by it, and a hold
// that ran out or was confirmed no longer counts.
func testAddressHoldCeiling(t *testing.T, f *fixture) {
	free := f.freePublic(8)
	hold := func(slot int64, client, addr string) error {
		r := f.holdReq(slot, client)
		r.MaxLiveHolds, r.AddressKey, r.MaxAddressHolds = 2, addr, 4
		_, _, err := f.store.PlaceHold(f.ctx, r)
		return err
	}
	for i, c := range []string{"b1", "b1", "b2", "b2"} {
		if err := hold(free[i], c, "nat"); err != nil {
			t.Fatalf("hold %d by %s behind the NAT: %v", i+1, c, err)
		}
	}
	wantCode(t, "a third hold of one browser", hold(free[4], "b1", "elsewhere"), rdv.ETOOMANYHOLDS)
	wantCode(t, "a new browser past the address's ceiling", hold(free[4], "b3", "nat"), rdv.ETOOMANYHOLDS)
	f.wantState(free[4], rdv.SlotFree)
	if err := hold(free[4], "b3", "another address"); err != nil {
		t.Fatalf("a browser at another address: %v", err)
	}
	// Holds without an address count for no address.
	r := f.holdReq(free[5], "no address")
	r.MaxAddressHolds = 4
	if _, _, err := f.store.PlaceHold(f.ctx, r); err != nil {
		t.Fatalf("a hold without an address: %v", err)
	}
	f.now = f.now.Add(10 * time.Minute) // every hold ran out
	for i, c := range []string{"b4", "b5"} {
		if err := hold(free[6+i], c, "nat"); err != nil {
			t.Fatalf("hold %d behind the NAT after the others ran out: %v", i+1, err)
		}
	}
}

// testAddressHoldCeilingRaced: many browsers behind one address holding
// at once get exactly the address's ceiling, however the holds race.
func testAddressHoldCeilingRaced(t *testing.T, f *fixture) {
	const browsers, ceiling = 20, 5
	free := f.freePublic(browsers)
	errs := make([]error, browsers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range browsers {
		wg.Go(func() {
			<-start
			_, _, errs[i] = f.store.PlaceHold(f.ctx, rdv.HoldRequest{
				HoldID: fmt.Sprintf("nat-%d", i), SlotID: free[i], ClientKey: fmt.Sprintf("browser-%d", i),
				MaxLiveHolds: 3, AddressKey: "203.0.113.9", MaxAddressHolds: ceiling, TTL: f.holdTTL(), Now: f.now,
			})
		})
	}
	close(start)
	wg.Wait()
	held := 0
	for i, err := range errs {
		switch {
		case err == nil:
			held++
		case !isCode(err, rdv.ETOOMANYHOLDS):
			t.Errorf("browser %d: %v, want %s", i, err, rdv.ETOOMANYHOLDS)
		}
	}
	if held != ceiling {
		t.Fatalf("%d holds behind one address, want the ceiling %d", held, ceiling)
	}
}

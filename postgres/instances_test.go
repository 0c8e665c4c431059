package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/storetest"
	"rdv/web/api"
)

// instance is one rdv process as the tests see it: a store, its own index
// fed by its own watcher, an engine and the JSON API.
type instance struct {
	store *Store
	index *availability.Index
	srv   *httptest.Server
}

// startInstance builds an instance on the database at dbURL, as `rdv
// serve` does: index from a scan, then the watcher, then the API.
func startInstance(t *testing.T, dbURL string, n rdv.NetworkLoad) *instance {
	t.Helper()
	st := mustOpen(t, dbURL, Options{MaxConns: 8})
	now := time.Now()
	ix, err := availability.Build(n.Clinics, n.Practitioners, func(fn func(rdv.Slot) error) error {
		return st.ScanBookable(context.Background(), now, now, fn)
	})
	if err != nil {
		t.Fatalf("build index: %v", err)
	}
	startWatchInto(t, st, ix.Apply)
	// Every test client comes from 127.0.0.1: lift the per-client cap.
	eng := booking.New(st, ix, booking.Config{MaxLiveHolds: 1 << 20, MaxAddressHolds: -1}, nil)
	srv := httptest.NewServer(api.New(api.Deps{Engine: eng, Index: ix, Store: st}))
	t.Cleanup(srv.Close)
	return &instance{store: st, index: ix, srv: srv}
}

func startWatchInto(t *testing.T, s *Store, apply func(rdv.SlotChanges)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.WatchSlots(ctx, apply) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// weekNetwork is the small network's clinics and plans over seven days
// from start, with no booking: 224 public slots and 84 rostered ones.
func weekNetwork(start rdv.Date) (rdv.NetworkLoad, []int64) {
	n := storetest.SmallNetwork(start)
	var slots []rdv.Slot
	var public []int64
	for _, p := range n.Plans {
		for _, s := range p.Expand(start, start.AddDays(7), rdv.Toronto) {
			s.ID = int64(len(slots) + 1)
			slots = append(slots, s)
			if s.Audience == rdv.Public {
				public = append(public, s.ID)
			}
		}
	}
	n.SlotCount = len(slots)
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		for _, s := range slots {
			if !yield(s, 0) {
				return
			}
		}
	}
	return n, public
}

var httpClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64},
}

// post sends JSON and decodes the answer into out when the status is 201.
func post(t *testing.T, url string, body any, out any) int {
	b, err := json.Marshal(body)
	if err != nil {
		t.Errorf("encode: %v", err)
		return 0
	}
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Errorf("decode answer of %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// bookOverHTTP holds then confirms a slot through an instance's API and
// returns the appointment ID, or 0 when the slot was taken.
func bookOverHTTP(t *testing.T, base string, slotID int64, i int) int64 {
	var h struct {
		HoldID string `json:"hold_id"`
	}
	switch st := post(t, base+"/api/v1/holds", map[string]any{"slot_id": slotID}, &h); st {
	case http.StatusCreated:
	case http.StatusConflict:
		return 0
	default:
		t.Errorf("hold slot %d: status %d", slotID, st)
		return 0
	}
	p := storetest.TestPatient(i)
	var a struct {
		ID int64 `json:"id"`
	}
	st := post(t, base+"/api/v1/appointments", map[string]any{"hold_id": h.HoldID, "patient": map[string]any{
		"first_name": p.FirstName, "last_name": p.LastName, "birth_date": p.BirthDate.String(),
		"health_number": p.HealthNumber, "phone": p.Phone, "language": p.Language,
	}}, &a)
	if st != http.StatusCreated {
		t.Errorf("confirm hold on slot %d: status %d", slotID, st)
		return 0
	}
	return a.ID
}

// searchIDs returns the IDs of the public general slots an instance's
// search shows over HTTP, earliest first (at most 100).
func searchIDs(t *testing.T, base string, from rdv.Date) map[int64]bool {
	url := fmt.Sprintf("%s/api/v1/slots?near=45.5236,-73.58&radius_km=250&service=general&from=%s&to=%s&limit=100", base, from, from.AddDays(6))
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Slots []struct {
			ID int64 `json:"id"`
		} `json:"slots"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode search: %v", err)
	}
	ids := map[int64]bool{}
	for _, s := range out.Slots {
		ids[s.ID] = true
	}
	return ids
}

// indexFree returns every public general slot an instance's index offers.
func indexFree(ix *availability.Index, from time.Time) map[int64]bool {
	res := ix.Search(availability.Query{Lat: 45.5236, Lon: -73.58, RadiusKm: 1000, Service: rdv.General,
		From: from, To: from.Add(30 * 24 * time.Hour), Limit: 100_000}, nil)
	ids := make(map[int64]bool, len(res))
	for _, r := range res {
		ids[r.SlotID] = true
	}
	return ids
}

// dbFree returns every public general slot the database says is bookable.
func dbFree(t *testing.T, s *Store, now time.Time) map[int64]bool {
	t.Helper()
	ids := map[int64]bool{}
	err := s.ScanBookable(context.Background(), now, now, func(sl rdv.Slot) error {
		if sl.Service == rdv.General && sl.Audience == rdv.Public {
			ids[sl.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan bookable: %v", err)
	}
	return ids
}

func sameSet(a, b map[int64]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for id := range a {
		if !b[id] {
			return false
		}
	}
	return true
}

// TestTwoInstances runs two instances on one database: hundreds of
// clients book through both at once, each slot is booked exactly once,
// and each instance's search stops showing what the other booked.
func TestTwoInstances(t *testing.T) {
	dbURL := mustCreateDB(t)
	start := rdv.DateOf(time.Now()).AddDays(1)
	n, public := weekNetwork(start)
	loader := mustOpen(t, dbURL, Options{MaxConns: 2})
	storetest.MustLoad(t, loader, n)
	inst := []*instance{startInstance(t, dbURL, n), startInstance(t, dbURL, n)}

	// One booking on each side disappears from the other's search.
	probed := map[int64]bool{}
	for i, from := range inst {
		to := inst[1-i]
		first := earliest(t, to.srv.URL, start)
		probed[first] = true
		if id := bookOverHTTP(t, from.srv.URL, first, 5000+i); id == 0 {
			t.Fatalf("book slot %d through instance %d failed", first, i)
		}
		took := waitFor(t, time.Second, fmt.Sprintf("slot %d booked on instance %d gone from instance %d's search", first, i, 1-i), func() bool {
			return !searchIDs(t, to.srv.URL, start)[first]
		})
		t.Logf("slot booked on instance %d left instance %d's search after %v", i, 1-i, took)
	}

	// 400 clients race for 200 slots, two per slot, one through each
	// instance.
	const clients = 400
	var targets []int64
	for _, id := range public {
		if !probed[id] && len(targets) < clients/2 {
			targets = append(targets, id)
		}
	}
	won := make([]int64, clients)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range clients {
		wg.Go(func() {
			<-gate
			won[i] = bookOverHTTP(t, inst[i%2].srv.URL, targets[i/2], i)
		})
	}
	close(gate)
	wg.Wait()
	bookedBy := map[int64]int{}
	for i, id := range won {
		if id != 0 {
			bookedBy[targets[i/2]]++
		}
	}
	for _, slot := range targets {
		if bookedBy[slot] != 1 {
			t.Errorf("slot %d acknowledged %d times, want exactly once", slot, bookedBy[slot])
		}
	}
	wantOneActivePerSlot(t, loader, len(targets)+2)

	// Both indexes converge on the database.
	now := time.Now()
	want := dbFree(t, loader, now)
	for i, in := range inst {
		took := waitFor(t, time.Second, fmt.Sprintf("instance %d's index matches the database", i), func() bool {
			return sameSet(indexFree(in.index, now), want)
		})
		t.Logf("instance %d's index matched the database %v after the last booking", i, took)
	}
}

// earliest returns the first slot an instance's search shows.
func earliest(t *testing.T, base string, from rdv.Date) int64 {
	t.Helper()
	url := fmt.Sprintf("%s/api/v1/slots?near=45.5236,-73.58&radius_km=250&service=general&from=%s&to=%s&limit=1", base, from, from.AddDays(6))
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Slots []struct {
			ID int64 `json:"id"`
		} `json:"slots"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Slots) == 0 {
		t.Fatalf("search: %v, %d results", err, len(out.Slots))
	}
	return out.Slots[0].ID
}

// wantOneActivePerSlot checks in the database that no slot has two active
// appointments, that every booked slot has one, and how many there are.
func wantOneActivePerSlot(t *testing.T, s *Store, want int) {
	t.Helper()
	active, doubled, mismatched := countActive(t, s)
	if active != want || doubled != 0 || mismatched != 0 {
		t.Fatalf("%d active appointments (want %d), %d slots booked twice, %d slots whose state disagrees with their appointments",
			active, want, doubled, mismatched)
	}
}

// countActive counts in the database the active appointments, the slots
// that have more than one, and the slots whose state disagrees with them
// (booked without an active appointment, or the reverse).
func countActive(t *testing.T, s *Store) (active, doubled, mismatched int) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	defer conn.Release()
	err = conn.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM appointments WHERE status <> 'cancelled'),
			(SELECT count(*) FROM (SELECT slot_id FROM appointments WHERE status <> 'cancelled' GROUP BY slot_id HAVING count(*) > 1) d),
			(SELECT count(*) FROM slots s WHERE (s.state = 'booked') <> EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled'))`).
		Scan(&active, &doubled, &mismatched)
	if err != nil {
		t.Fatalf("count appointments: %v", err)
	}
	return active, doubled, mismatched
}

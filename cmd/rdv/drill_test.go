package main

// The ransomware drill, on both stores (drill_sqlite_test.go,
// drill_pg_test.go): patients book through the HTTP API of a real server
// while backups are taken as production takes them; an attacker holding
// the database's own credentials deletes and scrambles the appointments
// with plain SQL; the attack is detected, and the clock runs from there
// until a restored database serves again. Every booking acknowledged
// before the recovery point must then answer its patient's token, and a
// new booking must succeed. The suite runs it on the small network; make
// drill runs it on the demo network, where the ≤ 5 minute target is
// measured.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv/storetest"
)

var (
	drillDemo = flag.Bool("drill.demo", false, "TestRansomwareDrill*: the demo network (make drill), not the small one")
	drillBook = flag.Duration("drill.book-for", 0, "TestRansomwareDrill*: how long patients book before the attack (default 4 s, 60 s with -drill.demo)")
)

// drillBookFor is how long patients book before the attack.
func drillBookFor() time.Duration {
	switch {
	case *drillBook > 0:
		return *drillBook
	case *drillDemo:
		return time.Minute
	}
	return 4 * time.Second
}

// drillServeFlags are the flags of the drill's servers: the patients all
// come from the loopback address without cookies, as in the load tests,
// so the limits per address are off and the address may hold as many
// slots as the patients behind it (holds in flight when a backup was
// taken come back with it, and count until they expire). Requests in
// flight when the attack is detected get 10 s to finish: on a loaded
// machine a booking waiting its turn took more than 2 s, and the stop
// failed rather than the drill's check.
var drillServeFlags = []string{"--client-limits", "off", "--max-live-holds", "64", "--shutdown-grace", "10s"}

// drillPlaces are where the drill's patients search: the small network's
// clinics are all within 250 km of Montréal, the demo network's spread
// over the province.
func drillPlaces() (places []string, radiusKm int) {
	if *drillDemo {
		return []string{"Montréal", "Québec", "Laval", "Gatineau", "Sherbrooke", "Trois-Rivières", "Saguenay", "Longueuil"}, 50
	}
	return []string{"Montréal"}, 250
}

// ackedBooking is a booking the API acknowledged, with what its patient
// keeps: the appointment's id and its token.
type ackedBooking struct {
	ID    int64
	Token string
	At    time.Time // when the acknowledgement arrived
}

// errSlotGone: the slot picked was taken by another patient first.
var errSlotGone = errors.New("the slot was taken first")

// drillPatients books through the API as patients do: search, hold one
// of the slots found, confirm with a new patient's identity.
type drillPatients struct {
	base    string
	places  []string
	radius  int
	next    atomic.Int64 // the next patient's number
	client  *http.Client
	refused atomic.Int64 // answers 503 or 429, retried
	acks    atomic.Int64 // bookings acknowledged
}

func newDrillPatients(base string) *drillPatients {
	places, radius := drillPlaces()
	return &drillPatients{base: base, places: places, radius: radius, client: &http.Client{Timeout: 10 * time.Second}}
}

// do sends a JSON request and decodes a JSON answer of status want into
// v; another status is an error that quotes the answer.
func (p *drillPatients) do(ctx context.Context, method, path string, body, v any, want int) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode != want {
		return res.StatusCode, fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, raw)
	}
	if v != nil {
		return res.StatusCode, json.Unmarshal(raw, v)
	}
	return res.StatusCode, nil
}

// book makes one booking: errSlotGone when another patient held the
// slot first, which the caller retries.
func (p *drillPatients) book(ctx context.Context, rng *rand.Rand) (ackedBooking, error) {
	place := p.places[rng.IntN(len(p.places))]
	var found struct {
		Slots []struct {
			ID int64 `json:"id"`
		} `json:"slots"`
	}
	q := url.Values{"place": {place}, "radius_km": {fmt.Sprint(p.radius)}, "service": {"general"}, "limit": {"100"}}
	if _, err := p.do(ctx, "GET", "/api/v1/slots?"+q.Encode(), nil, &found, http.StatusOK); err != nil {
		return ackedBooking{}, err
	}
	if len(found.Slots) == 0 {
		return ackedBooking{}, fmt.Errorf("no free slot near %s", place)
	}
	var hold struct {
		HoldID string `json:"hold_id"`
	}
	slot := found.Slots[rng.IntN(len(found.Slots))].ID
	if status, err := p.do(ctx, "POST", "/api/v1/holds", map[string]any{"slot_id": slot}, &hold, http.StatusCreated); status == http.StatusConflict {
		return ackedBooking{}, errSlotGone
	} else if err != nil {
		return ackedBooking{}, err
	}
	person := storetest.TestPatient(int(p.next.Add(1)))
	var appt struct {
		ID          int64  `json:"id"`
		Status      string `json:"status"`
		CancelToken string `json:"cancel_token"`
	}
	_, err := p.do(ctx, "POST", "/api/v1/appointments", map[string]any{
		"hold_id": hold.HoldID,
		"patient": map[string]any{"first_name": person.FirstName, "last_name": person.LastName, "birth_date": person.BirthDate.String(),
			"health_number": person.HealthNumber, "phone": person.Phone, "language": person.Language},
	}, &appt, http.StatusCreated)
	if err != nil {
		return ackedBooking{}, err
	}
	if appt.Status != "booked" || appt.CancelToken == "" {
		return ackedBooking{}, fmt.Errorf("booking acknowledged as %q, token %q", appt.Status, appt.CancelToken)
	}
	return ackedBooking{ID: appt.ID, Token: appt.CancelToken, At: time.Now()}, nil
}

// bookUntil has clients patients book in parallel until stop is closed,
// and returns every booking acknowledged, in no particular order. A slot
// taken first, or a refusal asking to come back (429, 503), is retried;
// any other failure ends the run.
func (p *drillPatients) bookUntil(ctx context.Context, clients int, stop <-chan struct{}) ([]ackedBooking, error) {
	var (
		mu    sync.Mutex
		acked []ackedBooking
		first error
		wg    sync.WaitGroup
	)
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for {
				select {
				case <-stop:
					return
				default:
				}
				b, err := p.book(ctx, rng)
				switch {
				case errors.Is(err, errSlotGone):
					continue
				case err != nil && (strings.Contains(err.Error(), "status 503") || strings.Contains(err.Error(), "status 429")):
					p.refused.Add(1)
					time.Sleep(50 * time.Millisecond)
					continue
				case err != nil:
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				p.acks.Add(1)
				mu.Lock()
				acked = append(acked, b)
				failed := first != nil
				mu.Unlock()
				if failed {
					return
				}
			}
		})
	}
	wg.Wait()
	return acked, first
}

// missing returns the bookings that do not answer their token as booked
// appointments.
func (p *drillPatients) missing(ctx context.Context, acked []ackedBooking) ([]ackedBooking, error) {
	var lost []ackedBooking
	for _, b := range acked {
		var appt struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		status, err := p.do(ctx, "GET", fmt.Sprintf("/api/v1/appointments/%d?token=%s", b.ID, url.QueryEscape(b.Token)), nil, &appt, http.StatusOK)
		switch {
		case status == http.StatusNotFound:
			lost = append(lost, b)
		case err != nil:
			return nil, err
		case appt.ID != b.ID || appt.Status != "booked":
			lost = append(lost, b)
		}
	}
	return lost, nil
}

// bookOnce makes one new booking, retrying slots taken first: the
// restored server serves.
func (p *drillPatients) bookOnce(ctx context.Context) (ackedBooking, error) {
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	for range 20 {
		b, err := p.book(ctx, rng)
		if !errors.Is(err, errSlotGone) {
			return b, err
		}
	}
	return ackedBooking{}, errors.New("20 slots in a row taken first")
}

// before splits acked at the moment t: those acknowledged before it, and
// the others.
func before(acked []ackedBooking, t time.Time) (in, after []ackedBooking) {
	for _, b := range acked {
		if b.At.Before(t) {
			in = append(in, b)
		} else {
			after = append(after, b)
		}
	}
	return in, after
}

func bookingIDs(bs []ackedBooking) []int64 {
	ids := make([]int64, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	slices.Sort(ids)
	return ids[:min(len(ids), 10)]
}

// drillServer is a real server that the drill stops when the attack is
// detected, before its test ends.
type drillServer struct {
	m      *Main
	out    *lockedBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startDrillServer runs rdv serve with args on a free port until Stop,
// or the test's end.
func startDrillServer(t *testing.T, args ...string) *drillServer {
	t.Helper()
	s := &drillServer{m: NewMain(), out: &lockedBuffer{}, done: make(chan error, 1)}
	s.m.Stdout, s.m.Stderr = s.out, s.out
	s.m.Log = slog.New(slog.NewTextHandler(s.out, nil))
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off",
		"--spool", filepath.Join(t.TempDir(), "requests.spool")}, append(drillServeFlags, args...)...)
	go func() { s.done <- s.m.Run(ctx, args) }()
	select {
	case <-s.m.Ready():
	case err := <-s.done:
		cancel()
		t.Fatalf("serve stopped before listening: %v\n%s", err, s.out)
	case <-time.After(5 * time.Minute):
		cancel()
		t.Fatalf("serve not ready after 5 min\n%s", s.out)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("serve: %v\n%s", err, s.out)
		}
	})
	return s
}

// Stop shuts the server down and returns what serve returned.
func (s *drillServer) Stop() error {
	s.once.Do(func() {
		s.cancel()
		s.err = <-s.done
	})
	return s.err
}

// URL is the server's address.
func (s *drillServer) URL() string { return s.m.URL() }

// auditVerify runs rdv audit verify on db once the command exists: the
// audit chain of the restored database must verify.
func auditVerify(t *testing.T, db string) {
	t.Helper()
	out, err := runRDV(t, "audit", "verify", "--db", db)
	if err != nil && strings.Contains(err.Error(), `unknown command "audit"`) {
		t.Log("rdv audit verify does not exist yet: the audit chain is not checked")
		return
	}
	if err != nil {
		t.Fatalf("rdv audit verify on the restored database: %v\n%s", err, out)
	}
	t.Logf("rdv audit verify: %s", strings.TrimSpace(out))
}

// drillTimes are the steps from detection to serving, for the report.
type drillTimes struct {
	steps []string
	began time.Time
	last  time.Time
}

func startClock() *drillTimes {
	now := time.Now()
	return &drillTimes{began: now, last: now}
}

// lap records the step that just ended.
func (c *drillTimes) lap(step string) {
	now := time.Now()
	c.steps = append(c.steps, fmt.Sprintf("%s %.1f s", step, now.Sub(c.last).Seconds()))
	c.last = now
}

func (c *drillTimes) total() time.Duration { return c.last.Sub(c.began) }

func (c *drillTimes) String() string {
	return fmt.Sprintf("%.1f s (%s)", c.total().Seconds(), strings.Join(c.steps, ", "))
}

// drillTarget is the recovery target of the drill: 5 minutes from
// detection to serving on the demo network.
const drillTarget = 5 * time.Minute

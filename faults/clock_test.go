package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rdv/booking"
	"rdv/match"
	"rdv/spool"
	"rdv/storetest"
	"rdv/web/api"
)

// TestClockJumps moves the platform's clock forward past every hold's
// and every proposal's expiry, and back, again and again, while patients
// book. A hold run out never blocks its slot: another patient holds it,
// and the first cannot book it, before the clock goes back or after; a
// proposal run out cannot be accepted, before or after; and nothing is
// booked twice. rdv serve has no clock to move: the platform's request
// path runs in this process (the JSON API, the booking engine, the
// matcher and the spool over the embedded store), on a clock the test
// moves, which the engine, the matcher and the spool read.
func TestClockJumps(t *testing.T) {
	dir := t.TempDir()
	p := sqlitePlatform(t, dir)
	srv := startClockServer(t, dir, p)
	// Slots no client books, and no request fits: the probe's, held
	// before each jump.
	reserved := p.net.probes
	var probe, other *client
	jump := 31 * time.Minute // past a hold's 5 minutes and a proposal's 30
	fault{
		name:     "clock forward 31 min (past hold and proposal expiries) and back",
		platform: p,
		targets:  []string{srv.url},
		tune: func(w *workload) {
			var err1, err2 error
			probe, err1 = w.addClient()
			other, err2 = w.addClient()
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
		},
		strike: func(ctx context.Context, blow func()) {
			seq := 0
			next := func() int { seq++; return seq }
			// A blow, once begun, goes to its end: the jump back.
			op := context.WithoutCancel(ctx)
			every(ctx, killEvery(), func() {
				if len(reserved) < 4 {
					return // a long run's blows have used every reserved slot
				}
				slots := reserved[:4]
				reserved = reserved[4:]
				var held []string
				for _, s := range slots {
					h, ok := probe.hold(op, next(), s)
					if !ok {
						t.Fatalf("hold reserved slot %d: %+v", s, probe.last.Outcome)
					}
					held = append(held, h)
				}
				ref, token, proposal := probe.proposed(op, t)

				srv.clock.move(jump)
				blow()
				// The engine's and the matcher's sweeps run every second.
				time.Sleep(1500 * time.Millisecond)
				var again []string
				for i, s := range slots {
					h, ok := other.hold(op, next(), s)
					if !ok {
						t.Errorf("slot %d, whose hold ran out, cannot be held: %+v", s, other.last.Outcome)
					}
					again = append(again, h)
					if _, _, ok := probe.book(op, next(), s, held[i]); ok {
						t.Errorf("a hold run out booked slot %d", s)
					}
				}
				if status := probe.accept(op, ref, token, proposal); status < 300 && proposal != "" {
					t.Errorf("proposal %s, run out, accepted (%d)", proposal, status)
				}

				srv.clock.move(-jump)
				for i, s := range slots {
					if _, _, ok := probe.book(op, next(), s, held[i]); ok {
						t.Errorf("with the clock back, a hold that ran out booked slot %d, held again since", s)
					}
					if again[i] != "" {
						if _, _, ok := other.book(op, next(), s, again[i]); !ok {
							t.Errorf("slot %d held again cannot be booked: %+v", s, other.last.Outcome)
						}
					}
				}
				if status := probe.accept(op, ref, token, proposal); status < 300 && proposal != "" {
					t.Errorf("with the clock back, proposal %s, run out, accepted (%d)", proposal, status)
				}
			})
		},
		settle: srv.stop,
	}.run(t)
}

// proposed files a request and waits, three seconds at most, for the
// matcher to propose it a slot; it returns the request's reference and
// token, and the proposal ("" if none came).
func (c *client) proposed(ctx context.Context, t *testing.T) (ref, token, proposal string) {
	t.Helper()
	ref, token = c.filed(ctx)
	if ref == "" {
		t.Fatalf("request refused: %+v", c.last.Outcome)
	}
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		res, err := c.http.Get(c.w.targets[c.target] + "/api/v1/requests/" + ref + "?token=" + url.QueryEscape(token))
		if err != nil {
			continue
		}
		var v struct {
			Proposal *struct {
				ID string `json:"id"`
			} `json:"proposal"`
		}
		err = json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		if err == nil && v.Proposal != nil {
			return ref, token, v.Proposal.ID
		}
	}
	t.Logf("request %s: no proposal within 3 s", ref)
	return ref, token, ""
}

// accept answers a proposal yes, and returns the status.
func (c *client) accept(ctx context.Context, ref, token, proposal string) int {
	body := fmt.Sprintf(`{"token":%q,"proposal_id":%q}`, token, proposal)
	req, err := http.NewRequestWithContext(ctx, "POST", c.w.targets[c.target]+"/api/v1/requests/"+ref+"/accept", strings.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// movingClock is the real time moved by an offset the test changes.
type movingClock struct{ offset atomic.Int64 }

func (c *movingClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *movingClock) move(d time.Duration) { c.offset.Add(int64(d)) }

// clockServer is the platform's request path in this process, wired as
// rdv serve wires it, on a movingClock.
type clockServer struct {
	url   string
	clock *movingClock
	stop  func()
}

func startClockServer(t *testing.T, dir string, p *platform) *clockServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store, err := p.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(logf, nil))
	clock := &movingClock{}
	index := storetest.MustBuildIndex(t, store, clock.Now())
	engine := booking.New(store, index, booking.Config{MaxLiveHolds: 1000, MaxAddressHolds: -1, Now: clock.Now}, log)
	matcher := match.New(store, index, match.Config{SweepEvery: time.Second, Now: clock.Now}, log)
	requests, err := spool.Open(filepath.Join(dir, "requests.spool"), matcher.Feed(store), spool.Options{Log: log, Now: clock.Now, Keys: p.keys})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.New(api.Deps{Engine: engine, Index: index, Store: store, Log: log, Requests: requests, Matcher: matcher}))
	var wg sync.WaitGroup
	wg.Go(func() { _ = engine.Run(ctx) })
	wg.Go(func() { _ = matcher.Run(ctx) })
	wg.Go(func() { _ = requests.Run(ctx) })
	s := &clockServer{url: hs.URL, clock: clock}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			for end := time.Now().Add(30 * time.Second); requests.Pending() > 0 && time.Now().Before(end); {
				time.Sleep(20 * time.Millisecond)
			}
			if n := requests.Pending(); n > 0 {
				t.Errorf("%d spooled requests not replayed after 30 s", n)
			}
			hs.Close()
			cancel()
			wg.Wait()
			_ = requests.Close()
			_ = store.Close()
			_ = logf.Close()
		})
	}
	t.Cleanup(s.stop)
	return s
}

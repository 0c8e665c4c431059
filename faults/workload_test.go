package faults

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"rdv/history"
	"rdv/storetest"
)

// workload is the patients' clients of a fault run. Each client books
// again and again as a patient's program does: it holds a slot, books it
// for a patient of its own, now and then cancels a booking or files an
// appointment request. Every write carries an idempotency key (but the
// request form, which has none), and a write whose answer did not come
// (no answer, or a 5xx) is sent again with the same key and body until
// an answer settles it, on the next target if there are several. Every
// attempt is logged (package history).
type workload struct {
	targets []string // base URLs; client i starts on targets[i % len]
	clients int
	// cancelOneIn and requestOneIn are how often a client cancels the
	// booking it just made, and files a request (0: never).
	cancelOneIn, requestOneIn int

	feed  *slotFeed
	marks atomic.Int64 // the last mark given: patients' and requests'
	acked atomic.Int64 // bookings acknowledged
	// lastBooked is when the latest booking acknowledged was sent (unix
	// nanoseconds): the platform recovered from a blow once it is later.
	lastBooked atomic.Int64
	logs       []string
	extra      []*history.Recorder // the logs of clients a fault drives itself (addClient)
	errs       chan error
	// browsing makes every client a browser: it keeps its cookies and
	// views a page before it books, which gives it the waiting room's
	// pass for a session (the room is closed then). inside is closed
	// once every client of run has its pass: a fault may open the room.
	browsing bool
	inside   chan struct{}
}

// newWorkload prepares clients over a network's slots, logging into dir.
func newWorkload(dir string, slots []int64, clients int, targets ...string) *workload {
	w := &workload{targets: targets, clients: clients, cancelOneIn: 10, requestOneIn: 40,
		feed: &slotFeed{slots: slots}, errs: make(chan error, clients), inside: make(chan struct{})}
	for i := range clients {
		w.logs = append(w.logs, filepath.Join(dir, fmt.Sprintf("client-%02d.jsonl", i)))
	}
	return w
}

// run runs the clients until ctx is done or the slots run out, and
// returns the first failure of the harness itself (a log it could not
// write, a pass it was not given), not the platform's.
func (w *workload) run(ctx context.Context) error {
	var wg sync.WaitGroup
	inside := sync.OnceFunc(func() { close(w.inside) })
	defer inside() // a fault waiting for the passes learns of a failure too
	clients := make([]*client, w.clients)
	for i := range w.clients {
		rec, err := history.Create(w.logs[i])
		if err != nil {
			return err
		}
		clients[i] = w.newClient(i, rec)
		defer rec.Close()
		if err := clients[i].enter(ctx); err != nil {
			return err
		}
	}
	inside()
	for _, c := range clients {
		wg.Go(func() { c.loop(ctx) })
	}
	wg.Wait()
	for _, rec := range w.extra {
		if err := rec.Close(); err != nil {
			return err
		}
	}
	close(w.errs)
	return <-w.errs
}

// addClient returns a client that books only when a fault drives it, its
// attempts logged with the others' for the checker. Its log is closed
// when run returns: a fault uses it while the clients run.
func (w *workload) addClient() (*client, error) {
	id := w.clients + len(w.extra)
	path := filepath.Join(filepath.Dir(w.logs[0]), fmt.Sprintf("client-%02d.jsonl", id))
	rec, err := history.Create(path)
	if err != nil {
		return nil, err
	}
	w.logs, w.extra = append(w.logs, path), append(w.extra, rec)
	c := w.newClient(id, rec)
	return c, c.enter(context.Background())
}

// booked notes a booking acknowledged, sent at sent.
func (w *workload) booked(sent time.Time) {
	w.acked.Add(1)
	for {
		last := w.lastBooked.Load()
		if sent.UnixNano() <= last || w.lastBooked.CompareAndSwap(last, sent.UnixNano()) {
			return
		}
	}
}

// bookedSince reports whether a booking sent at t or later was
// acknowledged.
func (w *workload) bookedSince(t time.Time) bool { return w.lastBooked.Load() >= t.UnixNano() }

// entries reads back every client's log.
func (w *workload) entries() ([]history.Entry, error) { return history.ReadFiles(w.logs...) }

// slotFeed hands out the network's slots: each to two clients in turn,
// who race for it, and first the slots cancellations freed.
type slotFeed struct {
	slots []int64
	next  atomic.Int64
	mu    sync.Mutex
	freed []int64
}

func (f *slotFeed) take() (int64, bool) {
	f.mu.Lock()
	if n := len(f.freed); n > 0 {
		s := f.freed[n-1]
		f.freed = f.freed[:n-1]
		f.mu.Unlock()
		return s, true
	}
	f.mu.Unlock()
	i := int(f.next.Add(1)-1) / 2
	if i >= len(f.slots) {
		return 0, false
	}
	return f.slots[i], true
}

func (f *slotFeed) free(slot int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.freed = append(f.freed, slot)
}

// exhausted reports whether every slot was handed out.
func (f *slotFeed) exhausted() bool { return int(f.next.Load())/2 >= len(f.slots) }

type client struct {
	last   history.Entry // the last attempt's, for a fault's own checks
	w      *workload
	id     int
	rec    *history.Recorder
	http   *http.Client
	rng    *rand.Rand
	target int
}

func (w *workload) newClient(id int, rec *history.Recorder) *client {
	// Each client comes from a loopback address of its own: to the edge
	// and to the limits per address (and their locks), a person, not one
	// machine.
	d := &net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(10+id))}}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}
	c := &client{w: w, id: id, rec: rec, target: id % len(w.targets),
		http: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		rng:  rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))} // #nosec G404 -- a client's whims, not a secret
	if w.browsing {
		c.http.Jar, _ = cookiejar.New(nil) // never fails without options
	}
	return c
}

// enter views the home page as a browser does, when the clients are
// browsers, and fails unless the waiting room gave a pass.
func (c *client) enter(ctx context.Context) error {
	if !c.w.browsing {
		return nil
	}
	for _, target := range c.w.targets {
		if err := enterRoom(ctx, c.http, target); err != nil {
			return fmt.Errorf("client %d: %w", c.id, err)
		}
	}
	return nil
}

// enterRoom views target's home page with hc, which keeps cookies, and
// fails unless the waiting room gave a pass for a session: it does
// while the room is closed.
func enterRoom(ctx context.Context, hc *http.Client, target string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", target+"/", nil)
	if err != nil {
		return err
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("view the home page: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	for _, ck := range hc.Jar.Cookies(u) {
		if ck.Name == passCookie && ck.Value != "" {
			return nil
		}
	}
	return fmt.Errorf("the home page (status %d) gave no waiting-room pass", res.StatusCode)
}

// loop books until ctx is done or the feed is empty.
func (c *client) loop(ctx context.Context) {
	for seq := 0; ctx.Err() == nil; seq++ {
		if c.w.requestOneIn > 0 && c.rng.IntN(c.w.requestOneIn) == 0 {
			c.request(ctx)
		}
		slot, ok := c.w.feed.take()
		if !ok {
			return
		}
		hold, ok := c.hold(ctx, seq, slot)
		if !ok {
			continue
		}
		appt, token, ok := c.book(ctx, seq, slot, hold)
		if !ok || c.w.cancelOneIn == 0 || c.rng.IntN(c.w.cancelOneIn) != 0 {
			continue
		}
		if c.cancel(ctx, seq, appt, token) {
			c.w.feed.free(slot)
		}
	}
}

func (c *client) key(what string, seq int) string { return fmt.Sprintf("c%02d-%s%d", c.id, what, seq) }

func (c *client) hold(ctx context.Context, seq int, slot int64) (string, bool) {
	var v struct {
		HoldID string `json:"hold_id"`
		SlotID int64  `json:"slot_id"`
	}
	e := history.Entry{Op: history.OpHold, Key: c.key("h", seq), Slot: slot}
	ok := c.write(ctx, e, "/api/v1/holds", map[string]any{"slot_id": slot}, &v, func(ids *history.IDs) {
		ids.Hold, ids.Slot = v.HoldID, v.SlotID
	})
	return v.HoldID, ok
}

// patient is a new patient of the run: a health number and a birth
// date as storetest's, a last name ("Essai N") that only this booking
// has, which finds its appointments in the database.
func (c *client) patient() (map[string]any, string) {
	n := int(c.w.marks.Add(1))
	p := storetest.TestPatient(n % 20000)
	p.LastName = fmt.Sprintf("Essai %d", n)
	return map[string]any{"first_name": p.FirstName, "last_name": p.LastName, "birth_date": p.BirthDate.String(),
		"health_number": p.HealthNumber, "phone": p.Phone, "language": p.Language}, p.LastName
}

func (c *client) book(ctx context.Context, seq int, slot int64, hold string) (int64, string, bool) {
	var v struct {
		ID          int64  `json:"id"`
		CancelToken string `json:"cancel_token"`
		Slot        struct {
			ID int64 `json:"id"`
		} `json:"slot"`
	}
	p, mark := c.patient()
	e := history.Entry{Op: history.OpBook, Key: c.key("b", seq), Slot: slot, Request: history.Request{Hold: hold, Mark: mark}}
	ok := c.write(ctx, e, "/api/v1/appointments", map[string]any{"hold_id": hold, "patient": p}, &v, func(ids *history.IDs) {
		ids.Appointment, ids.Slot = v.ID, v.Slot.ID
	})
	return v.ID, v.CancelToken, ok
}

func (c *client) cancel(ctx context.Context, seq int, appt int64, token string) bool {
	var v struct {
		ID int64 `json:"id"`
	}
	e := history.Entry{Op: history.OpCancel, Key: c.key("c", seq), Request: history.Request{Appointment: appt}}
	return c.write(ctx, e, fmt.Sprintf("/api/v1/appointments/%d/cancel", appt), map[string]any{"token": token}, &v, func(ids *history.IDs) {
		ids.Appointment = v.ID
	})
}

// request files an appointment request once, and returns its reference
// and token when it was accepted: the form has no key, so an answer lost
// is a request that may or may not be stored, never sent again.
func (c *client) request(ctx context.Context) (string, string) {
	var v struct {
		Reference string `json:"reference"`
		Token     string `json:"token"`
	}
	p, _ := c.patient()
	mark := fmt.Sprintf("essai de panne %d", c.w.marks.Add(1))
	e := history.Entry{Client: c.id, Op: history.OpRequest, Request: history.Request{Mark: mark}}
	body := map[string]any{"patient": p, "service": "general", "place": "Montréal", "radius_km": 10, "availability": mark,
		"payment_token": "tok-" + mark}
	e = c.attempt(ctx, e, "/api/v1/requests", body, &v)
	e.IDs.Reference = v.Reference
	c.log(e)
	c.last = e
	return v.Reference, v.Token
}

// filed files a request, sent again while it is refused for load (503:
// not spooled), ten seconds at most, and returns its reference and token
// ("" when it was not accepted).
func (c *client) filed(ctx context.Context) (string, string) {
	ref, token := c.request(ctx)
	for end := time.Now().Add(10 * time.Second); ref == "" && c.last.Outcome.Status == http.StatusServiceUnavailable && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		ref, token = c.request(ctx)
	}
	return ref, token
}

// write sends a keyed write until an answer settles it: acknowledged
// (true, v decoded, ids filled by fill) or refused (false). A write left
// unsettled when ctx ends, or after a minute of retries, is false too.
func (c *client) write(ctx context.Context, e history.Entry, path string, body, v any, fill func(*history.IDs)) bool {
	e.Client = c.id
	pause := 10 * time.Millisecond
	for end := time.Now().Add(time.Minute); ; {
		got := c.attempt(ctx, e, path, body, v)
		if got.Outcome.Acked() {
			fill(&got.IDs)
		}
		c.log(got)
		c.last = got
		switch {
		case got.Outcome.Acked():
			if e.Op == history.OpBook {
				c.w.booked(got.Sent)
			}
			return true
		case got.Outcome.Refused(), ctx.Err() != nil, time.Now().After(end):
			return false
		}
		c.target = (c.target + 1) % len(c.w.targets)
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// attempt sends one write to the client's target and returns e with
// what it was told; v gets the answer's body when it is a 2xx.
func (c *client) attempt(ctx context.Context, e history.Entry, path string, body, v any) history.Entry {
	return history.Post(ctx, c.http, c.w.targets[c.target]+path, e, body, v)
}

func (c *client) log(e history.Entry) {
	if err := c.rec.Record(e); err != nil {
		select {
		case c.w.errs <- err:
		default:
		}
	}
}

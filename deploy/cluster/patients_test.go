package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"rdv/history"
	"rdv/storetest"
)

// patients are the clients of a fault run on the cluster: each books
// through the edge, from a loopback address of its own, again and again
// as a patient's program does (a hold, then the booking, each with an
// idempotency key, a write whose answer did not come or was a 5xx sent
// again with the same key until an answer settles it), and one files an
// appointment request now and then (the form has no key: it is sent
// once). Every attempt is logged for the checker (package history).
type patients struct {
	edge    string
	clients int
	dir     string

	slots []int64
	next  atomic.Int64 // the next slot to hand out
	marks atomic.Int64 // the last patient's or request's mark

	mu sync.Mutex
	// booked and filed are when each booking and request acknowledged
	// was sent and answered; unsettled, each hold and booking that got
	// no answer or a 5xx.
	booked, filed, unsettled []span
	logs                     []string
	err                      error // the harness's own: a log it could not write
}

// span is when an acknowledged write was sent and answered.
type span struct{ sent, answered time.Time }

func newPatients(edge, dir string, clients int, slots []int64) *patients {
	return &patients{edge: edge, clients: clients, dir: dir, slots: slots}
}

// run books until ctx is done or the slots run out, and files a request
// every requestEvery.
func (p *patients) run(ctx context.Context, requestEvery time.Duration) error {
	var wg sync.WaitGroup
	for i := range p.clients + 1 {
		path := filepath.Join(p.dir, fmt.Sprintf("client-%02d.jsonl", i))
		rec, err := history.Create(path)
		if err != nil {
			return err
		}
		p.logs = append(p.logs, path)
		c := &booker{p: p, id: i, rec: rec, http: client(fmt.Sprintf("127.0.4.%d", i+1), nil)}
		wg.Go(func() {
			defer func() { p.fail(rec.Close()) }()
			if i == p.clients {
				c.requests(ctx, requestEvery)
				return
			}
			c.books(ctx)
		})
	}
	wg.Wait()
	return p.err
}

func (p *patients) fail(err error) {
	if err == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// acknowledged returns how many bookings were acknowledged so far.
func (p *patients) acknowledged() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.booked)
}

// firstBookedAfter returns when the first booking sent at t or later was
// acknowledged, and whether one was.
func (p *patients) firstBookedAfter(t time.Time) (time.Time, bool) {
	return first(&p.mu, &p.booked, t)
}

// firstUnsettledAfter returns when the first hold or booking sent at t
// or later was answered with a 5xx or not at all, and whether one was.
func (p *patients) firstUnsettledAfter(t time.Time) (time.Time, bool) {
	return first(&p.mu, &p.unsettled, t)
}

// firstFiledAfter is firstBookedAfter for appointment requests.
func (p *patients) firstFiledAfter(t time.Time) (time.Time, bool) {
	return first(&p.mu, &p.filed, t)
}

func first(mu *sync.Mutex, spans *[]span, t time.Time) (time.Time, bool) {
	mu.Lock()
	defer mu.Unlock()
	var out time.Time
	for _, s := range *spans {
		if !s.sent.Before(t) && (out.IsZero() || s.answered.Before(out)) {
			out = s.answered
		}
	}
	return out, !out.IsZero()
}

// entries reads back every client's log.
func (p *patients) entries() ([]history.Entry, error) { return history.ReadFiles(p.logs...) }

type booker struct {
	p    *patients
	id   int
	rec  *history.Recorder
	http *http.Client
}

func (c *booker) books(ctx context.Context) {
	for seq := 0; ctx.Err() == nil; seq++ {
		i := int(c.p.next.Add(1) - 1)
		if i >= len(c.p.slots) {
			return
		}
		slot := c.p.slots[i]
		var hold struct {
			HoldID string `json:"hold_id"`
			SlotID int64  `json:"slot_id"`
		}
		e := history.Entry{Op: history.OpHold, Key: fmt.Sprintf("c%02d-h%d", c.id, seq), Slot: slot}
		if !c.write(ctx, e, "/api/v1/holds", map[string]any{"slot_id": slot}, &hold, func(ids *history.IDs) {
			ids.Hold, ids.Slot = hold.HoldID, hold.SlotID
		}) {
			continue
		}
		var appt struct {
			ID   int64 `json:"id"`
			Slot struct {
				ID int64 `json:"id"`
			} `json:"slot"`
		}
		body, mark := c.newPatient()
		e = history.Entry{Op: history.OpBook, Key: fmt.Sprintf("c%02d-b%d", c.id, seq), Slot: slot,
			Request: history.Request{Hold: hold.HoldID, Mark: mark}}
		c.write(ctx, e, "/api/v1/appointments", map[string]any{"hold_id": hold.HoldID, "patient": body}, &appt, func(ids *history.IDs) {
			ids.Appointment, ids.Slot = appt.ID, appt.Slot.ID
		})
		pause(ctx, 20*time.Millisecond)
	}
}

// requests files an appointment request every every: while the
// database is unreachable, the instance's spool takes it.
func (c *booker) requests(ctx context.Context, every time.Duration) {
	for ctx.Err() == nil {
		body, _ := c.newPatient()
		mark := fmt.Sprintf("bascule %d", c.p.marks.Add(1))
		var v struct {
			Reference string `json:"reference"`
		}
		e := history.Entry{Client: c.id, Op: history.OpRequest, Request: history.Request{Mark: mark}}
		e = c.attempt(ctx, e, "/api/v1/requests", map[string]any{"patient": body, "service": "general", "place": "Montréal",
			"radius_km": 25, "availability": mark, "payment_token": "tok-" + mark}, &v)
		e.IDs.Reference = v.Reference
		c.log(e)
		if e.Outcome.Acked() {
			c.p.mu.Lock()
			c.p.filed = append(c.p.filed, span{e.Sent, e.Answered})
			c.p.mu.Unlock()
		}
		pause(ctx, every)
	}
}

// newPatient is a patient of the run whose last name ("Essai N", which
// its health number's letters follow) no other booking has: it finds
// the booking in the database.
func (c *booker) newPatient() (map[string]any, string) {
	n := int(c.p.marks.Add(1))
	p := storetest.TestPatient(n % 20000)
	p.LastName = fmt.Sprintf("Essai %d", n)
	return map[string]any{"first_name": p.FirstName, "last_name": p.LastName, "birth_date": p.BirthDate.String(),
		"health_number": p.HealthNumber, "phone": p.Phone, "language": p.Language}, p.LastName
}

// write sends a keyed write until an answer settles it, and reports
// whether it was acknowledged.
func (c *booker) write(ctx context.Context, e history.Entry, path string, body, v any, fill func(*history.IDs)) bool {
	e.Client = c.id
	wait := 20 * time.Millisecond
	for end := time.Now().Add(2 * time.Minute); ; {
		got := c.attempt(ctx, e, path, body, v)
		if got.Outcome.Acked() {
			fill(&got.IDs)
		}
		c.log(got)
		if got.Outcome.Unknown() && ctx.Err() == nil {
			c.p.mu.Lock()
			c.p.unsettled = append(c.p.unsettled, span{got.Sent, got.Answered})
			c.p.mu.Unlock()
		}
		switch {
		case got.Outcome.Acked():
			if e.Op == history.OpBook {
				c.p.mu.Lock()
				c.p.booked = append(c.p.booked, span{got.Sent, got.Answered})
				c.p.mu.Unlock()
			}
			return true
		case got.Outcome.Refused(), ctx.Err() != nil, time.Now().After(end):
			return false
		}
		pause(ctx, wait)
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// attempt sends one write through the edge and returns e with what it
// was told; v gets a 2xx answer's body.
func (c *booker) attempt(ctx context.Context, e history.Entry, path string, body, v any) history.Entry {
	return history.Post(ctx, c.http, c.p.edge+path, e, body, v)
}

func (c *booker) log(e history.Entry) { c.p.fail(c.rec.Record(e)) }

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Package history is the record of a fault run and its checker: every
// client of the run writes down each request it sent and the answer it
// got (or that none came), one JSON line each; after the run, Check reads
// those lines and the final database and reports every broken promise it
// can prove: a slot booked twice, an acknowledged booking missing, a
// cancellation acknowledged and not done, an idempotency key with two
// effects, a proposal outside its request's criteria, a spooled request
// stored twice or never.
//
// The database is the judge, read through the store's own interface
// (Database, which rdv.Store is), so that one checker serves SQLite and
// PostgreSQL alike and reads what the platform itself would read. The
// history says what the platform promised: only an answer the client got
// binds it. A request without an answer (the instance died, the
// connection was cut) or with a 5xx may or may not have taken effect; a
// 2xx took effect exactly once; a 4xx took none.
//
// Each write a client makes carries a mark that finds its effect in the
// database without trusting the ids the platform gave: a booking's
// patient has a last name of its own, a request an availability text of
// its own. Two appointments with one mark are one key's two effects,
// whatever ids the answers named.
//
// It is its own package because the format of the record and the rules
// of the judgement are one decision, shared by every fault (package
// faults, and the fault tests of the production-shaped cluster), and by
// nothing the platform runs.
package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Op is what a client asked the platform to do.
type Op string

// The operations a fault run's clients log.
const (
	OpHold    Op = "hold"    // POST /api/v1/holds
	OpBook    Op = "book"    // POST /api/v1/appointments
	OpCancel  Op = "cancel"  // POST /api/v1/appointments/{id}/cancel
	OpRequest Op = "request" // POST /api/v1/requests
)

// Entry is one attempt: one HTTP request a client sent and what it was
// told. A retry with the same idempotency key is another entry with the
// same Key.
type Entry struct {
	Client int    `json:"client"`
	Op     Op     `json:"op"`
	Key    string `json:"key,omitempty"` // the Idempotency-Key header sent
	// Slot is the slot held, or the slot of the hold a booking confirms.
	Slot    int64     `json:"slot,omitempty"`
	Request Request   `json:"request"`
	Outcome Outcome   `json:"outcome"`
	IDs     IDs       `json:"ids"`
	Sent    time.Time `json:"sent"`
	// Answered is when the answer (or the failure) came.
	Answered time.Time `json:"answered"`
}

// Request is what an attempt asked, besides the operation and the slot.
type Request struct {
	Hold        string `json:"hold,omitempty"`        // book: the hold confirmed
	Appointment int64  `json:"appointment,omitempty"` // cancel: the appointment cancelled
	// Mark finds the write's effect in the database: the last name of a
	// booking's patient, the availability text of a request. Unique to
	// one write (one key) in a run.
	Mark string `json:"mark,omitempty"`
}

// Outcome is what the client was told.
type Outcome struct {
	Status int    `json:"status,omitempty"` // the HTTP status; 0: no answer
	Code   string `json:"code,omitempty"`   // the API's error code, for an error
	Error  string `json:"error,omitempty"`  // why no answer came
}

// Acked reports whether the platform said the write was done (2xx).
func (o Outcome) Acked() bool { return o.Status >= 200 && o.Status < 300 }

// Refused reports whether the platform said the write was not done
// (4xx): it must have had no effect.
func (o Outcome) Refused() bool { return o.Status >= 400 && o.Status < 500 }

// Unknown reports whether the write may or may not have been done: no
// answer, or a server error (a commit whose answer was lost reads as
// one).
func (o Outcome) Unknown() bool { return !o.Acked() && !o.Refused() }

// IDs are the identifiers an acknowledgement named.
type IDs struct {
	Hold        string `json:"hold,omitempty"`
	Appointment int64  `json:"appointment,omitempty"`
	Reference   string `json:"reference,omitempty"` // a request's
	Slot        int64  `json:"slot,omitempty"`      // the slot the answer names
}

// Recorder appends entries to a log as JSON lines. It is safe for
// concurrent use; each entry is written whole, so a log cut short by a
// crash of the writer loses whole lines at most.
type Recorder struct {
	mu  sync.Mutex
	w   *bufio.Writer
	c   io.Closer
	err error
}

// NewRecorder writes entries to w.
func NewRecorder(w io.Writer) *Recorder {
	r := &Recorder{w: bufio.NewWriter(w)}
	if c, ok := w.(io.Closer); ok {
		r.c = c
	}
	return r
}

// Create returns a recorder writing to a new file at path.
func Create(path string) (*Recorder, error) {
	f, err := os.Create(path) // #nosec G304 -- the run's own log
	if err != nil {
		return nil, fmt.Errorf("create history: %w", err)
	}
	return NewRecorder(f), nil
}

// Record appends e. The first write error is kept and returned by every
// later call, and by Close.
func (r *Recorder) Record(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode history entry: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		_, r.err = r.w.Write(append(b, '\n'))
	}
	return r.err
}

// Close flushes the log and closes what it writes to, if it can be.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = r.w.Flush()
	}
	if r.c != nil {
		if err := r.c.Close(); r.err == nil {
			r.err = err
		}
		r.c = nil
	}
	return r.err
}

// Read parses a log of JSON lines.
func Read(rd io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("history line %d: %w", line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return out, nil
}

// ReadFiles parses the logs at paths, one after another.
func ReadFiles(paths ...string) ([]Entry, error) {
	var out []Entry
	for _, p := range paths {
		f, err := os.Open(p) // #nosec G304 -- the run's own logs
		if err != nil {
			return nil, fmt.Errorf("open history: %w", err)
		}
		es, err := Read(f)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, es...)
	}
	return out, nil
}

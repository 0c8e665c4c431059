package history

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"rdv"
)

// Database is what Check reads of the final database: the read side of
// the store, which rdv.Store is.
type Database interface {
	Clinics(ctx context.Context) ([]rdv.Clinic, error)
	Practitioners(ctx context.Context) ([]rdv.Practitioner, error)
	Agenda(ctx context.Context, clinicID int64, from, to time.Time) ([]rdv.AgendaEntry, error)
	Appointment(ctx context.Context, id int64) (rdv.Appointment, error)
	Requests(ctx context.Context, status rdv.RequestStatus, limit int) ([]rdv.AppointmentRequest, error)
	Proposals(ctx context.Context, requestID int64) ([]rdv.Proposal, error)
}

var _ Database = rdv.Store(nil)

// Span is the time whose slots Check reads: every slot a run could book
// starts in [From, To).
type Span struct{ From, To time.Time }

// Kind names a broken promise.
type Kind string

// What Check reports.
const (
	DoubleBooking Kind = "slot booked twice"
	LostBooking   Kind = "acknowledged booking missing"
	StillActive   Kind = "cancelled booking still active"
	TwoEffects    Kind = "idempotency key with two effects"
	// RefusedDone is a write the platform refused (4xx) that took
	// effect all the same.
	RefusedDone     Kind = "refused write took effect"
	OutsideCriteria Kind = "proposal outside its request's criteria"
	MatchedTwice    Kind = "request matched twice"
	StoredTwice     Kind = "request stored twice"
	NeverStored     Kind = "acknowledged request never stored"
	// SlotState is a slot whose state disagrees with its appointments:
	// booked without one, or free with one (the next hold would book it
	// twice).
	SlotState Kind = "slot state disagrees with its appointments"
)

// Anomaly is one broken promise, with what shows it.
type Anomaly struct {
	Kind   Kind
	Detail string
}

func (a Anomaly) String() string { return string(a.Kind) + ": " + a.Detail }

// Report is Check's verdict.
type Report struct {
	Entries int // attempts logged
	// Acked counts the writes acknowledged, by operation: a key (or a
	// request's mark) counts once, however many attempts it took.
	Acked     map[Op]int
	Anomalies []Anomaly
}

// Count returns how many anomalies of kind k the report holds.
func (r Report) Count(k Kind) int {
	n := 0
	for _, a := range r.Anomalies {
		if a.Kind == k {
			n++
		}
	}
	return n
}

// String lists the counts and the first anomalies, for a test's log.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d attempts; acknowledged: %d holds, %d bookings, %d cancellations, %d requests; %d anomalies",
		r.Entries, r.Acked[OpHold], r.Acked[OpBook], r.Acked[OpCancel], r.Acked[OpRequest], len(r.Anomalies))
	for i, a := range r.Anomalies {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … %d more", len(r.Anomalies)-i)
			break
		}
		b.WriteString("\n  " + a.String())
	}
	return b.String()
}

// Check judges a run: entries are every client's log, db the final
// database, span the time of every slot the run could touch. An error is
// a failure to read the database, not an anomaly.
func Check(ctx context.Context, entries []Entry, db Database, span Span) (Report, error) {
	st, err := readState(ctx, db, span)
	if err != nil {
		return Report{}, err
	}
	c := &checker{st: st, db: db, report: Report{Entries: len(entries), Acked: map[Op]int{}}}
	ws := group(entries)
	// Appointments a cancellation may have ended: acknowledged (checked
	// on its own), or unanswered, which may have been done.
	cancelled := map[int64]bool{}
	for _, w := range ws {
		if w.op == OpCancel && !w.refused() {
			cancelled[w.first.Request.Appointment] = true
		}
	}
	for _, w := range ws {
		if w.acked() {
			c.report.Acked[w.op]++
		}
		switch w.op {
		case OpHold:
			c.sameAnswer(w, func(ids IDs) string { return ids.Hold })
		case OpBook:
			if err := c.booking(ctx, w, cancelled); err != nil {
				return Report{}, err
			}
		case OpCancel:
			c.cancellation(w)
		case OpRequest:
			c.request(w)
		}
	}
	c.slots()
	c.proposals()
	slices.SortStableFunc(c.report.Anomalies, func(a, b Anomaly) int { return cmp.Compare(a.Kind, b.Kind) })
	return c.report, nil
}

// state is what the database holds at the end of the run.
type state struct {
	slots         map[int64]rdv.Slot
	active        map[int64][]rdv.Appointment // by slot: every appointment but the cancelled
	activeByID    map[int64]rdv.Appointment
	activeByMark  map[string][]rdv.Appointment // by the patient's last name
	requests      []rdv.AppointmentRequest
	requestByMark map[string][]rdv.AppointmentRequest // by availability text
	proposals     map[int64][]rdv.Proposal            // by request
	clinics       map[int64]rdv.Clinic
	practitioners map[int64]rdv.Practitioner
}

func readState(ctx context.Context, db Database, span Span) (*state, error) {
	st := &state{slots: map[int64]rdv.Slot{}, active: map[int64][]rdv.Appointment{}, activeByID: map[int64]rdv.Appointment{},
		activeByMark: map[string][]rdv.Appointment{}, requestByMark: map[string][]rdv.AppointmentRequest{},
		proposals: map[int64][]rdv.Proposal{}, clinics: map[int64]rdv.Clinic{}, practitioners: map[int64]rdv.Practitioner{}}
	clinics, err := db.Clinics(ctx)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	ps, err := db.Practitioners(ctx)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	for _, p := range ps {
		st.practitioners[p.ID] = p
	}
	for _, cl := range clinics {
		st.clinics[cl.ID] = cl
		// The agenda lists a slot once per active appointment: a slot
		// booked twice shows twice.
		entries, err := db.Agenda(ctx, cl.ID, span.From, span.To)
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		for _, e := range entries {
			st.slots[e.Slot.ID] = e.Slot
			if a := e.Appointment; a != nil {
				st.active[e.Slot.ID] = append(st.active[e.Slot.ID], *a)
				st.activeByID[a.ID] = *a
				st.activeByMark[a.Patient.LastName] = append(st.activeByMark[a.Patient.LastName], *a)
			}
		}
	}
	if st.requests, err = db.Requests(ctx, "", math.MaxInt32); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	for _, r := range st.requests {
		st.requestByMark[r.Availability] = append(st.requestByMark[r.Availability], r)
		if st.proposals[r.ID], err = db.Proposals(ctx, r.ID); err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
	}
	return st, nil
}

// write is every attempt at one write: the entries of one operation and
// key, or, for requests (which carry no key), of one mark.
type write struct {
	op      Op
	id      string // the key or the mark
	first   Entry
	entries []Entry
}

func (w *write) acked() bool {
	return slices.ContainsFunc(w.entries, func(e Entry) bool { return e.Outcome.Acked() })
}

// refused reports whether every attempt was refused: the write must have
// had no effect.
func (w *write) refused() bool {
	return !slices.ContainsFunc(w.entries, func(e Entry) bool { return !e.Outcome.Refused() })
}

// group gathers the attempts of each write, in the order of their first
// attempt.
func group(entries []Entry) []*write {
	byID := map[string]*write{}
	var out []*write
	for _, e := range entries {
		id := e.Key
		if e.Op == OpRequest || id == "" {
			id = "mark:" + e.Request.Mark
		}
		k := string(e.Op) + "\x00" + id
		w := byID[k]
		if w == nil {
			w = &write{op: e.Op, id: id, first: e}
			byID[k] = w
			out = append(out, w)
		}
		w.entries = append(w.entries, e)
	}
	return out
}

type checker struct {
	st     *state
	db     Database
	report Report
}

func (c *checker) add(k Kind, format string, args ...any) {
	c.report.Anomalies = append(c.report.Anomalies, Anomaly{Kind: k, Detail: fmt.Sprintf(format, args...)})
}

// sameAnswer reports a write whose acknowledgements name different
// things: a replay must answer what the first attempt did.
func (c *checker) sameAnswer(w *write, id func(IDs) string) string {
	var seen []string
	for _, e := range w.entries {
		if e.Outcome.Acked() && !slices.Contains(seen, id(e.IDs)) {
			seen = append(seen, id(e.IDs))
		}
	}
	if len(seen) > 1 {
		c.add(TwoEffects, "%s %s acknowledged %d times with different answers: %v", w.op, w.id, len(seen), seen)
	}
	if len(seen) == 0 {
		return ""
	}
	return seen[0]
}

// booking checks one booking (one key): the patients it named (one
// mark per body sent: a key sent again with another body names another)
// have one active appointment between them at most; a patient whose
// every attempt was refused has none; and the acknowledged appointment
// is active where it was booked, for whom it was booked, unless a
// cancellation of it may have been done.
func (c *checker) booking(ctx context.Context, w *write, cancelled map[int64]bool) error {
	ack := c.sameAnswer(w, func(ids IDs) string { return fmt.Sprint(ids.Appointment) })
	var marks []string
	refused := map[string]bool{} // every attempt with the mark was refused
	acked := w.first
	for _, e := range w.entries {
		m := e.Request.Mark
		if e.Outcome.Acked() && !acked.Outcome.Acked() {
			acked = e
		}
		if m == "" {
			continue
		}
		if !slices.Contains(marks, m) {
			marks = append(marks, m)
			refused[m] = true
		}
		refused[m] = refused[m] && e.Outcome.Refused()
	}
	var found []rdv.Appointment
	for _, m := range marks {
		as := c.st.activeByMark[m]
		found = append(found, as...)
		if refused[m] && len(as) > 0 {
			c.add(RefusedDone, "booking %s (patient %q) was refused but appointment %d is booked for it", w.id, m, as[0].ID)
		}
	}
	if len(found) > 1 {
		c.add(TwoEffects, "booking %s (patients %q): %d active appointments %v", w.id, marks, len(found), appointmentIDs(found))
	}
	if ack == "" {
		return nil
	}
	var id int64
	_, _ = fmt.Sscan(ack, &id)
	if cancelled[id] {
		return nil // cancelled, or maybe: an acknowledged cancellation is checked on its own
	}
	mark, slot := acked.Request.Mark, acked.Slot
	a, ok := c.st.activeByID[id]
	switch {
	case !ok:
		got, err := c.db.Appointment(ctx, id)
		status := "absent"
		switch {
		case err == nil:
			status = string(got.Status)
		case rdv.ErrorCode(err) != rdv.ENOTFOUND:
			return fmt.Errorf("check: %w", err)
		}
		c.add(LostBooking, "appointment %d on slot %d, acknowledged to booking %s, is %s", id, slot, w.id, status)
	case a.Slot.ID != slot || mark != "" && a.Patient.LastName != mark:
		c.add(LostBooking, "appointment %d, acknowledged to booking %s on slot %d for %q, is on slot %d for %q",
			id, w.id, slot, mark, a.Slot.ID, a.Patient.LastName)
	}
	return nil
}

// cancellation checks that an acknowledged cancellation left its
// appointment cancelled.
func (c *checker) cancellation(w *write) {
	c.sameAnswer(w, func(ids IDs) string { return fmt.Sprint(ids.Appointment) })
	id := w.first.Request.Appointment
	if a, ok := c.st.activeByID[id]; ok && w.acked() {
		c.add(StillActive, "appointment %d on slot %d: cancellation %s acknowledged, status %s", id, a.Slot.ID, w.id, a.Status)
	}
}

// request checks that an acknowledged request is stored once, under the
// reference it was given, and that no request is stored twice.
func (c *checker) request(w *write) {
	ref := c.sameAnswer(w, func(ids IDs) string { return ids.Reference })
	stored := c.st.requestByMark[w.first.Request.Mark]
	switch {
	case len(stored) > 1:
		c.add(StoredTwice, "request %q stored %d times: %v", w.id, len(stored), references(stored))
	case ref != "" && len(stored) == 0:
		c.add(NeverStored, "request %q acknowledged as %s is not in the database", w.id, ref)
	case ref != "" && stored[0].Reference != ref:
		c.add(NeverStored, "request %q acknowledged as %s is stored as %s", w.id, ref, stored[0].Reference)
	case ref == "" && w.refused() && len(stored) > 0:
		c.add(RefusedDone, "request %q was refused but is stored as %s", w.id, stored[0].Reference)
	}
}

// slots reports slots booked twice, and slots whose state disagrees with
// their appointments.
func (c *checker) slots() {
	ids := make([]int64, 0, len(c.st.slots))
	for id := range c.st.slots {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s, as := c.st.slots[id], c.st.active[id]
		switch {
		case len(as) > 1:
			c.add(DoubleBooking, "slot %d: appointments %v", id, appointmentIDs(as))
		case len(as) == 1 && s.State != rdv.SlotBooked:
			c.add(SlotState, "slot %d is %s with appointment %d", id, s.State, as[0].ID)
		case len(as) == 0 && s.State == rdv.SlotBooked:
			c.add(SlotState, "slot %d is booked without an appointment", id)
		}
	}
}

// proposals checks every proposal against its request's criteria, by
// the rule the store applies when it makes one (rdv.CheckProposal) as it
// stood then: the request open, the slot free, the time the proposal's.
// A request is matched once at most: one accepted proposal, one live.
func (c *checker) proposals() {
	for _, r := range c.st.requests {
		open := r
		open.Status = rdv.RequestOpen
		accepted, live := 0, 0
		for _, p := range c.st.proposals[r.ID] {
			s := p.Slot
			s.State = rdv.SlotFree
			if err := rdv.CheckProposal(open, s, c.st.clinics[s.ClinicID], c.st.practitioners[s.PractitionerID], p.CreatedAt); err != nil {
				c.add(OutsideCriteria, "proposal %s of request %s (slot %d): %v", p.ID, r.Reference, s.ID, err)
			}
			switch p.Status {
			case rdv.ProposalAccepted:
				accepted++
			case rdv.ProposalLive:
				live++
			}
		}
		if accepted+live > 1 {
			c.add(MatchedTwice, "request %s: %d proposals accepted, %d live", r.Reference, accepted, live)
		}
	}
}

func appointmentIDs(as []rdv.Appointment) []int64 {
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func references(rs []rdv.AppointmentRequest) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Reference
	}
	return out
}

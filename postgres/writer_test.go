package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/audit"
	"rdv/replay"
	"rdv/storetest"
)

// groupFixture is a store with the small network's first week loaded and
// the free public slots of it.
type groupFixture struct {
	t      *testing.T
	s      *Store
	public []int64
	now    time.Time
}

func newGroupFixture(t *testing.T, writers int) *groupFixture {
	t.Helper()
	serverURL(t)
	keys, _ := storetest.NewKeys(t)
	start := rdv.DateOf(time.Now()).AddDays(1)
	n, public := weekNetwork(start)
	s := mustOpen(t, mustCreateDB(t), Options{Keys: keys, Writers: writers})
	storetest.MustLoad(t, s, n)
	return &groupFixture{t: t, s: s, public: public, now: time.Now()}
}

// cmd makes c ready for writer.run, as submit would.
func (f *groupFixture) cmd(c *groupCmd, k *rdv.IdemKey) *groupCmd {
	f.t.Helper()
	c.ctx, c.done = f.t.Context(), make(chan groupResult, 1)
	if k != nil {
		var err error
		if c.rk, err = replay.New(k); err != nil {
			f.t.Fatal(err)
		}
	}
	return c
}

func (f *groupFixture) hold(slot int64, id string) *rdv.HoldRequest {
	return &rdv.HoldRequest{HoldID: id, SlotID: slot, ClientKey: "client " + id, MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: f.now}
}

func (f *groupFixture) confirm(holdID string, p rdv.Patient) *rdv.ConfirmRequest {
	return &rdv.ConfirmRequest{HoldID: holdID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.Web,
		CancelToken: "token " + holdID, CancelTokenHash: "hash " + holdID, Now: f.now, Notify: rdv.Notify{Email: true}, RemindBefore: time.Hour}
}

func (f *groupFixture) wantState(id int64, want rdv.SlotState) {
	f.t.Helper()
	sl, err := f.s.Slot(f.t.Context(), id)
	if err != nil || sl.State != want {
		f.t.Fatalf("slot %d: %+v, %v; want %s", id, sl, err, want)
	}
}

func answer(t *testing.T, c *groupCmd) groupResult {
	t.Helper()
	select {
	case r := <-c.done:
		return r
	default:
		t.Fatal("a member of the group was not answered")
		return groupResult{}
	}
}

func patient(i int) rdv.Patient {
	p := storetest.TestPatient(i)
	p.Email = fmt.Sprintf("essai.%d@example.org", i)
	return p
}

// A group takes the holds the rule allows and books the confirmations of
// live holds, each with what its own transaction would write (the answer
// kept under its key, the outbox's confirmation, the audit trail's
// event); a member the rule refuses is left to run alone, and the others
// are not touched by it.
func TestGroupWritesMembersTogether(t *testing.T) {
	f := newGroupFixture(t, 1)
	w, ctx := f.s.writer, t.Context()
	a := f.cmd(&groupCmd{hold: f.hold(f.public[0], "ha")}, &rdv.IdemKey{Scope: "POST /holds", Key: "ka", BodyHash: "a"})
	b := f.cmd(&groupCmd{hold: f.hold(f.public[1], "hb")}, nil)
	taken := f.cmd(&groupCmd{hold: f.hold(f.public[0], "hc")}, nil)
	// By slot, then in the order they came: a before taken.
	w.run([]*groupCmd{b, a, taken})
	for _, c := range []*groupCmd{a, b} {
		if r := answer(t, c); r.alone || r.err != nil || r.h.ID != c.hold.HoldID || len(r.ch.Taken) != 1 || r.ch.Taken[0].ID != c.hold.SlotID {
			t.Fatalf("hold %s: %+v", c.hold.HoldID, r)
		}
	}
	if r := answer(t, taken); !r.alone {
		t.Fatalf("hold of a slot another member took: %+v, want alone", r)
	}
	f.wantState(f.public[0], rdv.SlotHeld)
	f.wantState(f.public[1], rdv.SlotHeld)
	// The key's answer is kept: the same request replays it.
	h, ch, err := f.s.PlaceHold(ctx, rdv.HoldRequest{HoldID: "again", SlotID: f.public[0], ClientKey: "client ha", MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: f.now,
		Idem: &rdv.IdemKey{Scope: "POST /holds", Key: "ka", BodyHash: "a"}})
	if err != nil || !ch.Replayed || h.ID != "ha" {
		t.Fatalf("replayed hold: %+v, %+v, %v", h, ch, err)
	}

	child := patient(2)
	child.Email = ""
	guardian := patient(3)
	ca := f.cmd(&groupCmd{confirm: f.confirm("ha", patient(1))}, &rdv.IdemKey{Scope: "POST /confirm", Key: "ca", BodyHash: "a"})
	cbReq := f.confirm("hb", child)
	cbReq.Guardian, cbReq.BookedBy, cbReq.Relationship = &guardian, rdv.ByGuardian, rdv.Relationship("parent")
	cb := f.cmd(&groupCmd{confirm: cbReq}, nil)
	unknown := f.cmd(&groupCmd{confirm: f.confirm("no such hold", patient(4))}, nil)
	w.run([]*groupCmd{ca, unknown, cb})
	if r := answer(t, unknown); !r.alone {
		t.Fatalf("confirmation of no hold: %+v, want alone", r)
	}
	results := map[*groupCmd]groupResult{}
	for _, c := range []*groupCmd{ca, cb} {
		r := answer(t, c)
		results[c] = r
		if r.alone || r.err != nil || r.a.ID == 0 || r.a.Patient.ID == 0 {
			t.Fatalf("confirm %s: %+v", c.confirm.HoldID, r)
		}
		got, err := f.s.Appointment(ctx, r.a.ID)
		if err != nil || got.Slot.ID != r.a.Slot.ID || got.Patient.ID != r.a.Patient.ID || got.Patient.LastName != c.confirm.Patient.LastName || got.Status != rdv.Booked {
			t.Fatalf("appointment %d read %+v, %v; the group answered %+v", r.a.ID, got, err, r.a)
		}
		events, err := f.s.AuditEvents(ctx, rdv.AuditQuery{Patients: []int64{r.a.Patient.ID}})
		if err != nil || len(events) != 1 || events[0].Action != rdv.AuditAppointmentBook || events[0].Records.Appointments[0] != r.a.ID {
			t.Fatalf("audit of appointment %d: %+v, %v", r.a.ID, events, err)
		}
		f.wantState(r.a.Slot.ID, rdv.SlotBooked)
	}
	if r := results[cb]; r.a.Guardian == nil || r.a.Guardian.ID == 0 || r.a.Patient.GuardianID != r.a.Guardian.ID {
		t.Fatalf("booking by a guardian: %+v", r.a)
	}
	var messages int
	if err := f.s.pool.QueryRow(ctx, `SELECT count(*) FROM messages WHERE kind = 'confirmed' AND reminder_at IS NOT NULL`).Scan(&messages); err != nil || messages != 2 {
		t.Fatalf("%d confirmations with their reminder queued (%v), want 2", messages, err)
	}
	f.verifyTrail(2)
}

// verifyTrail checks every chain of the audit trail and that it holds n
// entries.
func (f *groupFixture) verifyTrail(n int) {
	f.t.Helper()
	rep, err := audit.Verify(f.t.Context(), f.s)
	if err != nil || rep.Entries != n {
		f.t.Fatalf("audit trail: %d entries, %v; want %d, intact", rep.Entries, err, n)
	}
}

// A group that fails (here a statement the server refuses) writes
// nothing, and every member runs again alone.
func TestGroupFailureRunsEveryMemberAlone(t *testing.T) {
	f := newGroupFixture(t, 1)
	ctx := t.Context()
	if _, _, err := f.s.PlaceHold(ctx, *f.hold(f.public[0], "h1")); err != nil {
		t.Fatal(err)
	}
	// A guardian with the child's own health number: the statement adds
	// the guardian, then cannot add the child under the same index.
	req := f.confirm("h1", patient(1))
	same := req.Patient
	same.FirstName = "Parent"
	req.Guardian, req.BookedBy = &same, rdv.ByGuardian
	bad := f.cmd(&groupCmd{confirm: req}, nil)
	other := f.cmd(&groupCmd{hold: f.hold(f.public[1], "h2")}, nil)
	f.s.writer.run([]*groupCmd{other, bad})
	for _, c := range []*groupCmd{bad, other} {
		if r := answer(t, c); !r.alone {
			t.Fatalf("member of a failed group: %+v, want alone", r)
		}
	}
	f.wantState(f.public[0], rdv.SlotHeld)
	f.wantState(f.public[1], rdv.SlotFree)
	if _, _, err := f.s.PlaceHold(ctx, *other.hold); err != nil {
		t.Fatalf("the hold run alone: %v", err)
	}
	f.wantState(f.public[1], rdv.SlotHeld)
}

// A request sent twice into one group runs the second time alone, after
// the group: it replays the first's answer.
func TestGroupSameKeyTwice(t *testing.T) {
	f := newGroupFixture(t, 1)
	k := &rdv.IdemKey{Scope: "POST /holds", Key: "twice", BodyHash: "slot"}
	first := f.cmd(&groupCmd{hold: f.hold(f.public[0], "first")}, k)
	second := f.cmd(&groupCmd{hold: f.hold(f.public[0], "second")}, k)
	f.s.writer.run([]*groupCmd{first, second})
	if r := answer(t, first); r.alone || r.err != nil || r.h.ID != "first" {
		t.Fatalf("first: %+v", r)
	}
	if r := answer(t, second); !r.alone {
		t.Fatalf("second: %+v, want alone", r)
	}
	req := *second.hold
	req.Idem = k
	h, ch, err := f.s.PlaceHold(t.Context(), req)
	if err != nil || !ch.Replayed || h.ID != "first" {
		t.Fatalf("second run alone: %+v, %+v, %v; want the first's hold replayed", h, ch, err)
	}
}

// Concurrent callers are written in groups, each booking once.
func TestConcurrentBookingsShareGroups(t *testing.T) {
	f := newGroupFixture(t, 2)
	const clients = 40
	ctx := context.WithoutCancel(t.Context())
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, clients)
	booked := make([]rdv.Appointment, clients)
	for i := range clients {
		wg.Go(func() {
			<-start
			h, _, err := f.s.PlaceHold(ctx, *f.hold(f.public[i], fmt.Sprintf("h%d", i)))
			if err != nil {
				errs[i] = err
				return
			}
			booked[i], _, errs[i] = f.s.ConfirmHold(ctx, *f.confirm(h.ID, patient(i)))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if booked[i].Slot.ID != f.public[i] {
			t.Fatalf("client %d booked slot %d, asked for %d", i, booked[i].Slot.ID, f.public[i])
		}
	}
	w := f.s.writer
	if groups, members := w.groups.Load(), w.members.Load(); groups >= members || w.alone.Load() != 0 {
		t.Fatalf("%d writes in %d groups, %d alone; want fewer groups than writes, none alone", members, groups, w.alone.Load())
	}
	f.verifyTrail(clients)
}

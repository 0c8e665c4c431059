package storetest

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/audit"
	"rdv/auth"
)

// AuditTamperer is what a store handed to Run offers so that the suite can
// play an attacker who holds the database's credentials.
type AuditTamperer interface {
	// AuditSQL runs one statement on the store's database, "?" standing
	// for each argument. With bypass the triggers that keep the trail
	// append-only are off for it, as an attacker would turn them off.
	AuditSQL(t *testing.T, bypass bool, query string, args ...any) error
}

// runAudit runs the suite of the audit trail: the events the changes
// write in their own transactions, the reads recorded, the search, and
// tampering that verification must catch.
func runAudit(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"ChangesWriteEvents", testAuditChanges},
		{"FailedChangeWritesNone", testAuditFailedChange},
		{"RosterChangesWriteEvents", testAuditRoster},
		{"ReadsRecordedAndSearched", testAuditSearch},
		{"ConcurrentAppendsChain", testAuditConcurrent},
		{"AppendOnly", testAuditAppendOnly},
		{"ChangedEntryFound", testAuditChanged},
		{"RemovedEntryFound", testAuditRemoved},
		{"RemovedLastEntryFound", testAuditRemovedLast},
		{"InsertedEntryFound", testAuditInserted},
		{"ReorderedEntriesFound", testAuditReordered},
		{"RequestsWriteEvents", testAuditRequests},
		{"PlatformWritesEvents", testAuditPlatform},
		{"WaitlistWritesEvents", patients(testAuditWaitlist)},
		{"AccountWritesEvents", patients(testAuditAccount)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newFixture(t, open))
		})
	}
}

// actAs makes the fixture's calls from now on in the name of a; the zero
// Actor is none (the platform).
func (f *fixture) actAs(a rdv.Actor) {
	f.ctx = f.t.Context()
	if a != (rdv.Actor{}) {
		f.ctx = rdv.WithActor(f.ctx, a)
	}
}

// events returns the trail's events that q finds, oldest first.
func (f *fixture) events(q rdv.AuditQuery) []rdv.AuditEvent {
	f.t.Helper()
	es, err := f.store.AuditEvents(f.ctx, q)
	if err != nil {
		f.t.Fatalf("search audit trail: %v", err)
	}
	slices.Reverse(es)
	return es
}

// mustVerify fails the test unless the trail verifies, and returns how
// many entries it holds.
func (f *fixture) mustVerify() int {
	f.t.Helper()
	rep, err := audit.Verify(f.ctx, f.store)
	if err != nil {
		f.t.Fatalf("verify audit trail: %v", err)
	}
	return rep.Entries
}

func testAuditChanges(t *testing.T, f *fixture) {
	patient := rdv.Actor{Kind: rdv.ActorPatient, ID: 7, Address: "203.0.113.9"}
	staff := rdv.Actor{Kind: rdv.ActorStaff, ID: 3, Address: "198.51.100.4"}
	ids := f.freePublic(2)
	f.actAs(patient)
	a := f.mustBook(ids[0])
	h := f.mustHold(ids[1], "client-r")
	moved, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), HoldID: h.ID, Now: f.now})
	if err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	f.actAs(staff)
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: moved.ID, ByStaff: true, ClinicID: moved.Slot.ClinicID, Now: f.now}); err != nil {
		t.Fatalf("cancel by staff: %v", err)
	}
	got := f.events(rdv.AuditQuery{Patients: []int64{a.Patient.ID}})
	want := []struct {
		action rdv.AuditAction
		actor  rdv.Actor
	}{
		{rdv.AuditAppointmentBook, patient},
		{rdv.AuditAppointmentMove, patient},
		{rdv.AuditAppointmentCancel, staff},
	}
	if len(got) != len(want) {
		t.Fatalf("events of patient %d: %d (%v), want %d", a.Patient.ID, len(got), got, len(want))
	}
	for i, w := range want {
		e := got[i]
		if e.Action != w.action || e.Actor != w.actor {
			t.Errorf("event %d: %s by %+v, want %s by %+v", i, e.Action, e.Actor, w.action, w.actor)
		}
		if !slices.Equal(e.Records.Appointments, []int64{a.ID}) || !slices.Equal(e.Records.Patients, []int64{a.Patient.ID}) {
			t.Errorf("event %d names %v, want appointment %d of patient %d", i, e.Records, a.ID, a.Patient.ID)
		}
		if !e.At.Equal(f.now) {
			t.Errorf("event %d at %v, want %v", i, e.At, f.now)
		}
	}
	// Without an actor in the context, the platform acted.
	f.actAs(rdv.Actor{})
	b := f.mustBook(f.freePublic(3)[2])
	if es := f.events(rdv.AuditQuery{Patients: []int64{b.Patient.ID}}); len(es) != 1 || es[0].Actor.Kind != rdv.ActorSystem {
		t.Errorf("booking without an actor: events %+v, want one by the system", es)
	}
	if n := f.mustVerify(); n != 4 {
		t.Errorf("trail holds %d entries, want 4", n)
	}
}

// testAuditRoster: the desk registering a patient and ending it are on
// the trail, naming the patient, by the desk's account.
func testAuditRoster(t *testing.T, f *fixture) {
	desk := rdv.Actor{Kind: rdv.ActorStaff, ID: 5, Address: "192.0.2.5"}
	f.actAs(desk)
	p := TestPatient(77)
	e, err := f.store.AddToRoster(f.ctx, rdv.RosterEntry{ClinicID: 1, FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate,
		HealthNumber: p.HealthNumber, AddedAt: f.now})
	if err != nil {
		t.Fatalf("add to roster: %v", err)
	}
	if err := f.store.RemoveFromRoster(f.ctx, 1, e.PatientID); err != nil {
		t.Fatalf("remove from roster: %v", err)
	}
	es := f.events(rdv.AuditQuery{Patients: []int64{e.PatientID}})
	if len(es) != 2 || es[0].Action != rdv.AuditRosterChange || es[1].Action != rdv.AuditRosterChange || es[0].Actor != desk {
		t.Fatalf("events of the registered patient: %+v, want two roster changes by the desk", es)
	}
	f.mustVerify()
}

func testAuditFailedChange(t *testing.T, f *fixture) {
	id := f.freePublic(1)[0]
	h := f.mustHold(id, "client-x")
	r := f.confirmReq(h.ID, TestPatient(1))
	r.Now = f.now.Add(time.Hour) // the hold ran out
	if _, _, err := f.store.ConfirmHold(f.ctx, r); err == nil {
		t.Fatal("confirming an expired hold passed")
	}
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: 999999, TokenHash: "x", Now: f.now}); err == nil {
		t.Fatal("cancelling no appointment passed")
	}
	if es := f.events(rdv.AuditQuery{}); len(es) != 0 {
		t.Fatalf("failed writes left events: %+v", es)
	}
	f.mustVerify()
}

func testAuditSearch(t *testing.T, f *fixture) {
	agent := rdv.Actor{Kind: rdv.ActorStaff, ID: 11, Address: "192.0.2.1"}
	desk := rdv.Actor{Kind: rdv.ActorStaff, ID: 12, Address: "192.0.2.2"}
	read := func(actor rdv.Actor, action rdv.AuditAction, r rdv.AuditRecords, at time.Time) {
		t.Helper()
		if err := f.store.RecordAudit(f.ctx, rdv.NewAuditEvent(rdv.WithActor(f.ctx, actor), action, r, at)); err != nil {
			t.Fatalf("record %s: %v", action, err)
		}
	}
	day := f.now
	read(desk, rdv.AuditAgendaRead, rdv.AuditRecords{Patients: []int64{5, 6, 5}, Appointments: []int64{50, 60}}, day)
	read(agent, rdv.AuditRequestsRead, rdv.AuditRecords{Requests: []int64{3, 4}}, day.Add(time.Hour))
	read(desk, rdv.AuditAgendaExport, rdv.AuditRecords{Patients: []int64{6}, Appointments: []int64{60}}, day.Add(2*time.Hour))
	read(agent, rdv.AuditAppointmentRead, rdv.AuditRecords{Patients: []int64{7}, Appointments: []int64{70}}, day.Add(3*time.Hour))

	actions := func(es []rdv.AuditEvent) string {
		var s []string
		for _, e := range es {
			s = append(s, string(e.Action))
		}
		return strings.Join(s, " ")
	}
	cases := []struct {
		name string
		q    rdv.AuditQuery
		want string
	}{
		{"all", rdv.AuditQuery{}, "agenda.read requests.read agenda.export appointment.read"},
		{"by patient", rdv.AuditQuery{Patients: []int64{6}}, "agenda.read agenda.export"},
		{"by patients", rdv.AuditQuery{Patients: []int64{5, 7}}, "agenda.read appointment.read"},
		{"by account", rdv.AuditQuery{ActorKind: rdv.ActorStaff, ActorID: 11}, "requests.read appointment.read"},
		{"by action", rdv.AuditQuery{Action: rdv.AuditAgendaExport}, "agenda.export"},
		{"by time", rdv.AuditQuery{From: day.Add(time.Hour), To: day.Add(3 * time.Hour)}, "requests.read agenda.export"},
		{"limited", rdv.AuditQuery{Limit: 2}, "agenda.export appointment.read"},
	}
	for _, c := range cases {
		if got := actions(f.events(c.q)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	all := f.events(rdv.AuditQuery{})
	older := f.events(rdv.AuditQuery{Before: all[2].ID})
	if got := actions(older); got != "agenda.read requests.read" {
		t.Errorf("page before entry %d: %q", all[2].ID, got)
	}
	e := all[0]
	if e.Actor != desk || !slices.Equal(e.Records.Patients, []int64{5, 6}) || !e.At.Equal(day) {
		t.Errorf("first event read back as %+v", e)
	}
	f.mustVerify()
}

// testAuditConcurrent appends from many goroutines at once: every entry
// lands in a chain that still verifies.
func testAuditConcurrent(t *testing.T, f *fixture) {
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := rdv.WithActor(f.ctx, rdv.Actor{Kind: rdv.ActorStaff, ID: int64(i + 1)})
			errs <- f.store.RecordAudit(ctx, rdv.NewAuditEvent(ctx, rdv.AuditAgendaRead, rdv.AuditRecords{Patients: []int64{int64(i + 1)}}, f.now))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	if got := f.mustVerify(); got != n {
		t.Fatalf("trail holds %d entries, want %d", got, n)
	}
}

// tamperer returns the fixture's store as an AuditTamperer.
func (f *fixture) tamperer() AuditTamperer {
	f.t.Helper()
	tm, ok := f.store.(AuditTamperer)
	if !ok {
		f.t.Fatalf("%T does not implement storetest.AuditTamperer", f.store)
	}
	return tm
}

func (f *fixture) tamper(query string, args ...any) {
	f.t.Helper()
	if err := f.tamperer().AuditSQL(f.t, true, query, args...); err != nil {
		f.t.Fatalf("tamper %q: %v", query, err)
	}
}

// trail records n reads and returns the trail's entries in one chain's
// order, with that chain's ID.
func (f *fixture) trail(n int) []rdv.AuditEvent {
	f.t.Helper()
	for i := range n {
		ctx := rdv.WithActor(f.ctx, rdv.Actor{Kind: rdv.ActorStaff, ID: 21, Address: "192.0.2.7"})
		if err := f.store.RecordAudit(ctx, rdv.NewAuditEvent(ctx, rdv.AuditAgendaRead, rdv.AuditRecords{Patients: []int64{int64(100 + i)}}, f.now.Add(time.Duration(i)*time.Minute))); err != nil {
			f.t.Fatalf("record: %v", err)
		}
	}
	// The longest chain: on a store of several, reads spread at random.
	heads, err := f.store.AuditHeads(f.ctx)
	if err != nil {
		f.t.Fatalf("audit heads: %v", err)
	}
	best := slices.MaxFunc(heads, func(a, b rdv.AuditHead) int { return int(a.Seq - b.Seq) })
	var es []rdv.AuditEvent
	if _, err := f.store.WalkAuditChain(f.ctx, best.Chain, func(e rdv.AuditEvent) error {
		es = append(es, e)
		return nil
	}); err != nil {
		f.t.Fatalf("walk chain %d: %v", best.Chain, err)
	}
	if len(es) < 3 {
		f.t.Skipf("the longest chain holds %d entries of %d, too few to tamper with", len(es), n)
	}
	return es
}

// wantProblem fails the test unless verification names entry id (0: a
// chain's end) with a message that contains what.
func (f *fixture) wantProblem(id int64, what string) {
	f.t.Helper()
	_, err := audit.Verify(f.ctx, f.store)
	var p *audit.Problem
	if !errors.As(err, &p) {
		f.t.Fatalf("verify after tampering: %v, want a problem", err)
	}
	if p.ID != id || !strings.Contains(p.What, what) {
		f.t.Fatalf("verify found %v, want entry %d: ...%s...", p, id, what)
	}
}

func testAuditAppendOnly(t *testing.T, f *fixture) {
	es := f.trail(3)
	tm := f.tamperer()
	if err := tm.AuditSQL(t, false, `UPDATE audit_events SET action = 'x' WHERE id = ?`, es[1].ID); err == nil {
		t.Error("an entry was changed past the triggers")
	}
	if err := tm.AuditSQL(t, false, `DELETE FROM audit_events WHERE id = ?`, es[1].ID); err == nil {
		t.Error("an entry was deleted past the triggers")
	}
	f.mustVerify()
}

func testAuditChanged(t *testing.T, f *fixture) {
	es := f.trail(60)
	f.tamper(`UPDATE audit_events SET actor_id = 99 WHERE id = ?`, es[1].ID)
	f.wantProblem(es[1].ID, "content does not match")
}

func testAuditRemoved(t *testing.T, f *fixture) {
	es := f.trail(60)
	f.tamper(`DELETE FROM audit_events WHERE id = ?`, es[1].ID)
	f.wantProblem(es[2].ID, "removed, inserted or moved")
}

func testAuditRemovedLast(t *testing.T, f *fixture) {
	es := f.trail(60)
	f.tamper(`DELETE FROM audit_events WHERE id = ?`, es[len(es)-1].ID)
	f.wantProblem(0, "removed at the end")
}

// testAuditInserted slips in an entry that a careful attacker sealed
// right: it links to the entry before it, and later entries make room.
func testAuditInserted(t *testing.T, f *fixture) {
	es := f.trail(60)
	fake := rdv.AuditEvent{Chain: es[0].Chain, At: es[0].At, Actor: rdv.Actor{Kind: rdv.ActorSystem},
		Action: rdv.AuditAgendaRead, Records: rdv.AuditRecords{Patients: []int64{1}}}
	audit.Seal(&fake, &rdv.AuditHead{Chain: es[0].Chain, Seq: es[0].Seq, Hash: es[0].Hash})
	// Make room by moving every later entry one place on (from the last,
	// so that no two entries share a place meanwhile).
	for i := len(es) - 1; i >= 1; i-- {
		f.tamper(`UPDATE audit_events SET seq = seq + 1 WHERE id = ?`, es[i].ID)
	}
	f.tamper(`INSERT INTO audit_events (chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash)
		SELECT chain, ?, at, 'system', 0, '', 'agenda.read', 'p:1', ?, ? FROM audit_events WHERE id = ?`,
		fake.Seq, fake.PrevHash, fake.Hash, es[0].ID)
	f.tamper(`UPDATE audit_heads SET seq = seq + 1 WHERE chain = ?`, es[0].Chain)
	f.wantProblem(es[1].ID, "removed, inserted or moved")
}

func testAuditReordered(t *testing.T, f *fixture) {
	es := f.trail(60)
	f.tamper(`UPDATE audit_events SET seq = ? WHERE id = ?`, es[2].Seq, es[1].ID)
	f.tamper(`UPDATE audit_events SET seq = ? WHERE id = ?`, es[1].Seq, es[2].ID)
	f.wantProblem(es[2].ID, "removed, inserted or moved")
}

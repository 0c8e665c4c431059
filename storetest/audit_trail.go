package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// The changes of patient data beyond bookings that write their audit
// event in their own transaction: requests filed, answered, withdrawn and
// closed; the waitlist's moves; an account's people and details; a
// sign-in that makes an account or joins bookings to it. Each writes
// exactly its event (who, what, which records); a replay or a refused
// write writes none; the chain verifies after them.

// patients runs a test of patient accounts in the audit suite.
func patients(fn func(t *testing.T, f *patientsFixture)) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		fn(t, &patientsFixture{fixture: f, key: []byte("fedcba9876543210fedcba9876543210")})
	}
}

// trailFrom returns the trail's events after the first skip, oldest
// first, each as "action kind:id records".
func (f *fixture) trailFrom(skip int) []string {
	f.t.Helper()
	es := f.events(rdv.AuditQuery{})
	if skip > len(es) {
		f.t.Fatalf("the trail holds %d events, fewer than the %d seen before", len(es), skip)
	}
	var out []string
	for _, e := range es[skip:] {
		out = append(out, trailLine(e.Action, e.Actor, e.Records))
	}
	return out
}

func trailLine(action rdv.AuditAction, a rdv.Actor, r rdv.AuditRecords) string {
	return string(action) + " " + string(a.Kind) + ":" + strconv.FormatInt(a.ID, 10) + " " + r.String()
}

// wantTrail fails the test unless the events after the first skip are
// want, in order, and returns how many events the trail holds.
func (f *fixture) wantTrail(what string, skip int, want ...string) int {
	f.t.Helper()
	got := f.trailFrom(skip)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		f.t.Fatalf("%s: the trail's new events\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	return skip + len(got)
}

// testAuditRequests: a request filed, a proposal declined then accepted
// (the booking it makes), another request withdrawn, one closed by an
// agent and one booked for by an agent: each its one event, by its
// actor, naming its records; replays and refusals none.
func testAuditRequests(t *testing.T, f *fixture) {
	visitor := rdv.Actor{Kind: rdv.ActorVisitor, Address: "203.0.113.1"}
	link := rdv.Actor{Kind: rdv.ActorLink, Address: "203.0.113.2"}
	agent := rdv.Actor{Kind: rdv.ActorStaff, ID: 4, Address: "198.51.100.4"}
	slots := f.clinicSlots()

	f.actAs(visitor)
	r := f.addMatchRequest("D-AUDIT", nil)
	gone := f.addMatchRequest("D-AUDIT-GONE", nil)
	f.addMatchRequest("D-AUDIT", nil) // a replay (the spool's, after a crash)
	n := f.wantTrail("requests filed", 0,
		trailLine(rdv.AuditRequestFile, visitor, rdv.RequestRecords(r)),
		trailLine(rdv.AuditRequestFile, visitor, rdv.RequestRecords(gone)))
	if e := f.events(rdv.AuditQuery{})[0]; e.Actor != visitor || !e.At.Equal(r.ReceivedAt) {
		t.Fatalf("request filed: event by %+v at %v, want by %+v at its reception %v", e.Actor, e.At, visitor, r.ReceivedAt)
	}

	// The matcher proposes, in the platform's name; the person declines
	// through the link, then accepts the next.
	system := rdv.Actor{Kind: rdv.ActorSystem}
	f.actAs(rdv.Actor{})
	p := f.mustPropose(r.ID, slots[0].ID)
	n = f.wantTrail("proposal made", n, trailLine(rdv.AuditProposalMake, system, rdv.RequestRecords(r)))
	f.actAs(link)
	answer := rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash, ProposalID: p.ID, Now: f.now}
	if _, _, err := f.store.DeclineProposal(f.ctx, answer); err != nil {
		t.Fatalf("decline: %v", err)
	}
	if _, _, err := f.store.DeclineProposal(f.ctx, answer); err != nil {
		t.Fatalf("decline again: %v", err)
	}
	bad := answer
	bad.TokenHash = auth.HashToken("not the token")
	if _, _, err := f.store.DeclineProposal(f.ctx, bad); err == nil {
		t.Fatal("a decline with a wrong token passed")
	}
	n = f.wantTrail("proposal declined", n, trailLine(rdv.AuditProposalDecline, link, rdv.RequestRecords(r)))

	f.actAs(rdv.Actor{})
	p = f.mustPropose(r.ID, slots[1].ID)
	n = f.wantTrail("second proposal made", n, trailLine(rdv.AuditProposalMake, system, rdv.RequestRecords(r)))
	f.actAs(link)
	a, err := f.accept(r, p.ID)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if _, err := f.accept(r, p.ID); err != nil {
		t.Fatalf("accept again: %v", err)
	}
	booked := rdv.AppointmentRecords(a).With(rdv.RequestRecords(r))
	if len(booked.Patients) != 1 || len(booked.Appointments) != 1 || len(booked.Requests) != 1 {
		t.Fatalf("records of the booking %v, want its patient, appointment and request", booked)
	}
	n = f.wantTrail("proposal accepted", n, trailLine(rdv.AuditProposalAccept, link, booked))

	// Withdrawn at its person's word, once; an agent closes a third and
	// books for a fourth.
	withdraw := rdv.WithdrawRequestInput{Reference: gone.Reference, TokenHash: gone.TokenHash, Now: f.now}
	if _, _, err := f.store.WithdrawRequest(f.ctx, withdraw); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if _, _, err := f.store.WithdrawRequest(f.ctx, withdraw); err != nil {
		t.Fatalf("withdraw again: %v", err)
	}
	f.actAs(visitor)
	closed := f.addMatchRequest("D-AUDIT-CLOSED", nil)
	forAgent := f.addMatchRequest("D-AUDIT-AGENT", nil)
	f.actAs(agent)
	if _, err := f.store.CloseRequest(f.ctx, rdv.CloseRequestInput{ID: closed.ID, Reason: rdv.CloseUnreachable, By: agent.ID, Now: f.now}); err != nil {
		t.Fatalf("close: %v", err)
	}
	h := f.mustHold(slots[2].ID, "agent")
	cr := f.confirmReq(h.ID, TestPatient(3))
	cr.BookedBy, cr.Channel, cr.ForRequest = rdv.ByAgent, rdv.Phone, forAgent.ID
	forIt, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("book for request %d: %v", forAgent.ID, err)
	}
	n = f.wantTrail("withdrawn, closed, booked for", n,
		trailLine(rdv.AuditRequestWithdraw, link, rdv.RequestRecords(gone)),
		trailLine(rdv.AuditRequestFile, visitor, rdv.RequestRecords(closed)),
		trailLine(rdv.AuditRequestFile, visitor, rdv.RequestRecords(forAgent)),
		trailLine(rdv.AuditRequestClose, agent, rdv.RequestRecords(closed)),
		trailLine(rdv.AuditAppointmentBook, agent, rdv.AppointmentRecords(forIt).With(rdv.RequestRecords(forAgent))))
	if got := f.mustVerify(); got != n {
		t.Fatalf("the chain verifies %d entries, want %d", got, n)
	}
}

// testAuditWaitlist: a place on the waitlist filed names its appointment
// and patient; its proposal, made by the platform, the request and the
// appointment it would move; accepting it names the move's appointment,
// patient and request.
func testAuditWaitlist(t *testing.T, f *patientsFixture) {
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	a := f.lateAppointment(acc)
	n := len(f.events(rdv.AuditQuery{}))
	holder := rdv.Actor{Kind: rdv.ActorPatient, ID: acc.ID, Address: "192.0.2.8"}
	f.actAs(holder)
	r := f.mustWaitlist(acc, a, "W-AUDIT", false)
	f.actAs(rdv.Actor{})
	p := f.mustPropose(r.ID, f.earlier(2, 3).ID)
	f.actAs(holder)
	moved, _, err := f.store.AcceptProposal(f.ctx, rdv.AcceptProposalRequest{Reference: r.Reference,
		TokenHash: r.TokenHash, ProposalID: p.ID, Now: f.now})
	if err != nil {
		t.Fatalf("accept the move: %v", err)
	}
	if moved.ID != a.ID {
		t.Fatalf("the move answered appointment %d, want %d", moved.ID, a.ID)
	}
	of := rdv.AppointmentRecords(a)
	n = f.wantTrail("waitlist", n,
		trailLine(rdv.AuditRequestFile, holder, rdv.RequestRecords(r).With(of)),
		trailLine(rdv.AuditProposalMake, rdv.Actor{Kind: rdv.ActorSystem}, rdv.RequestRecords(r)),
		trailLine(rdv.AuditProposalAccept, holder, rdv.RequestRecords(r).With(of)))
	if got := f.fixture.mustVerify(); got != n {
		t.Fatalf("the chain verifies %d entries, want %d", got, n)
	}
}

// testAuditAccount: a sign-in that makes an account, or joins bookings
// made with its contact, is the account's; its people added, changed and
// removed, and its settings, name the account (and the person).
func testAuditAccount(t *testing.T, f *patientsFixture) {
	guest := TestPatient(70)
	guest.Email = "lea@example.org"
	booked := f.book(f.freePublic(1)[0], guest, nil)
	n := len(f.events(rdv.AuditQuery{}))

	f.actAs(rdv.Actor{Kind: rdv.ActorVisitor, Address: "192.0.2.9"})
	acc := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	f.mustSignIn(rdv.ByEmail, "lea@example.org") // nothing new: no event
	other := f.mustSignIn(rdv.ByEmail, "noe@example.org")
	holder := rdv.Actor{Kind: rdv.ActorPatient, ID: acc.ID, Address: "192.0.2.9"}
	n = f.wantTrail("sign-in", n,
		trailLine(rdv.AuditAccountJoin, holder, rdv.AppointmentRecords(booked).With(rdv.AuditRecords{Accounts: []int64{acc.ID}})),
		trailLine(rdv.AuditAccountJoin, rdv.Actor{Kind: rdv.ActorPatient, ID: other.ID, Address: "192.0.2.9"}, rdv.AuditRecords{Accounts: []int64{other.ID}}))

	f.actAs(holder)
	kid := f.mustSavePerson(f.person(acc.ID, child(), rdv.Parent))
	kid.FirstName = "Zoée"
	f.mustSavePerson(kid)
	if err := f.store.RemovePerson(f.ctx, acc.ID, kid.ID); err != nil {
		t.Fatalf("remove person: %v", err)
	}
	if err := f.store.RemovePerson(f.ctx, acc.ID, kid.ID); err == nil {
		t.Fatal("removing a removed person passed")
	}
	if _, err := f.store.SavePerson(f.ctx, rdv.Person{ID: kid.ID, AccountID: other.ID, FirstName: "X", LastName: "Y",
		BirthDate: child().BirthDate, Relationship: rdv.Parent, CreatedAt: f.now}); err == nil {
		t.Fatal("changing another account's person passed")
	}
	acc.Language = "en"
	if err := f.store.UpdatePatientAccount(f.ctx, acc); err != nil {
		t.Fatalf("update account: %v", err)
	}
	person := rdv.PeopleRecords(acc.ID, kid)
	n = f.wantTrail("people and settings", n,
		trailLine(rdv.AuditPersonChange, holder, person),
		trailLine(rdv.AuditPersonChange, holder, person),
		trailLine(rdv.AuditPersonChange, holder, person),
		trailLine(rdv.AuditAccountChange, holder, rdv.AuditRecords{Accounts: []int64{acc.ID}}))
	if got := f.fixture.mustVerify(); got != n {
		t.Fatalf("the chain verifies %d entries, want %d", got, n)
	}
}

// testAuditPlatform: what the platform does to patient data on its own
// is on the trail in its name, each change its event: proposals made (in
// a matcher's round too, a refused one none), proposals unanswered in
// time, requests ended unmatched, the notices of an outage; and an
// operator's sending of a message again, in the operator's name.
func testAuditPlatform(t *testing.T, f *fixture) {
	system := rdv.Actor{Kind: rdv.ActorSystem}
	operator := rdv.Actor{Kind: rdv.ActorStaff, ID: 9, Address: "198.51.100.9"}
	slots := f.clinicSlots()
	a := f.addMatchRequest("D-PLATFORM-A", nil)
	b := f.addMatchRequest("D-PLATFORM-B", nil)
	n := len(f.trailFrom(0))

	f.actAs(rdv.Actor{})
	round := []rdv.ProposeRequest{
		{RequestID: a.ID, SlotID: slots[0].ID},
		{RequestID: b.ID, SlotID: slots[0].ID}, // the same slot: refused
		{RequestID: b.ID, SlotID: slots[1].ID},
	}
	for i := range round {
		round[i].ProposalID, round[i].TTL, round[i].Now = f.nextID("p"), rdv.DefaultProposalTTL, f.now
	}
	res := f.store.ProposeAll(f.ctx, round)
	if res[0].Err != nil || res[1].Err == nil || res[2].Err != nil {
		t.Fatalf("round: %v, %v, %v; want the second alone refused", res[0].Err, res[1].Err, res[2].Err)
	}
	n = f.wantTrail("a round's proposals", n,
		trailLine(rdv.AuditProposalMake, system, rdv.RequestRecords(a)),
		trailLine(rdv.AuditProposalMake, system, rdv.RequestRecords(b)))

	later := f.now.Add(rdv.DefaultProposalTTL + time.Minute)
	opened, _, err := f.store.ExpireProposals(f.ctx, later)
	if err != nil || len(opened) != 2 {
		t.Fatalf("expire proposals: %v, %v; want both requests open again", opened, err)
	}
	if _, _, err := f.store.ExpireProposals(f.ctx, later); err != nil {
		t.Fatalf("expire proposals again: %v", err)
	}
	n = f.wantTrail("proposals ran out", n, trailLine(rdv.AuditProposalExpire, system, rdv.RequestIDRecords(a.ID, b.ID)))

	if ended, err := f.store.ExpireRequests(f.ctx, a.To.Add(time.Minute)); err != nil || ended < 2 {
		t.Fatalf("expire requests: %d, %v; want both ended", ended, err)
	}
	es := f.events(rdv.AuditQuery{})
	if len(es) != n+1 || es[n].Action != rdv.AuditRequestExpire || es[n].Actor != system ||
		!slices.Contains(es[n].Records.Requests, a.ID) || !slices.Contains(es[n].Records.Requests, b.ID) {
		t.Fatalf("requests ended: the trail's new events %v, want one %s naming %d and %d", f.trailFrom(n), rdv.AuditRequestExpire, a.ID, b.ID)
	}

	told := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{Email: true} })
	n = len(f.trailFrom(0))
	f.actAs(operator)
	in := rdv.Incident{ClinicIDs: []int64{told.Slot.ClinicID}, From: told.Slot.Start, To: told.Slot.End, TextFR: "Panne.", TextEN: "Outage.",
		DeclaredAt: f.now}
	if out, err := f.store.DeclareIncident(f.ctx, in); err != nil || out.Notified != 1 {
		t.Fatalf("declare incident: %+v, %v; want one notice", out, err)
	}
	f.wantTrail("an outage's notices", n, trailLine(rdv.AuditIncidentNotify, operator, rdv.AppointmentRecords(told)))

	confirmation := f.messages(told.ID)[0]
	f.deliver(confirmation.ID, rdv.MessageBounced)
	n = len(f.trailFrom(0))
	if err := f.store.Resend(f.ctx, confirmation.ID, f.now); err != nil {
		t.Fatalf("resend: %v", err)
	}
	f.wantTrail("a message sent again", n, trailLine(rdv.AuditMessageResend, operator, rdv.AuditRecords{Appointments: []int64{told.ID}}))
}

package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runProposals is the conformance suite of rdv.ProposalStore: a slot held
// for a request, and its answers and ends, each one transaction.
func runProposals(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"ProposeAndAccept", testProposeAndAccept},
		{"DeclineFreesTheSlotForGood", testDeclineProposal},
		{"ExpireProposalsAndRequests", testExpireProposals},
		{"ProposeOnlyWithinCriteria", testProposeWithinCriteria},
		{"OwnClinicRoster", testProposeOwnClinic},
		{"Withdraw", testWithdrawRequest},
		{"TokenGuardsAnswers", testProposalToken},
		{"MessagesCarryTheProposalsToken", testProposalMessages},
		{"RaceOneProposalPerSlotAndRequest", testRaceProposals},
		{"ProposeAfterOthers", testProposeAfter},
		{"ProposeAll", testProposeAll},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newFixture(t, open)) })
	}
}

// MatchRequest returns a request the matcher works: general consultations
// within 5 km of the Plateau clinic (clinic 1 of SmallNetwork, Laval is
// farther), any day and time of the network's three days from now, on the
// network, with token ref+"-token".
func MatchRequest(ref string, now time.Time) rdv.AppointmentRequest {
	r := SampleRequest(ref, now)
	r.Lat, r.Lon, r.RadiusKm = 45.5236, -73.5800, 5
	r.From, r.To = now, Start.AddDays(3).Start(rdv.Toronto)
	r.Scope = rdv.ScopeNetwork
	r.TokenHash = auth.HashToken(RequestToken(ref))
	return r
}

// RequestToken is the token of MatchRequest(ref).
func RequestToken(ref string) string { return ref + "-token" }

func (f *fixture) addMatchRequest(ref string, edit func(*rdv.AppointmentRequest)) rdv.AppointmentRequest {
	f.t.Helper()
	r := MatchRequest(ref, f.now)
	if edit != nil {
		edit(&r)
	}
	got, err := f.store.AddRequest(f.ctx, r)
	if err != nil {
		f.t.Fatalf("add request %s: %v", ref, err)
	}
	return got
}

func (f *fixture) propose(requestID, slotID int64) (rdv.Proposal, rdv.SlotChanges, error) {
	return f.store.Propose(f.ctx, rdv.ProposeRequest{ProposalID: f.nextID("p"), RequestID: requestID, SlotID: slotID,
		TTL: rdv.DefaultProposalTTL, Now: f.now})
}

func (f *fixture) mustPropose(requestID, slotID int64) rdv.Proposal {
	f.t.Helper()
	p, _, err := f.propose(requestID, slotID)
	if err != nil {
		f.t.Fatalf("propose slot %d to request %d: %v", slotID, requestID, err)
	}
	return p
}

func (f *fixture) request(id int64) rdv.AppointmentRequest {
	f.t.Helper()
	r, err := f.store.Request(f.ctx, id)
	if err != nil {
		f.t.Fatalf("read request %d: %v", id, err)
	}
	return r
}

// clinicSlots returns the free public general slots of clinic 1, in time
// order.
func (f *fixture) clinicSlots() []rdv.Slot {
	var out []rdv.Slot
	for i, s := range f.slots {
		if s.ClinicID == 1 && s.Service == rdv.General && s.Audience == rdv.Public && f.patients[i] == 0 {
			out = append(out, s)
		}
	}
	return out
}

func (f *fixture) accept(r rdv.AppointmentRequest, proposalID string) (rdv.Appointment, error) {
	a, _, err := f.store.AcceptProposal(f.ctx, rdv.AcceptProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash,
		ProposalID: proposalID, CancelToken: "appt-" + r.Reference, CancelTokenHash: auth.HashToken("appt-" + r.Reference), Now: f.now})
	return a, err
}

func testProposeAndAccept(t *testing.T, f *fixture) {
	r := f.addMatchRequest("D-ACCEPT", nil)
	other := f.addMatchRequest("D-OTHER", nil)
	slots := f.clinicSlots()
	p, ch, err := f.propose(r.ID, slots[0].ID)
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	if p.Status != rdv.ProposalLive || p.Slot.ID != slots[0].ID || !p.ExpiresAt.Equal(f.now.Add(rdv.DefaultProposalTTL)) ||
		len(ch.Taken) != 1 || ch.Taken[0].ID != slots[0].ID || len(ch.Freed) != 0 {
		t.Fatalf("proposal %+v, changes %+v", p, ch)
	}
	f.wantState(slots[0].ID, rdv.SlotHeld)
	if got := f.request(r.ID); got.Status != rdv.RequestProposed {
		t.Fatalf("request after its proposal: %s, want proposed", got.Status)
	}
	// One live proposal per request; one proposal per slot.
	_, _, err = f.propose(r.ID, slots[1].ID)
	wantCode(t, "a second proposal to a proposed request", err, rdv.ECONFLICT)
	_, _, err = f.propose(other.ID, slots[0].ID)
	wantCode(t, "the held slot proposed to another request", err, rdv.ESLOTTAKEN)

	a, err := f.accept(r, p.ID)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if a.Slot.ID != slots[0].ID || a.BookedBy != rdv.ByMatcher || a.Channel != rdv.Request || a.Status != rdv.Booked ||
		a.Patient.HealthNumber != r.HealthNumber || a.Patient.LastName != r.LastName {
		t.Fatalf("appointment of an accepted proposal: %+v", a)
	}
	f.wantState(slots[0].ID, rdv.SlotBooked)
	got := f.request(r.ID)
	if got.Status != rdv.RequestBooked || got.AppointmentID != a.ID {
		t.Fatalf("request after acceptance: %s, appointment %d; want booked, %d", got.Status, got.AppointmentID, a.ID)
	}
	ps, err := f.store.Proposals(f.ctx, r.ID)
	if err != nil || len(ps) != 1 || ps[0].Status != rdv.ProposalAccepted || ps[0].AppointmentID != a.ID {
		t.Fatalf("proposals after acceptance: %+v, %v", ps, err)
	}
	// Accepting again answers the same booking.
	again, err := f.accept(r, p.ID)
	if err != nil || again.ID != a.ID {
		t.Fatalf("accept again: appointment %d, %v; want %d", again.ID, err, a.ID)
	}
	_, _, err = f.propose(r.ID, slots[1].ID)
	wantCode(t, "a proposal to a booked request", err, rdv.ECONFLICT)
}

func testDeclineProposal(t *testing.T, f *fixture) {
	r := f.addMatchRequest("D-DECLINE", nil)
	slots := f.clinicSlots()
	p := f.mustPropose(r.ID, slots[0].ID)
	got, ch, err := f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash, ProposalID: p.ID, Now: f.now})
	if err != nil {
		t.Fatalf("decline: %v", err)
	}
	if got.Status != rdv.RequestOpen || len(ch.Freed) != 1 || ch.Freed[0].ID != slots[0].ID || ch.Freed[0].State != rdv.SlotFree {
		t.Fatalf("declined: request %s, changes %+v", got.Status, ch)
	}
	f.wantState(slots[0].ID, rdv.SlotFree)
	// Declining again changes nothing; accepting the declined one books
	// nothing.
	if again, ch, err := f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: r.TokenHash, ProposalID: p.ID, Now: f.now}); err != nil || again.Status != rdv.RequestOpen || len(ch.Freed) != 0 {
		t.Fatalf("decline again: %s, %+v, %v", again.Status, ch, err)
	}
	_, err = f.accept(r, p.ID)
	wantCode(t, "accept a declined proposal", err, rdv.ECONFLICT)
	// The slot is never offered to the request again; another slot is.
	_, _, err = f.propose(r.ID, slots[0].ID)
	wantCode(t, "propose a declined slot again", err, rdv.ECONFLICT)
	if got := f.request(r.ID); got.Status != rdv.RequestOpen {
		t.Fatalf("a refused proposal changed the request: %s", got.Status)
	}
	f.wantState(slots[0].ID, rdv.SlotFree)
	next := f.mustPropose(r.ID, slots[1].ID)
	ps, err := f.store.Proposals(f.ctx, r.ID)
	if err != nil || len(ps) != 2 || ps[0].Status != rdv.ProposalDeclined || ps[1].ID != next.ID || ps[1].Status != rdv.ProposalLive {
		t.Fatalf("proposals: %+v, %v", ps, err)
	}
}

func testExpireProposals(t *testing.T, f *fixture) {
	r := f.addMatchRequest("D-EXPIRE", nil)
	slot := f.clinicSlots()[0]
	p := f.mustPropose(r.ID, slot.ID)
	opened, ch, err := f.store.ExpireProposals(f.ctx, p.ExpiresAt.Add(-time.Second))
	if err != nil || len(opened) != 0 || len(ch.Freed) != 0 {
		t.Fatalf("expire before time: %v, %+v, %v", opened, ch, err)
	}
	f.now = p.ExpiresAt
	_, err = f.accept(r, p.ID)
	wantCode(t, "accept a proposal that ran out", err, rdv.EGONE)
	opened, ch, err = f.store.ExpireProposals(f.ctx, f.now)
	if err != nil || len(opened) != 1 || opened[0] != r.ID || len(ch.Freed) != 1 || ch.Freed[0].ID != slot.ID {
		t.Fatalf("expire: opened %v, changes %+v, %v", opened, ch, err)
	}
	f.wantState(slot.ID, rdv.SlotFree)
	if got := f.request(r.ID); got.Status != rdv.RequestOpen {
		t.Fatalf("request after its proposal ran out: %s, want open", got.Status)
	}
	ps, _ := f.store.Proposals(f.ctx, r.ID)
	if len(ps) != 1 || ps[0].Status != rdv.ProposalExpired {
		t.Fatalf("proposals: %+v", ps)
	}
	// The end of the range ends the request, and only then.
	if n, err := f.store.ExpireRequests(f.ctx, r.To.Add(-time.Millisecond)); err != nil || n != 0 {
		t.Fatalf("expire requests before the end: %d, %v", n, err)
	}
	if list, err := f.store.MatchableRequests(f.ctx, f.now); err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("matchable requests: %+v, %v", list, err)
	}
	if n, err := f.store.ExpireRequests(f.ctx, r.To); err != nil || n != 1 {
		t.Fatalf("expire requests at the end: %d, %v; want 1", n, err)
	}
	if got := f.request(r.ID); got.Status != rdv.RequestExpired {
		t.Fatalf("request after its range: %s, want expired", got.Status)
	}
	if list, err := f.store.MatchableRequests(f.ctx, f.now); err != nil || len(list) != 0 {
		t.Fatalf("matchable requests after expiry: %+v, %v", list, err)
	}
}

func testProposeWithinCriteria(t *testing.T, f *fixture) {
	free := func(clinic int64, svc rdv.Service, aud rdv.Audience, pract int64) rdv.Slot {
		return f.firstWhere(func(s rdv.Slot, patient int64) bool {
			return s.ClinicID == clinic && s.Service == svc && s.Audience == aud && patient == 0 && (pract == 0 || s.PractitionerID == pract)
		})
	}
	plateau := free(1, rdv.General, rdv.Public, 0)
	day2 := f.firstWhere(func(s rdv.Slot, patient int64) bool {
		return s.ClinicID == 1 && s.Service == rdv.General && patient == 0 && rdv.DateOf(s.Start) == Start.AddDays(1)
	})
	for _, tt := range []struct {
		name string
		edit func(*rdv.AppointmentRequest)
		slot rdv.Slot
		code string
	}{
		{"another service", nil, free(1, rdv.Pediatrics, rdv.Rostered, 0), rdv.EINVALID},
		{"too far", nil, free(2, rdv.General, rdv.Public, 0), rdv.EINVALID},
		{"after the range", func(r *rdv.AppointmentRequest) { r.To = Start.AddDays(1).Start(rdv.Toronto) }, day2, rdv.EINVALID},
		{"before the range", func(r *rdv.AppointmentRequest) { r.From = Start.AddDays(2).Start(rdv.Toronto) }, day2, rdv.EINVALID},
		{"another weekday", func(r *rdv.AppointmentRequest) { r.Weekdays = 1 << Start.AddDays(1).Weekday() }, plateau, rdv.EINVALID},
		{"another time of day", func(r *rdv.AppointmentRequest) { r.Times = "13:00-17:00" }, plateau, rdv.EINVALID},
		{"a language the practitioner lacks", func(r *rdv.AppointmentRequest) { r.PractitionerLanguage = "en" }, free(1, rdv.General, rdv.Public, 2), rdv.EINVALID},
		{"kept for the roster, on the network", func(r *rdv.AppointmentRequest) {
			r.Service, r.BirthDate, r.Child = rdv.Pediatrics, rdv.Date{Year: 2024, Month: time.May, Day: 2}, true
		}, free(1, rdv.Pediatrics, rdv.Rostered, 0), rdv.EFORBIDDEN},
		{"no range (before matching)", func(r *rdv.AppointmentRequest) { r.From, r.To = time.Time{}, time.Time{} }, plateau, rdv.ECONFLICT},
	} {
		r := f.addMatchRequest(f.nextID("D-CRIT"), tt.edit)
		_, _, err := f.propose(r.ID, tt.slot.ID)
		wantCode(t, tt.name, err, tt.code)
		if got := f.request(r.ID); got.Status != rdv.RequestOpen {
			t.Fatalf("%s: a refused proposal left the request %s", tt.name, got.Status)
		}
		f.wantState(tt.slot.ID, rdv.SlotFree)
	}
	// Within every criterion, it is proposed.
	r := f.addMatchRequest("D-FITS", func(r *rdv.AppointmentRequest) {
		r.Weekdays, r.Times, r.PractitionerLanguage = 1<<Start.Weekday(), "morning", "en"
	})
	fits := free(1, rdv.General, rdv.Public, 1)
	if _, _, err := f.propose(r.ID, fits.ID); err != nil {
		t.Fatalf("propose a slot within every criterion: %v", err)
	}
}

// testProposeOwnClinic: an own-clinic request gets its clinic's kept
// slots when the clinic registers its patient, and nothing of a clinic
// that does not.
func testProposeOwnClinic(t *testing.T, f *fixture) {
	child := func(r *rdv.AppointmentRequest) {
		r.Service, r.Scope, r.Child = rdv.Pediatrics, rdv.ScopeOwnClinic, true
		r.FirstName, r.LastName, r.BirthDate, r.HealthNumber = "Léo", "Tremblay", rdv.Date{Year: 2024, Month: time.May, Day: 2}, "TREL24050210"
		r.RadiusKm = 50 // Laval too
	}
	r := f.addMatchRequest("D-OWN", child)
	kept := f.freeSlot(0, 1, rdv.Rostered, 0)
	_, _, err := f.propose(r.ID, kept.ID)
	wantCode(t, "an own-clinic request of a patient no clinic registers", err, rdv.ENOTROSTERED)
	if _, err := f.store.AddToRoster(f.ctx, rdv.RosterEntry{ClinicID: 1, FirstName: r.FirstName, LastName: r.LastName,
		BirthDate: r.BirthDate, HealthNumber: r.HealthNumber, AddedAt: f.now}); err != nil {
		t.Fatalf("add to clinic 1's roster: %v", err)
	}
	_, _, err = f.propose(r.ID, f.freeSlot(0, 2, rdv.Rostered, 0).ID)
	wantCode(t, "an own-clinic request offered another clinic's kept slot", err, rdv.ENOTROSTERED)
	if _, _, err := f.propose(r.ID, kept.ID); err != nil {
		t.Fatalf("propose the own clinic's kept slot: %v", err)
	}
}

func testWithdrawRequest(t *testing.T, f *fixture) {
	r := f.addMatchRequest("D-WITHDRAW", nil)
	slot := f.clinicSlots()[0]
	f.mustPropose(r.ID, slot.ID)
	in := rdv.WithdrawRequestInput{Reference: r.Reference, TokenHash: r.TokenHash, Now: f.now}
	got, ch, err := f.store.WithdrawRequest(f.ctx, in)
	if err != nil || got.Status != rdv.RequestWithdrawn || len(ch.Freed) != 1 || ch.Freed[0].ID != slot.ID {
		t.Fatalf("withdraw: %s, %+v, %v", got.Status, ch, err)
	}
	f.wantState(slot.ID, rdv.SlotFree)
	if again, ch, err := f.store.WithdrawRequest(f.ctx, in); err != nil || again.Status != rdv.RequestWithdrawn || len(ch.Freed) != 0 {
		t.Fatalf("withdraw again: %s, %+v, %v", again.Status, ch, err)
	}
	_, _, err = f.propose(r.ID, f.clinicSlots()[1].ID)
	wantCode(t, "propose to a withdrawn request", err, rdv.ECONFLICT)
	ps, _ := f.store.Proposals(f.ctx, r.ID)
	if len(ps) != 1 || ps[0].Status != rdv.ProposalDeclined {
		t.Fatalf("proposals of a withdrawn request: %+v", ps)
	}
	// A booked request is not withdrawn.
	b := f.addMatchRequest("D-BOOKED", nil)
	p := f.mustPropose(b.ID, f.clinicSlots()[2].ID)
	if _, err := f.accept(b, p.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: b.Reference, TokenHash: b.TokenHash, Now: f.now})
	wantCode(t, "withdraw a booked request", err, rdv.ECONFLICT)
}

func testProposalToken(t *testing.T, f *fixture) {
	r := f.addMatchRequest("D-TOKEN", nil)
	p := f.mustPropose(r.ID, f.clinicSlots()[0].ID)
	if got, err := f.store.RequestByReference(f.ctx, r.Reference, r.TokenHash); err != nil || got.ID != r.ID {
		t.Fatalf("read by reference and token: %+v, %v", got, err)
	}
	wrong := auth.HashToken("guess")
	_, err := f.store.RequestByReference(f.ctx, r.Reference, wrong)
	wantCode(t, "read with a wrong token", err, rdv.ENOTFOUND)
	_, _, err = f.store.AcceptProposal(f.ctx, rdv.AcceptProposalRequest{Reference: r.Reference, TokenHash: wrong, Now: f.now})
	wantCode(t, "accept with a wrong token", err, rdv.ENOTFOUND)
	_, _, err = f.store.DeclineProposal(f.ctx, rdv.DeclineProposalRequest{Reference: r.Reference, TokenHash: wrong, Now: f.now})
	wantCode(t, "decline with a wrong token", err, rdv.ENOTFOUND)
	_, _, err = f.store.WithdrawRequest(f.ctx, rdv.WithdrawRequestInput{Reference: r.Reference, TokenHash: wrong, Now: f.now})
	wantCode(t, "withdraw with a wrong token", err, rdv.ENOTFOUND)
	// A request without a token (an agent's, from before) opens with none.
	old := mustAddRequest(t, f.store, "D-NOTOKEN")
	_, err = f.store.RequestByReference(f.ctx, old.Reference, "")
	wantCode(t, "read a request without a token", err, rdv.ENOTFOUND)
	// An answer to a proposal that is not the live one is a conflict.
	_, err = f.accept(r, "p-other")
	wantCode(t, "accept another proposal", err, rdv.ECONFLICT)
	f.wantState(p.Slot.ID, rdv.SlotHeld)
}

// testRaceProposals: many matchers proposing at once, as instances of a
// network do, never give a slot two proposals nor a request two live
// ones.
func testRaceProposals(t *testing.T, f *fixture) {
	const n = 8
	var reqs []rdv.AppointmentRequest
	for i := range n {
		reqs = append(reqs, f.addMatchRequest(fmt.Sprintf("D-RACE-%d", i), nil))
	}
	slots := f.clinicSlots()
	var wg sync.WaitGroup
	wins := make([]int, 2)
	var mu sync.Mutex
	for i := range n {
		wg.Add(2)
		go func() { // every request for the first slot
			defer wg.Done()
			_, _, err := f.store.Propose(f.ctx, rdv.ProposeRequest{ProposalID: fmt.Sprintf("p-slot-%d", i), RequestID: reqs[i].ID,
				SlotID: slots[0].ID, TTL: time.Minute, Now: f.now})
			if err == nil {
				mu.Lock()
				wins[0]++
				mu.Unlock()
			}
		}()
		go func() { // every other slot for the last request
			defer wg.Done()
			_, _, err := f.store.Propose(f.ctx, rdv.ProposeRequest{ProposalID: fmt.Sprintf("p-req-%d", i), RequestID: reqs[n-1].ID,
				SlotID: slots[1+i].ID, TTL: time.Minute, Now: f.now})
			if err == nil {
				mu.Lock()
				wins[1]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	live := 0
	for _, r := range reqs {
		ps, err := f.store.Proposals(f.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Status == rdv.ProposalLive {
				live++
			}
		}
	}
	// The last request may have won the first slot and then lost every
	// other: one or two proposals in all, and never more than one each.
	if wins[0] != 1 || wins[1] > 1 || live != wins[0]+wins[1] {
		t.Fatalf("first slot proposed %d times, last request given %d slots, %d live proposals", wins[0], wins[1], live)
	}
}

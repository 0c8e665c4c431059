// Package storetest is the conformance suite that every rdv.Store passes:
// the same tests, run against each store, pin the semantics of each store
// method and try to break the invariants of the design that stores keep
// (one booking per slot, durable and idempotent writes, holds that expire on
// time, atomic reschedules). Time is passed explicitly in requests: no test
// sleeps.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// Start is the first day of the network that the suite loads.
var Start = rdv.Date{Year: 2031, Month: time.March, Day: 3}

// Run runs the whole suite, each part as a subtest. open returns a fresh,
// empty, migrated store and registers its cleanup with t; the store must
// also be a RawReader. The parts run in parallel: each test opens a store
// of its own.
func Run(t *testing.T, open func(t *testing.T) rdv.Store) {
	parts := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) rdv.Store)
	}{
		{"Booking", runBooking},
		{"Accounts", runAccounts},
		{"StaffFactors", runStaffFactors},
		{"Desk", runDesk},
		{"Requests", runRequests},
		{"Proposals", runProposals},
		{"Waitroom", runWaitroom},
		{"StaffCancel", runStaffCancel},
		{"SealedReplays", runSealedReplays},
		{"SealedPatients", runSealedPatients},
		{"Revision", runRevision},
		{"Watch", runWatch},
		{"Patients", runPatients},
		{"Messages", runMessages},
		{"AccountActs", runAccountActs},
		{"IncidentReach", runIncidentReach},
		{"Refusals", runRefusals},
		{"Fees", runFees},
		{"ClinicIntegrations", runClinicIntegrations},
		{"FeeLife", runFeeLife},
		{"Waitlist", runWaitlist},
		{"Audit", runAudit},
		{"Privacy", runPrivacy},
	}
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			p.run(t, open)
		})
	}
}

// runBooking runs the suite of slots, holds, bookings, cancellations,
// reschedules and idempotency keys.
func runBooking(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"LoadAndRead", testLoadAndRead},
		{"LoadTwiceRefused", testLoadTwice},
		{"Slot", testSlot},
		{"ScanBookable", testScanBookable},
		{"PlaceHold", testPlaceHold},
		{"LiveHoldCap", testLiveHoldCap},
		{"AddressHoldCeiling", testAddressHoldCeiling},
		{"AddressHoldCeilingRaced", testAddressHoldCeilingRaced},
		{"ExpiredHoldFreesSlot", testExpiredHoldFreesSlot},
		{"ExpireHolds", testExpireHolds},
		{"ReleaseHold", testReleaseHold},
		{"ConfirmHold", testConfirmHold},
		{"ConfirmGuardian", testConfirmGuardian},
		{"BookingKeepsPatients", testBookingKeepsPatients},
		{"BookingKeepsGuardianLink", testBookingKeepsGuardianLink},
		{"NoCardWalkIn", testNoCardWalkIn},
		{"NewbornOnGuardianCard", testNewbornOnGuardianCard},
		{"AppointmentByToken", testAppointmentByToken},
		{"Cancel", testCancel},
		{"Reschedule", testReschedule},
		{"RescheduleFailureChangesNothing", testRescheduleFailure},
		{"IdempotentHold", testIdempotentHold},
		{"IdempotentConfirm", testIdempotentConfirm},
		{"IdempotentCancel", testIdempotentCancel},
		{"IdempotentReschedule", testIdempotentReschedule},
		{"FailedWriteStoresNoKey", testFailedWriteStoresNoKey},
		{"IdempotencyKeysForgottenAfterADay", testIdempotencyKeysForgotten},
		{"RaceOneBookingPerSlot", testRaceOneBookingPerSlot},
		{"RaceHoldsAndCancels", testRaceHoldsAndCancels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, open))
		})
	}
}

// fixture is a store loaded with SmallNetwork(Start) and the clock of the
// test, 08:00 local on the first day, before every slot.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	store    rdv.Store
	net      rdv.NetworkLoad
	slots    []rdv.Slot
	patients []int64 // booked patient per slot, 0 for none
	now      time.Time
	seq      int
}

func newFixture(t *testing.T, open func(t *testing.T) rdv.Store) *fixture {
	t.Helper()
	s := open(t)
	n := SmallNetwork(Start)
	empty, err := s.Empty(t.Context())
	if err != nil || !empty {
		t.Fatalf("fresh store: Empty() = %v, %v; want true, nil", empty, err)
	}
	MustLoad(t, s, n)
	slots, patients := Slots(n)
	return &fixture{
		t: t, ctx: t.Context(), store: s, net: n, slots: slots, patients: patients,
		now: Start.At(8*60, rdv.Toronto).UTC(),
	}
}

// freePublic returns the IDs of the first n free public slots.
func (f *fixture) freePublic(n int) []int64 {
	f.t.Helper()
	var ids []int64
	for i, s := range f.slots {
		if len(ids) == n {
			break
		}
		if s.Audience == rdv.Public && f.patients[i] == 0 && s.State == rdv.SlotFree {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) < n {
		f.t.Fatalf("network has %d free public slots, need %d", len(ids), n)
	}
	return ids
}

// firstWhere returns the first slot of the network that matches keep.
func (f *fixture) firstWhere(keep func(s rdv.Slot, patient int64) bool) rdv.Slot {
	f.t.Helper()
	for i, s := range f.slots {
		if keep(s, f.patients[i]) {
			return s
		}
	}
	f.t.Fatal("no slot of the network matches")
	return rdv.Slot{}
}

func (f *fixture) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s-%d", prefix, f.seq)
}

func (f *fixture) holdReq(slotID int64, client string) rdv.HoldRequest {
	return rdv.HoldRequest{HoldID: f.nextID("h"), SlotID: slotID, ClientKey: client, MaxLiveHolds: 3, TTL: 5 * time.Minute, Now: f.now}
}

func (f *fixture) mustHold(slotID int64, client string) rdv.Hold {
	f.t.Helper()
	h, _, err := f.store.PlaceHold(f.ctx, f.holdReq(slotID, client))
	if err != nil {
		f.t.Fatalf("hold slot %d: %v", slotID, err)
	}
	return h
}

func (f *fixture) confirmReq(holdID string, p rdv.Patient) rdv.ConfirmRequest {
	token := f.nextID("token")
	return rdv.ConfirmRequest{HoldID: holdID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.API,
		CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: f.now}
}

// mustBook holds and confirms slotID for a new patient.
func (f *fixture) mustBook(slotID int64) rdv.Appointment {
	f.t.Helper()
	h := f.mustHold(slotID, f.nextID("client"))
	a, _, err := f.store.ConfirmHold(f.ctx, f.confirmReq(h.ID, TestPatient(f.seq)))
	if err != nil {
		f.t.Fatalf("confirm hold on slot %d: %v", slotID, err)
	}
	return a
}

func (f *fixture) slot(id int64) rdv.Slot {
	f.t.Helper()
	s, err := f.store.Slot(f.ctx, id)
	if err != nil {
		f.t.Fatalf("read slot %d: %v", id, err)
	}
	return s
}

func (f *fixture) appointment(id int64) rdv.Appointment {
	f.t.Helper()
	a, err := f.store.Appointment(f.ctx, id)
	if err != nil {
		f.t.Fatalf("read appointment %d: %v", id, err)
	}
	return a
}

// TestPatient returns a distinct adult patient for each i in [0, 36500),
// with a health number that matches the birth date.
func TestPatient(i int) rdv.Patient {
	birth := rdv.Date{Year: 1950, Month: time.January, Day: 1}.AddDays(i)
	return rdv.Patient{
		FirstName:    "Patient",
		LastName:     fmt.Sprintf("Essai %d", i),
		BirthDate:    birth,
		HealthNumber: fmt.Sprintf("ESSP%02d%02d%02d%02d", birth.Year%100, int(birth.Month), birth.Day, i%100),
		Phone:        "514-555-0199",
		Language:     "fr",
	}
}

// wantCode fails the test unless err carries the domain error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := rdv.ErrorCode(err); got != want {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

// wantState fails the test unless the slot is in state want.
func (f *fixture) wantState(id int64, want rdv.SlotState) {
	f.t.Helper()
	if got := f.slot(id).State; got != want {
		f.t.Fatalf("slot %d state %q, want %q", id, got, want)
	}
}

func ids(slots []rdv.Slot) []int64 {
	out := make([]int64, len(slots))
	for i, s := range slots {
		out[i] = s.ID
	}
	return out
}

func isCode(err error, code string) bool {
	var e *rdv.Error
	return errors.As(err, &e) && e.Code == code
}

func (f *fixture) holdTTL() time.Duration { return 5 * time.Minute }

// raceConfirm is confirmReq for concurrent use: it draws nothing from the
// fixture's sequence.
func (f *fixture) raceConfirm(holdID string, i int) rdv.ConfirmRequest {
	token := fmt.Sprintf("race-token-%d", i)
	return rdv.ConfirmRequest{HoldID: holdID, Patient: TestPatient(i), BookedBy: rdv.BySelf, Channel: rdv.API,
		CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: f.now}
}

package booking_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/booking"
	"rdv/sqlite"
	"rdv/storetest"
)

// world is an engine over a real SQLite store loaded with the small network,
// and a clock the test moves.
type world struct {
	store  *sqlite.Store
	index  *availability.Index
	engine *booking.Engine
	now    time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rdv.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	start := rdv.Date{Year: 2027, Month: 2, Day: 1}
	storetest.MustLoad(t, s, storetest.SmallNetwork(start))
	w := &world{store: s, now: start.At(7*60, rdv.Toronto)}
	w.index = storetest.MustBuildIndex(t, s, w.now)
	w.engine = booking.New(s, w.index, booking.Config{HoldTTL: 5 * time.Minute, MaxLiveHolds: 3, Now: func() time.Time { return w.now }}, nil)
	return w
}

// offered returns the IDs of the public general slots search offers now.
func (w *world) offered() []int64 {
	res := w.index.Search(availability.Query{Lat: 45.5, Lon: -73.6, RadiusKm: 500, Service: rdv.General,
		From: w.now, To: w.now.Add(30 * 24 * time.Hour), Limit: 1000}, nil)
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.SlotID
	}
	return ids
}

func patient() rdv.Patient {
	return rdv.Patient{FirstName: "Léa", LastName: "Tremblay", BirthDate: rdv.Date{Year: 1985, Month: 4, Day: 7},
		HealthNumber: "TREL85540712", Phone: "514-555-0123"}
}

// child is seven years old in 2027.
func child() rdv.Patient {
	return rdv.Patient{FirstName: "Léo", LastName: "Tremblay", BirthDate: rdv.Date{Year: 2019, Month: 4, Day: 7},
		HealthNumber: "TREL19040712", Phone: "514-555-0123"}
}

func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := rdv.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestHoldLeavesSearchAndExpiryBringsItBack(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	slot := w.offered()[0]
	if _, err := w.engine.Hold(ctx, slot, "a", nil); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(w.offered(), slot) {
		t.Fatal("a held slot is still offered")
	}
	w.now = w.now.Add(5*time.Minute + time.Second)
	if err := w.engine.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(w.offered(), slot) {
		t.Fatal("the slot of an expired hold is not offered again")
	}
}

func TestConfirmRejectsBadPatientWithoutWriting(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	h, err := w.engine.Hold(ctx, w.offered()[0], "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    booking.ConfirmInput
		field string
	}{
		{"no hold", booking.ConfirmInput{Patient: patient()}, "hold_id"},
		{"health number", booking.ConfirmInput{HoldID: h.ID, Patient: func() rdv.Patient { p := patient(); p.HealthNumber = "TREL85540812"; return p }()}, "patient.health_number"},
		{"guardian", booking.ConfirmInput{HoldID: h.ID, Patient: child(), Guardian: &rdv.Patient{FirstName: "Paul"}, Relationship: rdv.Parent}, "guardian.last_name"},
		{"guardian of an adult", booking.ConfirmInput{HoldID: h.ID, Patient: patient(), Guardian: &rdv.Patient{FirstName: "Paul", LastName: "Roy", Phone: "514-555-0100"}, Relationship: rdv.Parent}, "guardian"},
		{"child without guardian", booking.ConfirmInput{HoldID: h.ID, Patient: child()}, "guardian"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.engine.Confirm(ctx, tc.in, nil)
			mustCode(t, err, rdv.EINVALID)
			if f := rdv.ErrorField(err); f != tc.field {
				t.Fatalf("field %q, want %q", f, tc.field)
			}
		})
	}
	a, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient()}, nil)
	if err != nil {
		t.Fatalf("the hold was spoilt by refused confirmations: %v", err)
	}
	if a.BookedBy != rdv.BySelf || a.Channel != rdv.API || a.CancelToken == "" {
		t.Fatalf("defaults: %+v", a)
	}
}

func TestCancelReplayDoesNotOfferARebookedSlot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	slot := w.offered()[0]
	h, _ := w.engine.Hold(ctx, slot, "a", nil)
	a, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := &rdv.IdemKey{Scope: "cancel", Key: "k1", BodyHash: "b"}
	if _, err := w.engine.Cancel(ctx, a.ID, a.CancelToken, key); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(w.offered(), slot) {
		t.Fatal("a cancelled slot is not offered again")
	}
	if _, err := w.engine.Hold(ctx, slot, "b", nil); err != nil {
		t.Fatal(err)
	}
	// The client retries its cancellation: the answer is replayed, and the
	// slot, held by someone else since, must stay out of search.
	if _, err := w.engine.Cancel(ctx, a.ID, a.CancelToken, key); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(w.offered(), slot) {
		t.Fatal("a replayed cancellation offered a held slot")
	}
}

func TestRescheduleMovesTheSlotInSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	ids := w.offered()
	oldSlot, newSlot := ids[0], ids[1]
	h, _ := w.engine.Hold(ctx, oldSlot, "a", nil)
	a, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := w.engine.Hold(ctx, newSlot, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := w.engine.Reschedule(ctx, a.ID, a.CancelToken, h2.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID != a.ID || moved.Slot.ID != newSlot {
		t.Fatalf("rescheduled to %+v", moved.Slot)
	}
	got := w.offered()
	if !slices.Contains(got, oldSlot) || slices.Contains(got, newSlot) {
		t.Fatalf("search after reschedule: old offered %v, new offered %v", slices.Contains(got, oldSlot), slices.Contains(got, newSlot))
	}
	_, err = w.engine.Reschedule(ctx, a.ID, "wrong", h2.ID, nil)
	mustCode(t, err, rdv.ENOTFOUND)
}

func TestAppointmentNeedsItsToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	h, _ := w.engine.Hold(ctx, w.offered()[0], "a", nil)
	a, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"", "nope", a.CancelToken + "x"} {
		_, err := w.engine.Appointment(ctx, a.ID, token)
		mustCode(t, err, rdv.ENOTFOUND)
	}
	got, err := w.engine.Appointment(ctx, a.ID, a.CancelToken)
	if err != nil || got.ID != a.ID {
		t.Fatalf("with the token: %+v, %v", got, err)
	}
}

func TestHoldForRosteredSlots(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	// In the small network every day has rostered-only pediatrics from 11:00.
	res := w.index.Search(availability.Query{Lat: 45.5, Lon: -73.6, RadiusKm: 500, Service: rdv.Pediatrics,
		From: w.now, Limit: 1, IncludeRostered: true}, nil)
	if len(res) == 0 {
		t.Fatal("no rostered slot in the network")
	}
	_, err := w.engine.Hold(ctx, res[0].SlotID, "patient", nil)
	mustCode(t, err, rdv.EFORBIDDEN)
	if _, err := w.engine.HoldFor(ctx, booking.HoldInput{SlotID: res[0].SlotID, ClientKey: "desk", AllowRostered: true}, nil); err != nil {
		t.Fatalf("staff hold: %v", err)
	}
}

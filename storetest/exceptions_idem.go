package storetest

import (
	"testing"

	"rdv"
)

// testIdempotentException: adding an exception with an idempotency key
// twice adds it once (invariant 3): the retry replays the first effect,
// withdraws nothing more and stores no second exception; the key with
// another body is refused; a refused add (over an appointment) stores no
// key, so the same key works once the way is clear.
func testIdempotentException(t *testing.T, f *fixture, d rdv.DeskStore) {
	holiday := rdv.PlanException{Date: Start.AddDays(1), AllDay: true, Reason: "Fête"}
	key := &rdv.IdemKey{Scope: "POST /exceptions", Key: "k-holiday", BodyHash: "h1"}
	r := rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: holiday, Idem: key, Now: f.now}
	first, ch, err := d.AddException(f.ctx, r)
	if err != nil || len(ch.Taken) != 11 || ch.Replayed {
		t.Fatalf("add a holiday: %d taken, replayed %v, %v; want 11", len(ch.Taken), ch.Replayed, err)
	}
	again, ch, err := d.AddException(f.ctx, r)
	if err != nil || !ch.Replayed || len(ch.Taken)+len(ch.Freed) != 0 {
		t.Fatalf("retry: changes %+v, %v; want a replay that changes nothing", ch, err)
	}
	if again.Exception != first.Exception || len(again.Withdrawn) != len(first.Withdrawn) || again.Withdrawn[0].ID != first.Withdrawn[0].ID {
		t.Fatalf("retry answered %+v, want the first answer %+v", again.Exception, first.Exception)
	}
	if got := len(f.planOf(1).Exceptions); got != 2 {
		t.Fatalf("after a retry the plan has %d exceptions, want 2 (the leave and the holiday)", got)
	}
	other := r
	other.Idem = &rdv.IdemKey{Scope: key.Scope, Key: key.Key, BodyHash: "h2"}
	other.Exception.Date = Start.AddDays(2)
	_, _, err = d.AddException(f.ctx, other)
	wantCode(t, "the key with another body", err, rdv.EIDEMPOTENCY)

	// Over the booked slot 2: refused, and the key is not spent.
	morning := rdv.PlanException{Date: Start, StartMinute: 9 * 60, EndMinute: 10 * 60}
	blocked := rdv.ExceptionRequest{ClinicID: 1, PractitionerID: 1, Exception: morning, Now: f.now,
		Idem: &rdv.IdemKey{Scope: key.Scope, Key: "k-morning", BodyHash: "h3"}}
	_, _, err = d.AddException(f.ctx, blocked)
	wantCode(t, "an exception over an appointment", err, rdv.ECONFLICT)
	for _, e := range f.agenda(d, 1, 0) {
		if e.Slot.ID == 2 && e.Appointment != nil {
			if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: e.Appointment.ID, ByStaff: true, Now: f.now}); err != nil {
				t.Fatalf("cancel the appointment of slot 2: %v", err)
			}
		}
	}
	if _, ch, err := d.AddException(f.ctx, blocked); err != nil || ch.Replayed || len(ch.Taken) != 4 {
		t.Fatalf("the refused key once the way is clear: %d taken, replayed %v, %v; want 4 new", len(ch.Taken), ch.Replayed, err)
	}
}

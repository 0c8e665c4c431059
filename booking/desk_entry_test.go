package booking_test

import (
	"context"
	"testing"

	"rdv"
	"rdv/booking"
)

// TestDeskEntryConfined: the desk opens one slot or appointment of the
// staff member's clinic, with what the agenda shows of it, and another
// clinic's is not found, like an unknown one.
func TestDeskEntryConfined(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	d := booking.NewDesk(w.engine, w.store)

	// Slot 2 (clinic 1) holds appointment 1; slot 3 is free; slot 100
	// (clinic 3) holds appointment 2.
	e, err := d.Entry(ctx, 1, 2)
	if err != nil {
		t.Fatalf("entry of slot 2: %v", err)
	}
	if e.Slot.ID != 2 || e.Appointment == nil || e.Appointment.ID != 1 || e.Appointment.Patient.LastName != "Lavoie" {
		t.Fatalf("entry of slot 2: slot %d, appointment %+v", e.Slot.ID, e.Appointment)
	}
	if e, err := d.Entry(ctx, 1, 3); err != nil || e.Appointment != nil || e.Slot.State != rdv.SlotFree {
		t.Fatalf("entry of free slot 3: %+v, %v", e, err)
	}
	a, err := d.Appointment(ctx, 1, 1)
	if err != nil || a.Slot.ID != 2 || a.Status != rdv.Booked {
		t.Fatalf("appointment 1: %+v, %v", a, err)
	}
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"another clinic's slot", second(d.Entry(ctx, 1, 100))},
		{"an unknown slot", second(d.Entry(ctx, 1, 99999))},
		{"another clinic's appointment", second(d.Appointment(ctx, 1, 2))},
		{"an unknown appointment", second(d.Appointment(ctx, 1, 999))},
		{"its own slot from another clinic", second(d.Entry(ctx, 3, 2))},
	} {
		if rdv.ErrorCode(tt.err) != rdv.ENOTFOUND {
			t.Errorf("%s: %v, want not found", tt.name, tt.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

package booking

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/desk"
)

// PlanHorizon is how far ahead a saved working plan regenerates slots:
// the rolling horizon of the network (eight weeks).
const PlanHorizon = 56

// Desk runs what clinic staff change in their agenda. The store decides
// each change in one transaction, confined to the staff member's clinic;
// what the change did to availability then goes to the engine's index, so
// search shows a blocked slot as gone and an added one at once.
type Desk struct {
	store  rdv.DeskStore
	engine *Engine
}

// NewDesk returns the desk of an engine over a store that implements the
// desk. It shares the engine's index and clock.
func NewDesk(e *Engine, store rdv.DeskStore) *Desk {
	return &Desk{store: store, engine: e}
}

func (d *Desk) now() time.Time { return d.engine.Now() }

// Agenda returns the clinic's slots and appointments of the days [from, to).
func (d *Desk) Agenda(ctx context.Context, clinicID int64, from, to rdv.Date) ([]rdv.AgendaEntry, error) {
	return d.store.Agenda(ctx, clinicID, from.Start(rdv.Toronto), to.Start(rdv.Toronto))
}

// Entry returns one slot of the clinic with its appointment, as the
// agenda shows it. Another clinic's slot is ENOTFOUND, like an unknown
// one, so that staff cannot tell them apart.
func (d *Desk) Entry(ctx context.Context, clinicID, slotID int64) (rdv.AgendaEntry, error) {
	sl, err := d.engine.store.Slot(ctx, slotID)
	if err == nil && sl.ClinicID != clinicID {
		err = rdv.Errorf(rdv.ENOTFOUND, "slot %d of clinic %d", slotID, clinicID)
	}
	if err != nil {
		return rdv.AgendaEntry{}, fmt.Errorf("agenda entry: %w", err)
	}
	// The agenda of the slot's start instant: the store joins the slot's
	// appointment exactly as the day view does.
	entries, err := d.store.Agenda(ctx, clinicID, sl.Start, sl.Start.Add(time.Nanosecond))
	if err != nil {
		return rdv.AgendaEntry{}, fmt.Errorf("agenda entry of slot %d: %w", slotID, err)
	}
	for _, e := range entries {
		if e.Slot.ID == slotID {
			return e, nil
		}
	}
	return rdv.AgendaEntry{}, rdv.Errorf(rdv.ENOTFOUND, "slot %d of clinic %d", slotID, clinicID)
}

// Appointment returns an appointment of the clinic, whatever its status,
// with its slot. Another clinic's appointment is ENOTFOUND.
func (d *Desk) Appointment(ctx context.Context, clinicID, appointmentID int64) (rdv.Appointment, error) {
	a, err := d.engine.store.Appointment(ctx, appointmentID)
	if err == nil && a.Slot.ClinicID != clinicID {
		err = rdv.Errorf(rdv.ENOTFOUND, "appointment %d of clinic %d", appointmentID, clinicID)
	}
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("appointment at the desk: %w", err)
	}
	return a, nil
}

// Block takes a free slot of the clinic out of booking.
func (d *Desk) Block(ctx context.Context, clinicID, slotID int64) (rdv.Slot, error) {
	return d.setState(ctx, clinicID, slotID, rdv.SlotBlocked)
}

// Reopen makes a blocked slot of the clinic bookable again.
func (d *Desk) Reopen(ctx context.Context, clinicID, slotID int64) (rdv.Slot, error) {
	return d.setState(ctx, clinicID, slotID, rdv.SlotFree)
}

func (d *Desk) setState(ctx context.Context, clinicID, slotID int64, state rdv.SlotState) (rdv.Slot, error) {
	sl, ch, err := d.store.SetSlotState(ctx, rdv.SlotStateRequest{ClinicID: clinicID, SlotID: slotID, State: state, Now: d.now()})
	if err != nil {
		return rdv.Slot{}, err
	}
	d.engine.index.Apply(ch)
	return sl, nil
}

// AddSlots opens exceptional availability at the clinic. Slots must start
// in the future.
func (d *Desk) AddSlots(ctx context.Context, clinicID int64, slots []rdv.Slot) ([]rdv.Slot, error) {
	now := d.now()
	for _, sl := range slots {
		if !now.Before(sl.Start) {
			return nil, rdv.FieldError("start", "slot at %v is not in the future", sl.Start)
		}
	}
	out, ch, err := d.store.AddSlots(ctx, clinicID, slots)
	if err != nil {
		return nil, err
	}
	d.engine.index.Apply(ch)
	return out, nil
}

// SavePlan replaces a practitioner's weekly plan and regenerates its free
// slots from now to the end of the horizon. It reports how many slots were
// made and withdrawn.
func (d *Desk) SavePlan(ctx context.Context, clinicID int64, plan rdv.WorkingPlan) (made, withdrawn int, err error) {
	now := d.now()
	today := rdv.DateOf(now)
	ch, err := d.store.SavePlan(ctx, rdv.PlanChange{ClinicID: clinicID, Plan: plan, From: today, To: today.AddDays(PlanHorizon), Now: now})
	if err != nil {
		return 0, 0, err
	}
	d.engine.index.Apply(ch)
	return len(ch.Freed), len(ch.Taken), nil
}

// SetStatus records that a patient arrived, was seen or did not come.
func (d *Desk) SetStatus(ctx context.Context, clinicID, appointmentID int64, status rdv.AppointmentStatus) (rdv.Appointment, error) {
	a, err := d.store.SetAppointmentStatus(ctx, rdv.AppointmentStatusRequest{ClinicID: clinicID, AppointmentID: appointmentID, Status: status, Now: d.now()})
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("record visit: %w", err)
	}
	return a, nil
}

// Exceptions lists the exceptions of a practitioner's plan at the clinic,
// each with its ID; a practitioner of another clinic has none.
func (d *Desk) Exceptions(ctx context.Context, clinicID, practitionerID int64) ([]rdv.PlanException, error) {
	plans, err := d.engine.store.Plans(ctx, clinicID)
	if err != nil {
		return nil, fmt.Errorf("exceptions of practitioner %d: %w", practitionerID, err)
	}
	for _, p := range plans {
		if p.PractitionerID == practitionerID {
			return desk.NumberExceptions(p.Exceptions), nil
		}
	}
	return nil, nil
}

// PreviewException reports what adding the exception would withdraw and
// which appointments or holds stand in its way, and changes nothing.
func (d *Desk) PreviewException(ctx context.Context, clinicID, practitionerID int64, e rdv.PlanException) (rdv.ExceptionEffect, error) {
	eff, _, err := d.store.AddException(ctx, rdv.ExceptionRequest{ClinicID: clinicID, PractitionerID: practitionerID, Exception: e, DryRun: true, Now: d.now()})
	return eff, err
}

// AddException adds the exception and takes the free slots inside it out
// of search at once. With appointments or live holds inside it, it is
// ECONFLICT and the effect lists them. A retry with the same idempotency
// key (nil: none) replays the first effect and adds nothing.
func (d *Desk) AddException(ctx context.Context, clinicID, practitionerID int64, e rdv.PlanException, idem *rdv.IdemKey) (rdv.ExceptionEffect, error) {
	eff, ch, err := d.store.AddException(ctx, rdv.ExceptionRequest{ClinicID: clinicID, PractitionerID: practitionerID, Exception: e, Idem: idem, Now: d.now()})
	if err != nil {
		return eff, err
	}
	d.engine.index.Apply(ch)
	return eff, nil
}

// RemoveException removes an exception and offers again, within the
// horizon, the slots the plan wants inside it.
func (d *Desk) RemoveException(ctx context.Context, clinicID, practitionerID, exceptionID int64) (rdv.ExceptionEffect, error) {
	now := d.now()
	eff, ch, err := d.store.RemoveException(ctx, rdv.ExceptionRequest{ClinicID: clinicID, PractitionerID: practitionerID,
		ExceptionID: exceptionID, Until: rdv.DateOf(now).AddDays(PlanHorizon), Now: now})
	if err != nil {
		return rdv.ExceptionEffect{}, err
	}
	d.engine.index.Apply(ch)
	return eff, nil
}

package rdv

import (
	"context"
	"time"
)

// AgendaEntry is one slot of a clinic's agenda with its appointment, if any.
type AgendaEntry struct {
	Slot        Slot
	Appointment *Appointment // nil when nobody is booked in the slot
}

// SlotStateRequest opens or blocks a slot of a clinic (State is SlotFree or
// SlotBlocked). Booked and live-held slots cannot change this way.
type SlotStateRequest struct {
	ClinicID int64 // the staff member's clinic: other clinics' slots are ENOTFOUND
	SlotID   int64
	State    SlotState
	Now      time.Time
}

// Validate refuses a state that staff cannot set by hand: only free
// (reopen) and blocked.
func (r SlotStateRequest) Validate() error {
	if r.State != SlotFree && r.State != SlotBlocked {
		return FieldError("state", "a slot can only be opened or blocked, not set %q", r.State)
	}
	return nil
}

// AppointmentStatusRequest records what happened to an appointment at the
// clinic: arrived, fulfilled or no-show.
type AppointmentStatusRequest struct {
	ClinicID      int64
	AppointmentID int64
	Status        AppointmentStatus
	Now           time.Time
}

// PlanChange replaces a practitioner's weekly plan from a day on: the free
// future slots that no longer fit the plan are removed, the new ones are
// created; booked, held and blocked slots are kept as they are. It
// replaces the blocks only: the plan's exceptions stay as stored (and are
// honoured by the new slots), whatever Plan.Exceptions holds; they change
// through AddException and RemoveException alone.
type PlanChange struct {
	ClinicID int64
	Plan     WorkingPlan
	From, To Date // the horizon to regenerate, [From, To)
	Now      time.Time
}

// maxPlanHorizon caps the days one plan change regenerates: a year.
const maxPlanHorizon = 366

// Validate checks a plan change before any store reads: a practitioner, a
// horizon of one day to a year, and the plan's blocks.
func (c PlanChange) Validate() error {
	if c.Plan.PractitionerID == 0 {
		return FieldError("practitioner", "practitioner missing")
	}
	if !c.From.Before(c.To) {
		return FieldError("to", "horizon end %s not after its start %s", c.To, c.From)
	}
	if c.From.AddDays(maxPlanHorizon).Before(c.To) {
		return FieldError("to", "horizon longer than a year")
	}
	return c.Plan.Validate()
}

// ExceptionRequest adds an exception to a practitioner's plan, or removes
// one of its exceptions.
type ExceptionRequest struct {
	ClinicID       int64 // the staff member's clinic: another's practitioner is ENOTFOUND
	PractitionerID int64
	Exception      PlanException // to add; the store gives its ID
	ExceptionID    int64         // to remove
	// DryRun reports what adding would do and changes nothing.
	DryRun bool
	// Idem makes adding an exception retryable (invariant 3): a retry
	// with the same key and body replays the first effect, adds no
	// second exception and withdraws nothing more. Ignored with DryRun.
	Idem *IdemKey
	// Until is the end of the rolling horizon (exclusive): removing an
	// exception makes its slots again up to it, not beyond.
	Until Date
	Now   time.Time
}

// ExceptionEffect is what adding or removing an exception did, or would
// do, to the practitioner's slots. Slots that have started are never
// touched.
type ExceptionEffect struct {
	Exception PlanException
	Withdrawn []Slot // free slots inside it, taken out of booking
	// Kept are the booked and live-held slots inside it. An exception never
	// cancels an appointment: while there are any, adding it is refused
	// (ECONFLICT) and the clinic first moves or cancels them.
	Kept     []Slot
	Restored []Slot // slots made again from the plan when it is removed
}

// DeskStore is what clinic staff do with their clinic's agenda. Every
// method is confined to ClinicID: staff never reach another clinic's data.
type DeskStore interface {
	// Agenda lists the clinic's slots starting in [from, to), practitioner
	// by practitioner in time order, with their appointments.
	Agenda(ctx context.Context, clinicID int64, from, to time.Time) ([]AgendaEntry, error)
	SetSlotState(ctx context.Context, r SlotStateRequest) (Slot, SlotChanges, error)
	// AddSlots opens exceptional availability: new free slots that must not
	// overlap the practitioner's existing ones (ECONFLICT).
	AddSlots(ctx context.Context, clinicID int64, slots []Slot) ([]Slot, SlotChanges, error)
	SavePlan(ctx context.Context, c PlanChange) (SlotChanges, error)
	SetAppointmentStatus(ctx context.Context, r AppointmentStatusRequest) (Appointment, error)
	// AddException adds an exception to the practitioner's plan and
	// withdraws the free slots inside it, in one transaction; with DryRun
	// it only reports them. It is ECONFLICT, and changes nothing, while
	// booked or live-held slots lie inside it (listed in Kept).
	AddException(ctx context.Context, r ExceptionRequest) (ExceptionEffect, SlotChanges, error)
	// RemoveException removes an exception (ENOTFOUND if the plan has none
	// of that ID) and makes again, up to Until, the free slots that the
	// plan wants inside it and nothing else covers or overlaps.
	RemoveException(ctx context.Context, r ExceptionRequest) (ExceptionEffect, SlotChanges, error)
}

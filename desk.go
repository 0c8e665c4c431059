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
// created; booked, held and blocked slots are kept as they are.
type PlanChange struct {
	ClinicID int64
	Plan     WorkingPlan
	From, To Date // the horizon to regenerate, [From, To)
	Now      time.Time
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
}

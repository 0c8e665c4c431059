package rdv

import "time"

// Audience says who may book a slot.
type Audience string

// Audiences.
const (
	Public   Audience = "public"   // anyone, through search
	Rostered Audience = "rostered" // only patients on the clinic's roster
)

// SlotState is where a slot stands.
type SlotState string

// Slot states. A held slot whose hold has expired counts as free: expiry is
// decided by comparing HoldExpires with the clock, never by a sweeper having
// run (invariant 4).
const (
	SlotFree    SlotState = "free"
	SlotHeld    SlotState = "held"
	SlotBooked  SlotState = "booked"
	SlotBlocked SlotState = "blocked"
)

// Slot is a bookable stretch of a practitioner's time at a clinic.
type Slot struct {
	ID             int64
	ClinicID       int64
	PractitionerID int64
	Service        Service
	Start, End     time.Time // UTC
	Audience       Audience
	State          SlotState
	HoldID         string    // when held
	HoldExpires    time.Time // when held
}

// FreeAt reports whether the slot can be held at now.
func (s Slot) FreeAt(now time.Time) bool {
	return s.State == SlotFree || (s.State == SlotHeld && !now.Before(s.HoldExpires))
}

// maxSlotLength is the longest slot: a plan block's longest slot length.
const maxSlotLength = 4 * time.Hour

// Validate checks the fields of a slot that staff open by hand: a
// practitioner, a known service and audience, an end after the start and
// at most four hours later. Where it is placed and whether it overlaps
// another slot are the desk's rules (desk.CheckNewSlots).
func (s Slot) Validate() error {
	switch {
	case s.PractitionerID == 0:
		return FieldError("practitioner", "practitioner missing")
	case !s.Service.Valid():
		return FieldError("service", "unknown service %q", s.Service)
	case s.Audience != Public && s.Audience != Rostered:
		return FieldError("audience", "unknown audience %q", s.Audience)
	case !s.End.After(s.Start):
		return FieldError("end", "end %v not after start %v", s.End, s.Start)
	case s.End.Sub(s.Start) > maxSlotLength:
		return FieldError("end", "slot longer than four hours")
	}
	return nil
}

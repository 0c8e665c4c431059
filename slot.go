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

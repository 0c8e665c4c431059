package rdv

// NeedsRoster reports whether a booking of the slot must be for a patient
// registered with the slot's clinic: a slot kept for registered patients,
// booked by the patient or a guardian (ENOTROSTERED otherwise). Clinic
// staff and phone agents book such slots for whom they judge right.
func NeedsRoster(s Slot, by BookedBy) bool {
	return s.Audience == Rostered && (by == BySelf || by == ByGuardian)
}

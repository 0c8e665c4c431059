// Package desk holds the rules of what clinic staff may change in their
// agenda that weigh more than one record or the clock: which slots may
// change state now, which appointment statuses may be recorded on the day,
// which exceptional slots fit together, and how a new weekly plan turns
// into slots to create and slots to withdraw. A record's own fields are
// checked by its type in package rdv (Validate). Both stores apply
// these rules inside their own transactions, so they decide the same way;
// the package does no I/O.
package desk

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"rdv"
)

// CanSetSlotState reports whether sl may become state at now: a booked slot,
// a slot under a live hold and a slot that has started cannot change.
func CanSetSlotState(sl rdv.Slot, state rdv.SlotState, now time.Time) error {
	switch {
	case !now.Before(sl.Start):
		return rdv.Errorf(rdv.ECONFLICT, "slot %d has started", sl.ID)
	case sl.State == rdv.SlotBooked:
		return rdv.Errorf(rdv.ECONFLICT, "slot %d is booked", sl.ID)
	case sl.State == rdv.SlotHeld && now.Before(sl.HoldExpires):
		return rdv.Errorf(rdv.ECONFLICT, "slot %d is held until %v", sl.ID, sl.HoldExpires)
	}
	return nil
}

// VisitDayCome reports whether the day of a visit that starts at start has
// come at now, in the clinics' time zone: a patient cannot arrive, be seen
// or miss an appointment before its day. The day view asks it to show the
// buttons that the stores would accept.
func VisitDayCome(start, now time.Time) bool {
	return !rdv.DateOf(now).Before(rdv.DateOf(start))
}

// CanSetAppointmentStatus reports whether staff may record status for a at
// now: arrived, fulfilled or no-show, on a booked or arrived appointment,
// from the day of the appointment on (ETOOEARLY before). Recording the
// status it already has is allowed and changes nothing.
func CanSetAppointmentStatus(a rdv.Appointment, status rdv.AppointmentStatus, now time.Time) error {
	switch status {
	case rdv.Arrived, rdv.Fulfilled, rdv.NoShow:
	default:
		return rdv.FieldError("status", "status %q cannot be recorded at the desk", status)
	}
	switch {
	case !VisitDayCome(a.Slot.Start, now):
		return rdv.Errorf(rdv.ETOOEARLY, "appointment %d is on %s, not yet on %s", a.ID, rdv.DateOf(a.Slot.Start), rdv.DateOf(now))
	case a.Status == status:
		return nil
	case a.Status != rdv.Booked && a.Status != rdv.Arrived:
		return rdv.Errorf(rdv.ECONFLICT, "appointment %d is %s", a.ID, a.Status)
	}
	return nil
}

// CheckNewSlots validates exceptional slots for a clinic and returns them
// normalised: placed at the clinic, free, public unless said otherwise, in
// time order. Each slot's own fields are rdv.Slot.Validate's; slots that
// overlap each other are a conflict.
func CheckNewSlots(clinicID int64, slots []rdv.Slot) ([]rdv.Slot, error) {
	if len(slots) == 0 {
		return nil, rdv.FieldError("slots", "no slot to add")
	}
	out := make([]rdv.Slot, len(slots))
	for i, sl := range slots {
		sl.ID, sl.ClinicID, sl.State, sl.HoldID, sl.HoldExpires = 0, clinicID, rdv.SlotFree, "", time.Time{}
		sl.Start, sl.End = sl.Start.UTC().Truncate(time.Second), sl.End.UTC().Truncate(time.Second)
		if sl.Audience == "" {
			sl.Audience = rdv.Public
		}
		if err := sl.Validate(); err != nil {
			return nil, err
		}
		out[i] = sl
	}
	slices.SortFunc(out, func(a, b rdv.Slot) int { return a.Start.Compare(b.Start) })
	for i := range out {
		for j := i + 1; j < len(out) && out[j].Start.Before(out[i].End); j++ {
			if out[j].PractitionerID == out[i].PractitionerID {
				return nil, rdv.Errorf(rdv.ECONFLICT, "new slots at %v and %v overlap", out[i].Start, out[j].Start)
			}
		}
	}
	return out, nil
}

// PlanWindow is the stretch of time a plan change regenerates: its days,
// from now on (the past is never rewritten).
func PlanWindow(c rdv.PlanChange) (lo, hi time.Time) {
	lo, hi = c.From.Start(rdv.Toronto), c.To.Start(rdv.Toronto)
	if lo.Before(c.Now) {
		lo = c.Now
	}
	return lo.UTC(), hi.UTC()
}

// PlanDiff is what a plan change does to a practitioner's slots.
type PlanDiff struct {
	Create []rdv.Slot // new free slots, IDs zero
	Retire []rdv.Slot // free slots that no longer fit the plan
}

type slotKey struct {
	start, end int64
	service    rdv.Service
	audience   rdv.Audience
}

func keyOf(s rdv.Slot) slotKey {
	return slotKey{s.Start.Unix(), s.End.Unix(), s.Service, s.Audience}
}

// DiffPlanSlots compares the slots the new plan wants in the window with
// the practitioner's existing slots that overlap it. A free slot that
// starts in the window stays if the plan wants exactly it (so that its ID,
// perhaps on a patient's screen, keeps working), and is withdrawn
// otherwise. Booked, held and blocked slots always stay, as do slots that
// start outside the window; a wanted slot that would overlap one that
// stays is not made.
func DiffPlanSlots(c rdv.PlanChange, existing []rdv.Slot) PlanDiff {
	lo, hi := PlanWindow(c)
	plan := c.Plan
	plan.ClinicID = c.ClinicID
	var wanted []rdv.Slot
	want := map[slotKey]bool{}
	for _, s := range plan.Expand(c.From, c.To, rdv.Toronto) {
		if s.Start.Before(lo) || !s.Start.Before(hi) || !c.Now.Before(s.Start) {
			continue
		}
		wanted = append(wanted, s)
		want[keyOf(s)] = true
	}
	var d PlanDiff
	var kept []rdv.Slot
	for _, s := range existing {
		inWindow := !s.Start.Before(lo) && s.Start.Before(hi)
		k := keyOf(s)
		switch {
		case s.State != rdv.SlotFree || !inWindow:
			kept = append(kept, s)
		case want[k]:
			delete(want, k) // a second free slot with the same times goes
			kept = append(kept, s)
		default:
			d.Retire = append(d.Retire, s)
		}
	}
	kept = sortByStart(kept)
	for _, s := range wanted {
		if !want[keyOf(s)] {
			continue // an existing slot already is this one
		}
		if overlapsAny(kept, s) {
			continue
		}
		d.Create = append(d.Create, s)
		kept = insertByStart(kept, s)
	}
	return d
}

func sortByStart(s []rdv.Slot) []rdv.Slot {
	slices.SortFunc(s, func(a, b rdv.Slot) int { return a.Start.Compare(b.Start) })
	return s
}

func insertByStart(s []rdv.Slot, x rdv.Slot) []rdv.Slot {
	i, _ := slices.BinarySearchFunc(s, x, func(a, b rdv.Slot) int { return a.Start.Compare(b.Start) })
	return slices.Insert(s, i, x)
}

// overlapsAny reports whether x overlaps a slot of sorted. Slots last at
// most a day, so only those that start less than a day before x can reach
// it.
func overlapsAny(sorted []rdv.Slot, x rdv.Slot) bool {
	i, _ := slices.BinarySearchFunc(sorted, x.Start.Add(-24*time.Hour), func(a rdv.Slot, t time.Time) int { return a.Start.Compare(t) })
	for ; i < len(sorted) && sorted[i].Start.Before(x.End); i++ {
		if sorted[i].End.After(x.Start) {
			return true
		}
	}
	return false
}

// EncodePlan returns the JSON that stores keep for a plan's blocks and
// exceptions (never null).
func EncodePlan(p rdv.WorkingPlan) (blocks, exceptions []byte, err error) {
	b, e := p.Blocks, p.Exceptions
	if b == nil {
		b = []rdv.PlanBlock{}
	}
	if e == nil {
		e = []rdv.PlanException{}
	}
	if blocks, err = json.Marshal(b); err != nil {
		return nil, nil, fmt.Errorf("encode plan blocks: %w", err)
	}
	if exceptions, err = json.Marshal(e); err != nil {
		return nil, nil, fmt.Errorf("encode plan exceptions: %w", err)
	}
	return blocks, exceptions, nil
}

package desk

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"rdv"
)

// Exceptions to a working plan (holidays, leave, a closed afternoon). An
// exception is stored with its plan; adding one withdraws the free slots
// inside it and never touches an appointment, removing one makes again
// the slots the plan wants there. The rules below are the stores' common
// ground, so both decide the same way.

// CheckException validates an exception to add at now and returns it
// normalised (rdv.PlanException.Validate), without an ID: the store gives
// it one. An exception that ended before today is refused: it would
// change nothing.
func CheckException(e rdv.PlanException, now time.Time) (rdv.PlanException, error) {
	e.ID = 0
	if err := e.Validate(); err != nil {
		return rdv.PlanException{}, err
	}
	if e.LastDay().Before(rdv.DateOf(now)) {
		return rdv.PlanException{}, rdv.FieldError("date", "exception ended on %s, before today", e.LastDay())
	}
	return e, nil
}

// DecodePlan fills p's blocks and exceptions from the JSON a store keeps
// them in, as stored (NumberExceptions names the ones without an ID).
func DecodePlan(p *rdv.WorkingPlan, blocks, exceptions []byte) error {
	if err := json.Unmarshal(blocks, &p.Blocks); err != nil {
		return fmt.Errorf("plan %d blocks: %w", p.ID, err)
	}
	if err := json.Unmarshal(exceptions, &p.Exceptions); err != nil {
		return fmt.Errorf("plan %d exceptions: %w", p.ID, err)
	}
	return nil
}

// NumberExceptions gives an ID to each exception stored without one (the
// next free number, in stored order), so that each can be named for
// removal. The numbering depends only on what is stored: two reads agree,
// and the next write keeps it.
func NumberExceptions(ex []rdv.PlanException) []rdv.PlanException {
	next := NextExceptionID(ex)
	for i := range ex {
		if ex[i].ID == 0 {
			ex[i].ID = next
			next++
		}
	}
	return ex
}

// NewExceptionID returns the ID of an exception being added: random, and
// none of ex's, so that an ID is never given again after a removal (the
// next free number would be): a retried or stale removal then finds
// nothing rather than the exception added since. It stays below 2^53, so
// that scripts reading it from JSON keep it whole.
func NewExceptionID(ex []rdv.PlanException) int64 {
	for {
		id := rand.Int64N(1<<53-1) + 1 // #nosec G404 -- an ID, not a secret: a collision is checked below and the plan is the clinic's own
		if ExceptionIndex(ex, id) < 0 {
			return id
		}
	}
}

// NextExceptionID returns an ID that no exception of ex has.
func NextExceptionID(ex []rdv.PlanException) int64 {
	var max int64
	for _, e := range ex {
		if e.ID > max {
			max = e.ID
		}
	}
	return max + 1
}

// ExceptionIndex returns the position of the exception id in ex, or -1.
func ExceptionIndex(ex []rdv.PlanException, id int64) int {
	for i, e := range ex {
		if e.ID == id {
			return i
		}
	}
	return -1
}

// ExceptionWindow is the stretch of time whose slots an exception can
// touch: its span, from now on.
func ExceptionWindow(e rdv.PlanException, now time.Time) (lo, hi time.Time) {
	lo, hi = e.Span(rdv.Toronto)
	if lo.Before(now) {
		lo = now
	}
	return lo.UTC(), hi.UTC()
}

// SplitExceptionSlots sorts the practitioner's slots that an exception
// covers at now: free slots and slots whose hold ran out are withdrawn;
// booked and live-held slots are kept (they stop the exception); blocked
// slots stay as they are; slots that have started are left alone.
func SplitExceptionSlots(e rdv.PlanException, existing []rdv.Slot, now time.Time) (withdraw, kept []rdv.Slot) {
	for _, s := range existing {
		if !now.Before(s.Start) || !e.Covers(s.Start, s.End, rdv.Toronto) {
			continue
		}
		switch {
		case s.State == rdv.SlotFree, s.State == rdv.SlotHeld && !now.Before(s.HoldExpires):
			withdraw = append(withdraw, s)
		case s.State == rdv.SlotBooked, s.State == rdv.SlotHeld:
			kept = append(kept, s)
		}
	}
	return withdraw, kept
}

// RestoreSlots returns the slots to make again when the exception e is
// removed from plan (plan no longer holds it): those the plan wants inside
// e, starting after now and before the horizon's end until, that no other
// exception covers and that overlap none of existing (the practitioner's
// slots around e, withdrawn ones left out).
func RestoreSlots(plan rdv.WorkingPlan, e rdv.PlanException, existing []rdv.Slot, now time.Time, until rdv.Date) []rdv.Slot {
	from, to := e.Date.AddDays(-1), e.LastDay().AddDays(1) // a night block reaches into the next day
	if today := rdv.DateOf(now); from.Before(today) {
		from = today
	}
	if until.Before(to) {
		to = until
	}
	if !from.Before(to) {
		return nil
	}
	kept := sortByStart(append([]rdv.Slot(nil), existing...))
	var out []rdv.Slot
	for _, s := range plan.Expand(from, to, rdv.Toronto) {
		if !now.Before(s.Start) || !e.Covers(s.Start, s.End, rdv.Toronto) || overlapsAny(kept, s) {
			continue
		}
		out = append(out, s)
		kept = insertByStart(kept, s)
	}
	return out
}

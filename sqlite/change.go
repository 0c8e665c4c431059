package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

// idemWindow is how long idempotency keys are kept: clients retry within
// minutes, so a day is plenty.
const idemWindow = 24 * time.Hour

// ownAppointment reads an appointment that a write is about to change and
// checks the caller's right to it: staff need nothing more, a signed-in
// patient account (accountID not 0) must be the appointment's, anyone else
// must hold its token. A refusal reads as not found.
func ownAppointment(tx *wtx, id int64, tokenHash string, byStaff bool, accountID int64) (rdv.Appointment, error) {
	a, hash, err := getAppointment(tx, id)
	if err != nil {
		return rdv.Appointment{}, err
	}
	switch {
	case byStaff:
	case accountID != 0:
		if a.AccountID != accountID {
			return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
		}
	case !tokenMatches(hash, tokenHash):
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	return a, nil
}

// Cancel cancels an appointment and frees its slot. Cancelling a cancelled
// appointment answers it unchanged.
func (s *Store) Cancel(ctx context.Context, r rdv.CancelRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	var a rdv.Appointment
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		replayed, err := idempotent(tx, r.Idem, r.Now, &a, func() (err error) {
			if a, ch, err = cancel(tx, r); err == nil {
				tx.auditChange(ctx, rdv.AuditAppointmentCancel, rdv.AppointmentRecords(a), r.Now)
			}
			return err
		})
		if replayed {
			ch = rdv.SlotChanges{Replayed: true}
		}
		return err
	}})
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("cancel appointment %d: %w", r.AppointmentID, err)
	}
	return a, ch, nil
}

func cancel(tx *wtx, r rdv.CancelRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, err := ownAppointment(tx, r.AppointmentID, r.TokenHash, r.ByStaff, r.AccountID)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if r.ByStaff && r.ClinicID != 0 && a.Slot.ClinicID != r.ClinicID {
		// Staff reach their own clinic only; another's reads as unknown.
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", r.AppointmentID)
	}
	switch {
	case a.Status == rdv.Cancelled:
		return a, rdv.SlotChanges{}, nil
	case a.Status != rdv.Booked:
		// An arrival, a visit or a no-show is a record, not a booking.
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d is %s", a.ID, a.Status)
	}
	if !r.Now.Before(a.Slot.Start) {
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d already started", a.ID)
	}
	if _, err := tx.exec(`UPDATE appointments SET status = 'cancelled', updated_at = ?, revision = revision + 1 WHERE id = ?`, millis(r.Now), a.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("mark cancelled: %w", mapError(err))
	}
	if err := freeSlot(tx, a.Slot.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	a.Status = rdv.Cancelled
	a.Revision++
	a.Slot.State = rdv.SlotFree
	kind := rdv.MessageCancelled
	if r.ByStaff {
		kind = rdv.MessageCancelledByClinic
		// The clinic broke what the fee paid for: it is given back. A
		// patient who cancels keeps the finding they paid for, done.
		_, refunded, err := refundAppointmentFee(tx, a.ID, r.Now)
		if err != nil {
			return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("refund the fee of appointment %d: %w", a.ID, err)
		}
		if refunded {
			tx.queueMessages(a.RefundReceipts(r.Now))
		}
	}
	tx.queueMessages(a.Notices(kind, "", r.Now, r.Now))
	tx.queueEvent(rdv.EventOf(rdv.EventCancelled, a, nil, r.Now))
	// Its place on the waitlist, if any, has nothing left to move.
	ended, err := endWaitlist(tx, a.ID, r.Now)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	return a, rdv.SlotChanges{Freed: append([]rdv.Slot{a.Slot}, ended.Freed...)}, nil
}

func freeSlot(tx *wtx, id int64) error {
	if _, err := tx.exec(`UPDATE slots SET state = 'free', hold_id = NULL, hold_expires = 0 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("free slot %d: %w", id, mapError(err))
	}
	return nil
}

// Reschedule moves an appointment to the slot of a live hold: in one
// transaction the new slot is booked, the appointment moved and the old
// slot freed.
func (s *Store) Reschedule(ctx context.Context, r rdv.RescheduleRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	var a rdv.Appointment
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		replayed, err := idempotent(tx, r.Idem, r.Now, &a, func() (err error) {
			if a, ch, err = reschedule(tx, r); err == nil {
				tx.auditChange(ctx, rdv.AuditAppointmentMove, rdv.AppointmentRecords(a), r.Now)
			}
			return err
		})
		if replayed {
			ch = rdv.SlotChanges{Replayed: true}
		}
		return err
	}})
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("reschedule appointment %d: %w", r.AppointmentID, err)
	}
	return a, ch, nil
}

func reschedule(tx *wtx, r rdv.RescheduleRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, err := ownAppointment(tx, r.AppointmentID, r.TokenHash, false, r.AccountID)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	switch {
	case a.Status != rdv.Booked:
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d is %s", a.ID, a.Status)
	case !r.Now.Before(a.Slot.Start):
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d already started", a.ID)
	}
	h, slot, err := liveHold(tx, r.HoldID, r.Now)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if slot.ID == a.Slot.ID {
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d is already on slot %d", a.ID, slot.ID)
	}
	if _, err := tx.exec(`UPDATE appointments SET slot_id = ?, updated_at = ?, revision = revision + 1 WHERE id = ?`, slot.ID, millis(r.Now), a.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("move appointment: %w", uniqueAs(err, rdv.ESLOTTAKEN, "slot %d already booked", slot.ID))
	}
	if err := bookSlot(tx, h.ID, slot.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	old := a.Slot
	if err := freeSlot(tx, old.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	old.State = rdv.SlotFree
	slot.State, slot.HoldID, slot.HoldExpires = rdv.SlotBooked, "", time.Time{}
	a.Slot = slot
	a.Revision++
	// A reminder of the old time, written already or still to come from
	// the old time's confirmation, carries the old revision: delivery
	// skips it. The notice of the new time brings the new reminder.
	tx.queueMessages(a.Confirmations(rdv.MessageRescheduled, r.RemindBefore, r.Token, r.Now))
	tx.queueEvent(rdv.EventOf(rdv.EventRescheduled, a, &old, r.Now))
	// Moved by its patient: a place on the waitlist for the old time
	// ends (one that moved it is booked already).
	ended, err := endWaitlist(tx, a.ID, r.Now)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	return a, rdv.SlotChanges{Freed: append([]rdv.Slot{old}, ended.Freed...), Taken: []rdv.Slot{slot}}, nil
}

// ExpireHolds marks the active holds that ran out by now expired, frees
// the slots they still held, and forgets idempotency keys older than a day.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time) (rdv.SlotChanges, error) {
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		ch, err = expireHolds(tx, now)
		return err
	}})
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("expire holds: %w", err)
	}
	return ch, nil
}

func expireHolds(tx *wtx, now time.Time) (rdv.SlotChanges, error) {
	rows, err := tx.query(`UPDATE holds SET status = 'expired' WHERE status = 'active' AND expires_at <= ? RETURNING id, slot_id`, millis(now))
	if err != nil {
		return rdv.SlotChanges{}, mapError(err)
	}
	type ran struct {
		hold string
		slot int64
	}
	var out []ran
	for rows.Next() {
		var r ran
		if err := rows.Scan(&r.hold, &r.slot); err != nil {
			_ = rows.Close()
			return rdv.SlotChanges{}, mapError(err)
		}
		out = append(out, r)
	}
	if err := rows.Close(); err != nil {
		return rdv.SlotChanges{}, mapError(err)
	}
	if err := rows.Err(); err != nil {
		return rdv.SlotChanges{}, mapError(err)
	}
	var ch rdv.SlotChanges
	for _, r := range out {
		// Only a slot this very hold still holds is freed: a slot held
		// again after its old hold ran out keeps the new hold.
		slot, err := scanSlot(tx.row(`UPDATE slots SET state = 'free', hold_id = NULL, hold_expires = 0
			WHERE id = ? AND state = 'held' AND hold_id = ? RETURNING `+slotColumns, r.slot, r.hold))
		if err == nil {
			ch.Freed = append(ch.Freed, slot)
			continue
		}
		if !isNoRows(err) {
			return rdv.SlotChanges{}, fmt.Errorf("free slot %d: %w", r.slot, mapError(err))
		}
	}
	if _, err := tx.exec(`DELETE FROM idempotency WHERE created_at < ?`, millis(now.Add(-idemWindow))); err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("forget old idempotency keys: %w", mapError(err))
	}
	return ch, nil
}

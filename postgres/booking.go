package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// ConfirmHold turns a live hold into a booked appointment. The hold and its
// slot change in one statement whose conditions are the rule (hold neither
// used nor run out, slot still held by it); the partial unique index on
// appointments backs the rule up.
//
// Confirmations of concurrent callers are booked together, a group in
// one transaction (writer.go), but for one that books for a request; one
// the group does not book is run again here, alone.
func (s *Store) ConfirmHold(ctx context.Context, r rdv.ConfirmRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	if s.writer != nil && r.ForRequest == 0 {
		res, alone, err := s.submitGroup(ctx, "confirm hold", &groupCmd{confirm: &r}, r.Idem)
		if !alone {
			return res.a, res.ch, err
		}
	}
	return idempotentTx(ctx, s, "confirm hold", r.Idem, r.Now, audited(ctx, rdv.AuditAppointmentBook, r.Now, r.ForRequest, func(tx pgx.Tx, _ *rdv.SlotChanges) (rdv.Appointment, error) {
		now := dbTime(r.Now)
		var x slotScan
		err := tx.QueryRow(ctx, `WITH used AS (
				UPDATE holds SET ended = true WHERE id = $1 AND NOT ended AND expires_at > $2 RETURNING slot_id)
			UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
			FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = $1
			RETURNING `+slotColumns, r.HoldID, now).Scan(x.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Appointment{}, whyNotConfirmed(ctx, tx, r.HoldID, now)
		}
		if err != nil {
			return rdv.Appointment{}, err
		}
		a, err := book(ctx, tx, x.slot(), r, now)
		if err != nil {
			return rdv.Appointment{}, err
		}
		if err := bookRequest(ctx, tx, r.ForRequest, a.ID, now); err != nil {
			return rdv.Appointment{}, err
		}
		return a, nil
	}))
}

// book writes the appointment of a slot just taken from its hold. The
// answer is what the request gave, with the IDs of the patient rows it
// was filed under: nothing of a stored patient.
func book(ctx context.Context, tx pgx.Tx, sl rdv.Slot, r rdv.ConfirmRequest, now time.Time) (rdv.Appointment, error) {
	a := newBooking(sl, r, now)
	var err error
	if g := a.Guardian; g != nil {
		if g.ID, err = findOrAddPatient(ctx, tx, *g); err != nil {
			return rdv.Appointment{}, err
		}
		a.Patient.GuardianID = g.ID
	}
	p := &a.Patient
	if p.ID, err = findOrAddPatient(ctx, tx, *p); err != nil {
		return rdv.Appointment{}, err
	}
	if rdv.NeedsRoster(sl, r.BookedBy) {
		if err := checkRostered(ctx, tx, sl, *p); err != nil {
			return rdv.Appointment{}, err
		}
	}
	// The confirmation, and the time of the reminder it brings, are
	// written by the statement that writes the appointment, whose ID they
	// take: no round trip more.
	k := keysOf(tx)
	ms := newMessageColumns(k, a.Confirmations(rdv.MessageConfirmed, r.RemindBefore, r.CancelToken, now))
	args := append([]any{sl.ID, p.ID, nullID(p.GuardianID), string(r.BookedBy), string(r.Channel), r.FeeCents, now, r.CancelTokenHash,
		ms.kinds, ms.channels, ms.tos, ms.langs, ms.secrets, ms.due, ms.reminders, ms.indexes,
		sl.ClinicID, sl.PractitionerID, string(sl.Service), dbTime(sl.Start), dbTime(sl.End)},
		contactArgs(k, a)...)
	err = tx.QueryRow(ctx, `WITH a AS (
			INSERT INTO appointments (slot_id, patient_id, guardian_id, status, booked_by, channel, fee_cents, created_at, cancel_token_hash,
				`+appointmentContactColumns+`)
			VALUES ($1, $2, $3, 'booked', $4, $5, $6, $7, $8, `+contactValues(22)+`)
			RETURNING id),
		m AS (
			INSERT INTO messages (kind, channel, destination, language, appointment_id, revision, secret, due_at, created_at, reminder_at,
				destination_index)
			SELECT k, c, d, l, a.id, 0, s, due, $7, rem, di
			FROM a, unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[], $16::text[])
				AS u(k, c, d, l, s, due, rem, di)),
		-- The webhook event, only when the clinic has a live endpoint
		-- that wants it (insertEventSQL's rule).
		w AS (
			INSERT INTO webhook_events (type, clinic_id, appointment_id, practitioner_id, service, start_at, end_at, status, occurred_at)
			SELECT 'appointment.booked', $17, a.id, $18, $19, $20, $21, 'booked', $7 FROM a
			WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.clinic_id = $17 AND e.removed_at IS NULL
				AND 'appointment.booked' = ANY(e.events)))
		SELECT id FROM a`, args...).Scan(&a.ID)
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("write appointment: %w", err)
	}
	return a, nil
}

// newBooking is the appointment a confirmation books on slot sl, as the
// request gave it, before its rows have IDs.
func newBooking(sl rdv.Slot, r rdv.ConfirmRequest, now time.Time) rdv.Appointment {
	a := rdv.Appointment{Slot: sl, Status: rdv.Booked, BookedBy: r.BookedBy, Channel: r.Channel,
		FeeCents: r.FeeCents, CreatedAt: now, CancelToken: r.CancelToken, Patient: r.Patient, Card: r.Card,
		Notify: r.Notify, AccountID: r.AccountID}
	a.Patient.GuardianID = 0
	if r.Guardian != nil {
		g := *r.Guardian
		g.GuardianID = 0
		a.Guardian = &g
		a.Relationship = r.Relationship
	}
	return a
}

// appointmentContactColumns are the columns of an appointment that keep
// its people as the booking gave them (contactArgs).
const appointmentContactColumns = `first_name, last_name, birth_date, phone, email, language,
	guardian_first_name, guardian_last_name, guardian_birth_date, guardian_phone, guardian_email, guardian_language,
	guardian_relationship, card, notify_email, notify_sms, account_id,
	email_index, phone_index, guardian_email_index, guardian_phone_index`

// contactArgs are the values of appointmentContactColumns for a, sealed
// with k.
func contactArgs(k *fieldcrypt.Keys, a rdv.Appointment) []any {
	p, g := a.Patient, deref(a.Guardian)
	return []any{k.Seal(p.FirstName), k.Seal(p.LastName), nullText(k.Seal(birthText(p.BirthDate))), k.Seal(p.Phone), k.Seal(p.Email), p.Language,
		k.Seal(g.FirstName), k.Seal(g.LastName), nullText(k.Seal(birthText(g.BirthDate))), k.Seal(g.Phone), k.Seal(g.Email), g.Language,
		string(a.Relationship), string(a.Card), a.Notify.Email, a.Notify.SMS, nullID(a.AccountID),
		k.Index(fieldcrypt.KindEmail, p.Email), k.Index(fieldcrypt.KindPhone, p.Phone),
		k.Index(fieldcrypt.KindEmail, g.Email), k.Index(fieldcrypt.KindPhone, g.Phone)}
}

// contactValues are the placeholders of contactArgs from $first, typed
// for a SELECT as for VALUES.
func contactValues(first int) string {
	types := []string{"text", "text", "text", "text", "text", "text",
		"text", "text", "text", "text", "text", "text",
		"text", "text", "boolean", "boolean", "bigint",
		"text", "text", "text", "text"}
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = fmt.Sprintf("$%d::%s", first+i, t)
	}
	return strings.Join(out, ", ")
}

// checkRostered refuses a booking on a slot kept for the clinic's
// registered patients for a patient not registered there: the patient
// found by the booking's health number must be on the roster, and named
// and born as the booking says (rdv.RosterEntry.Registers).
func checkRostered(ctx context.Context, tx pgx.Tx, sl rdv.Slot, p rdv.Patient) error {
	e, err := scanRosterEntry(keysOf(tx), tx.QueryRow(ctx, `SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
		WHERE r.clinic_id = $1 AND r.patient_id = $2`, sl.ClinicID, p.ID))
	switch {
	case errors.Is(err, pgx.ErrNoRows) || err == nil && !e.Registers(p):
		return rdv.Errorf(rdv.ENOTROSTERED, "slot %d is for the registered patients of clinic %d", sl.ID, sl.ClinicID)
	case err != nil:
		return fmt.Errorf("read roster of clinic %d: %w", sl.ClinicID, err)
	}
	return nil
}

// whyNotConfirmed explains why a hold could not be used.
func whyNotConfirmed(ctx context.Context, tx pgx.Tx, holdID string, now time.Time) error {
	var ended bool
	var expires time.Time
	err := tx.QueryRow(ctx, `SELECT ended, expires_at FROM holds WHERE id = $1`, holdID).Scan(&ended, &expires)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return rdv.Errorf(rdv.ENOTFOUND, "hold %s", holdID)
	case err != nil:
		return fmt.Errorf("read hold %s: %w", holdID, err)
	case ended:
		return rdv.Errorf(rdv.ECONFLICT, "hold %s was already used", holdID)
	default:
		// Run out, or swept by another instance whose clock is ahead.
		return rdv.Errorf(rdv.EGONE, "hold %s ran out", holdID)
	}
}

// lockAppointment locks an active appointment for a change by staff, of
// clinic clinicID unless it is 0, by the signed-in patient account
// accountID (not 0) that it belongs to, or else by its patient, whose token
// must match. A refusal reads as not found.
func lockAppointment(ctx context.Context, tx pgx.Tx, id int64, tokenHash string, byStaff bool, clinicID, accountID int64) (status rdv.AppointmentStatus, slotID int64, start time.Time, err error) {
	var st string
	err = tx.QueryRow(ctx, `SELECT a.status, a.slot_id, s.start_at FROM appointments a JOIN slots s ON s.id = a.slot_id
		WHERE a.id = $1 AND CASE WHEN $3 THEN $4::bigint = 0 OR s.clinic_id = $4::bigint
			WHEN $5::bigint <> 0 THEN a.account_id IS NOT DISTINCT FROM $5::bigint
			ELSE a.cancel_token_hash <> '' AND a.cancel_token_hash = $2 END
		FOR UPDATE OF a`, id, tokenHash, byStaff, clinicID, accountID).Scan(&st, &slotID, &start)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, time.Time{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	if err != nil {
		return "", 0, time.Time{}, fmt.Errorf("lock appointment %d: %w", id, err)
	}
	return rdv.AppointmentStatus(st), slotID, start, nil
}

// Cancel cancels an appointment and frees its slot. Cancelling a cancelled
// appointment answers the same and changes nothing.
func (s *Store) Cancel(ctx context.Context, r rdv.CancelRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, ch, err := idempotentTx(ctx, s, "cancel", r.Idem, r.Now, audited(ctx, rdv.AuditAppointmentCancel, r.Now, 0, func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Appointment, error) {
		return cancel(ctx, tx, r, ch)
	}))
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed()
	}
	return a, ch, nil
}

// cancel cancels an appointment in tx, as Cancel does, adding the slots
// it frees to ch.
func cancel(ctx context.Context, tx pgx.Tx, r rdv.CancelRequest, ch *rdv.SlotChanges) (rdv.Appointment, error) {
	status, slotID, start, err := lockAppointment(ctx, tx, r.AppointmentID, r.TokenHash, r.ByStaff, r.ClinicID, r.AccountID)
	if err != nil {
		return rdv.Appointment{}, err
	}
	switch {
	case status == rdv.Cancelled:
		return readAppointment(ctx, tx, keysOf(tx), r.AppointmentID, "", false)
	case status != rdv.Booked:
		return rdv.Appointment{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d is %s", r.AppointmentID, status)
	case !start.After(r.Now):
		return rdv.Appointment{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d has started", r.AppointmentID)
	default:
		rows, err := tx.Query(ctx, `WITH cancelled AS (
				UPDATE appointments SET status = 'cancelled', revision = revision + 1 WHERE id = $1),
			freed AS (
				UPDATE slots s SET state = 'free', hold_id = NULL, hold_expires = NULL
				WHERE s.id = $2 AND s.state = 'booked' RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM freed)
			SELECT * FROM freed`, r.AppointmentID, slotID)
		if err != nil {
			return rdv.Appointment{}, err
		}
		if ch.Freed, err = scanSlots(rows); err != nil {
			return rdv.Appointment{}, err
		}
	}
	a, err := readAppointment(ctx, tx, keysOf(tx), r.AppointmentID, "", false)
	if err != nil {
		return rdv.Appointment{}, err
	}
	kind := rdv.MessageCancelled
	now := dbTime(r.Now)
	if r.ByStaff {
		kind = rdv.MessageCancelledByClinic
		// The clinic broke what the fee paid for: it is given back. A
		// patient who cancels keeps the finding they paid for, done.
		_, refunded, err := refundAppointmentFee(ctx, tx, r.AppointmentID, now)
		if err != nil {
			return rdv.Appointment{}, fmt.Errorf("refund the fee of appointment %d: %w", r.AppointmentID, err)
		}
		if refunded {
			if err := insertMessages(ctx, tx, a.RefundReceipts(now)); err != nil {
				return rdv.Appointment{}, err
			}
		}
	}
	if err := insertEvent(ctx, tx, rdv.EventOf(rdv.EventCancelled, a, nil, now)); err != nil {
		return rdv.Appointment{}, err
	}
	// Its place on the waitlist, if any, has nothing left to move.
	ended, err := endWaitlist(ctx, tx, r.AppointmentID, now)
	if err != nil {
		return rdv.Appointment{}, err
	}
	ch.Freed = append(ch.Freed, ended.Freed...)
	return a, insertMessages(ctx, tx, a.Notices(kind, "", now, now))
}

// Reschedule moves an appointment to the slot of a live hold: the new slot
// is booked, the hold used and the old slot freed in one transaction.
func (s *Store) Reschedule(ctx context.Context, r rdv.RescheduleRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	a, ch, err := idempotentTx(ctx, s, "reschedule", r.Idem, r.Now, audited(ctx, rdv.AuditAppointmentMove, r.Now, 0, func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Appointment, error) {
		return reschedule(ctx, tx, r, ch)
	}))
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if !ch.Replayed {
		s.changed()
	}
	return a, ch, nil
}

// reschedule moves an appointment inside tx: Reschedule's, and the
// waitlist's when its proposal is accepted.
func reschedule(ctx context.Context, tx pgx.Tx, r rdv.RescheduleRequest, ch *rdv.SlotChanges) (rdv.Appointment, error) {
	now := dbTime(r.Now)
	status, oldSlot, start, err := lockAppointment(ctx, tx, r.AppointmentID, r.TokenHash, false, 0, r.AccountID)
	if err != nil {
		return rdv.Appointment{}, err
	}
	switch {
	case status != rdv.Booked:
		return rdv.Appointment{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d is %s", r.AppointmentID, status)
	case !start.After(now):
		return rdv.Appointment{}, rdv.Errorf(rdv.ECONFLICT, "appointment %d has started", r.AppointmentID)
	}
	var x slotScan
	err = tx.QueryRow(ctx, `WITH used AS (
			UPDATE holds SET ended = true WHERE id = $1 AND NOT ended AND expires_at > $2 RETURNING slot_id),
		taken AS (
			UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
			FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = $1
			RETURNING `+slotColumns+`),
		change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM taken)
		SELECT * FROM taken`, r.HoldID, now).Scan(x.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Appointment{}, whyNotConfirmed(ctx, tx, r.HoldID, now)
	}
	if err != nil {
		return rdv.Appointment{}, err
	}
	ch.Taken = []rdv.Slot{x.slot()}
	rows, err := tx.Query(ctx, `WITH moved AS (
			UPDATE appointments SET slot_id = $2, revision = revision + 1 WHERE id = $1),
		freed AS (
			UPDATE slots s SET state = 'free', hold_id = NULL, hold_expires = NULL
			WHERE s.id = $3 AND s.state = 'booked' RETURNING `+slotColumns+`),
		change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM freed)
		SELECT * FROM freed`, r.AppointmentID, x.s.ID, oldSlot)
	if err != nil {
		return rdv.Appointment{}, err
	}
	if ch.Freed, err = scanSlots(rows); err != nil {
		return rdv.Appointment{}, err
	}
	a, err := readAppointment(ctx, tx, keysOf(tx), r.AppointmentID, "", false)
	if err != nil {
		return rdv.Appointment{}, err
	}
	// A reminder of the old time, written already or still to come
	// from the old time's confirmation, carries the old revision:
	// delivery skips it. The notice of the new time brings the new
	// reminder.
	var old *rdv.Slot
	if len(ch.Freed) == 1 {
		old = &ch.Freed[0]
	}
	if err := insertEvent(ctx, tx, rdv.EventOf(rdv.EventRescheduled, a, old, now)); err != nil {
		return rdv.Appointment{}, err
	}
	if err := insertMessages(ctx, tx, a.Confirmations(rdv.MessageRescheduled, r.RemindBefore, r.Token, now)); err != nil {
		return rdv.Appointment{}, err
	}
	// Moved by its patient: a place on the waitlist for the old time
	// ends (one that moved it is booked already).
	ended, err := endWaitlist(ctx, tx, r.AppointmentID, now)
	ch.Freed = append(ch.Freed, ended.Freed...)
	return a, err
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/desk"
)

// Agenda lists the clinic's slots that start in [from, to) by practitioner
// and time, each with its active appointment. Slots withdrawn by a plan
// change are left out.
func (s *Store) Agenda(ctx context.Context, clinicID int64, from, to time.Time) ([]rdv.AgendaEntry, error) {
	var out []rdv.AgendaEntry
	err := s.withConn(ctx, "agenda", func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+slotColumns+`, a.id, a.status, a.booked_by, a.channel, a.fee_cents, a.created_at,
				a.revision, a.notify_email, a.notify_sms, a.account_id, `+peopleColumns+`
			FROM slots s
			LEFT JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled'`+peopleJoins+`
			WHERE s.clinic_id = $1 AND s.start_at >= $2 AND s.start_at < $3 AND s.retired_at IS NULL
			ORDER BY s.practitioner_id, s.start_at, s.id`, clinicID, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		var sl slotScan
		var id, fee, accountID *int64
		var status, bookedBy, channel *string
		var created *time.Time
		var revision *int
		var notifyEmail, notifySMS *bool
		var people peopleScan
		dest := append(append(sl.dest(), &id, &status, &bookedBy, &channel, &fee, &created,
			&revision, &notifyEmail, &notifySMS, &accountID), people.dest(s.opts.Keys)...)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			e := rdv.AgendaEntry{Slot: sl.slot()}
			if id != nil {
				e.Appointment = &rdv.Appointment{ID: *id, Slot: e.Slot, Status: rdv.AppointmentStatus(deref(status)),
					BookedBy: rdv.BookedBy(deref(bookedBy)), Channel: rdv.Channel(deref(channel)), FeeCents: deref(fee),
					CreatedAt: deref(created).UTC(), Revision: deref(revision),
					Notify: rdv.Notify{Email: deref(notifyEmail), SMS: deref(notifySMS)}, AccountID: deref(accountID)}
				if err := people.fill(e.Appointment); err != nil {
					return err
				}
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("clinic %d: %w", clinicID, err)
	}
	return out, nil
}

// SetSlotState blocks or reopens a slot of the clinic. The slot's row is
// locked first, so a hold or a booking racing the change waits for it and
// then finds the slot as the change left it.
func (s *Store) SetSlotState(ctx context.Context, r rdv.SlotStateRequest) (rdv.Slot, rdv.SlotChanges, error) {
	var sl rdv.Slot
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "set slot state", func(tx pgx.Tx) error {
		sl, ch = rdv.Slot{}, rdv.SlotChanges{}
		if err := r.Validate(); err != nil {
			return err
		}
		var err error
		if sl, err = deskSlot(ctx, tx, r.ClinicID, r.SlotID); err != nil {
			return err
		}
		if err := desk.CanSetSlotState(sl, r.State, r.Now); err != nil {
			return err
		}
		if sl.State == r.State {
			return nil
		}
		if sl.State == rdv.SlotHeld {
			// The hold ran out (a live one was refused above): it ends now.
			if _, err := tx.Exec(ctx, `UPDATE holds SET ended = true WHERE id = $1`, sl.HoldID); err != nil {
				return fmt.Errorf("end hold %s: %w", sl.HoldID, err)
			}
		}
		var x slotScan
		if err := tx.QueryRow(ctx, `WITH changed AS (
				UPDATE slots s SET state = $2, hold_id = NULL, hold_expires = NULL WHERE s.id = $1 RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM changed)
			SELECT * FROM changed`, sl.ID, string(r.State)).Scan(x.dest()...); err != nil {
			return fmt.Errorf("mark slot %d %s: %w", sl.ID, r.State, err)
		}
		sl = x.slot()
		if r.State == rdv.SlotFree {
			ch.Freed = []rdv.Slot{sl}
		} else {
			ch.Taken = []rdv.Slot{sl}
		}
		return nil
	})
	if err != nil {
		return rdv.Slot{}, rdv.SlotChanges{}, fmt.Errorf("slot %d: %w", r.SlotID, err)
	}
	if len(ch.Freed)+len(ch.Taken) > 0 {
		s.changed()
	}
	return sl, ch, nil
}

// deskSlot locks a slot of the clinic for a change by its staff. Another
// clinic's slot and a withdrawn slot read as not found.
func deskSlot(ctx context.Context, tx pgx.Tx, clinicID, slotID int64) (rdv.Slot, error) {
	var x slotScan
	err := tx.QueryRow(ctx, `SELECT `+slotColumns+` FROM slots s WHERE s.id = $1 AND s.clinic_id = $2 AND s.retired_at IS NULL FOR UPDATE`,
		slotID, clinicID).Scan(x.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Slot{}, rdv.Errorf(rdv.ENOTFOUND, "slot %d of clinic %d", slotID, clinicID)
	}
	if err != nil {
		return rdv.Slot{}, fmt.Errorf("read slot %d: %w", slotID, err)
	}
	return x.slot(), nil
}

// lockPractitioner checks that the practitioner works at the clinic and
// locks it: changes to one practitioner's slots (additions, plan changes)
// run one after the other, so their overlap checks hold.
func lockPractitioner(ctx context.Context, tx pgx.Tx, clinicID, practitionerID int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM practitioners WHERE id = $1 AND clinic_id = $2 FOR UPDATE`, practitionerID, clinicID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Errorf(rdv.ENOTFOUND, "practitioner %d of clinic %d", practitionerID, clinicID)
	}
	if err != nil {
		return fmt.Errorf("lock practitioner %d: %w", practitionerID, err)
	}
	return nil
}

// practitionerSlots locks the practitioner's slots, withdrawn ones left
// out, that overlap [lo, hi).
func practitionerSlots(ctx context.Context, tx pgx.Tx, practitionerID int64, lo, hi time.Time) ([]rdv.Slot, error) {
	rows, err := tx.Query(ctx, `SELECT `+slotColumns+` FROM slots s
		WHERE s.practitioner_id = $1 AND s.retired_at IS NULL AND s.start_at < $3 AND s.end_at > $2
		ORDER BY s.start_at FOR UPDATE`, practitionerID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read slots of practitioner %d: %w", practitionerID, err)
	}
	return scanSlots(rows)
}

// insertSlots writes new free slots and records them in the change log.
func insertSlots(ctx context.Context, tx pgx.Tx, slots []rdv.Slot) ([]rdv.Slot, error) {
	n := len(slots)
	clinics, practs := make([]int64, n), make([]int64, n)
	services, audiences := make([]string, n), make([]string, n)
	starts, ends := make([]time.Time, n), make([]time.Time, n)
	for i, sl := range slots {
		clinics[i], practs[i] = sl.ClinicID, sl.PractitionerID
		services[i], audiences[i] = string(sl.Service), string(sl.Audience)
		starts[i], ends[i] = sl.Start, sl.End
	}
	rows, err := tx.Query(ctx, `WITH made AS (
			INSERT INTO slots AS s (clinic_id, practitioner_id, service, start_at, end_at, audience, state)
			SELECT x.c, x.p, x.svc, x.st, x.en, x.aud, 'free'
			FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[]) WITH ORDINALITY
				AS x(c, p, svc, st, en, aud, n)
			ORDER BY x.n
			RETURNING `+slotColumns+`),
		change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM made)
		SELECT * FROM made ORDER BY start_at, id`, clinics, practs, services, starts, ends, audiences)
	if err != nil {
		return nil, fmt.Errorf("insert slots: %w", err)
	}
	return scanSlots(rows)
}

// AddSlots opens exceptional availability at the clinic.
func (s *Store) AddSlots(ctx context.Context, clinicID int64, slots []rdv.Slot) ([]rdv.Slot, rdv.SlotChanges, error) {
	var out []rdv.Slot
	err := s.inTx(ctx, "add slots", func(tx pgx.Tx) error {
		out = nil
		checked, err := desk.CheckNewSlots(clinicID, slots)
		if err != nil {
			return err
		}
		locked := map[int64]bool{}
		for _, sl := range checked {
			if !locked[sl.PractitionerID] {
				if err := lockPractitioner(ctx, tx, clinicID, sl.PractitionerID); err != nil {
					return err
				}
				locked[sl.PractitionerID] = true
			}
			existing, err := practitionerSlots(ctx, tx, sl.PractitionerID, sl.Start, sl.End)
			if err != nil {
				return err
			}
			if len(existing) > 0 {
				return rdv.Errorf(rdv.ECONFLICT, "slot at %v overlaps slot %d", sl.Start, existing[0].ID)
			}
		}
		out, err = insertSlots(ctx, tx, checked)
		return err
	})
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("clinic %d: %w", clinicID, err)
	}
	s.changed()
	return out, rdv.SlotChanges{Freed: out}, nil
}

// SavePlan replaces a practitioner's plan and regenerates its free future
// slots within the horizon.
func (s *Store) SavePlan(ctx context.Context, c rdv.PlanChange) (rdv.SlotChanges, error) {
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "save plan", func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		if err := c.Validate(); err != nil {
			return err
		}
		plan := c.Plan
		plan.ClinicID = c.ClinicID
		if err := lockPractitioner(ctx, tx, c.ClinicID, plan.PractitionerID); err != nil {
			return err
		}
		// The blocks change; the stored exceptions stay, and the new slots
		// honour them.
		stored, err := readPlan(ctx, tx, plan.PractitionerID, c.ClinicID)
		if err != nil {
			return err
		}
		plan.Exceptions = stored.Exceptions
		c := c
		c.Plan = plan
		if err := writePlanPart(ctx, tx, plan, planBlocks); err != nil {
			return err
		}
		lo, hi := desk.PlanWindow(c)
		existing, err := practitionerSlots(ctx, tx, plan.PractitionerID, lo, hi)
		if err != nil {
			return err
		}
		diff := desk.DiffPlanSlots(c, existing)
		if len(diff.Retire) > 0 {
			ids := make([]int64, len(diff.Retire))
			for i, sl := range diff.Retire {
				ids[i] = sl.ID
			}
			rows, err := tx.Query(ctx, `WITH retired AS (
					UPDATE slots s SET state = 'blocked', retired_at = $2 WHERE s.id = ANY($1) AND s.state = 'free'
					RETURNING `+slotColumns+`),
				change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM retired)
				SELECT * FROM retired`, ids, dbTime(c.Now))
			if err != nil {
				return fmt.Errorf("withdraw slots: %w", err)
			}
			if ch.Taken, err = scanSlots(rows); err != nil {
				return fmt.Errorf("withdraw slots: %w", err)
			}
		}
		if len(diff.Create) > 0 {
			if ch.Freed, err = insertSlots(ctx, tx, diff.Create); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("practitioner %d: %w", c.Plan.PractitionerID, err)
	}
	if len(ch.Freed)+len(ch.Taken) > 0 {
		s.changed()
	}
	return ch, nil
}

// SetAppointmentStatus records that the patient arrived, was seen, or did
// not come.
func (s *Store) SetAppointmentStatus(ctx context.Context, r rdv.AppointmentStatusRequest) (rdv.Appointment, error) {
	var a rdv.Appointment
	err := s.inTx(ctx, "set appointment status", func(tx pgx.Tx) error {
		a = rdv.Appointment{}
		var status string
		var start time.Time
		err := tx.QueryRow(ctx, `SELECT a.status, s.start_at FROM appointments a JOIN slots s ON s.id = a.slot_id
			WHERE a.id = $1 AND s.clinic_id = $2 FOR UPDATE OF a`, r.AppointmentID, r.ClinicID).Scan(&status, &start)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "appointment %d of clinic %d", r.AppointmentID, r.ClinicID)
		}
		if err != nil {
			return fmt.Errorf("lock appointment %d: %w", r.AppointmentID, err)
		}
		current := rdv.Appointment{ID: r.AppointmentID, Status: rdv.AppointmentStatus(status), Slot: rdv.Slot{Start: start.UTC()}}
		if err := desk.CanSetAppointmentStatus(current, r.Status, r.Now); err != nil {
			return err
		}
		if current.Status != r.Status {
			if _, err := tx.Exec(ctx, `UPDATE appointments SET status = $2, revision = revision + 1,
					arrived_at = CASE WHEN $2 = 'arrived' THEN $3 ELSE arrived_at END,
					closed_at = CASE WHEN $2 <> 'arrived' THEN $3 ELSE closed_at END
				WHERE id = $1`, r.AppointmentID, string(r.Status), dbTime(r.Now)); err != nil {
				return fmt.Errorf("write status: %w", err)
			}
		}
		a, err = readAppointment(ctx, tx, keysOf(tx), r.AppointmentID, "", false)
		if err == nil && current.Status != r.Status && r.Status == rdv.NoShow {
			err = insertEvent(ctx, tx, rdv.EventOf(rdv.EventNoShow, a, nil, r.Now))
		}
		if err == nil {
			err = appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditAppointmentStatus, rdv.AppointmentRecords(a), r.Now))
		}
		return err
	})
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("appointment %d: %w", r.AppointmentID, err)
	}
	return a, nil
}

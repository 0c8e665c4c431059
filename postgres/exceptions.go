package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/desk"
	"rdv/replay"
)

// readPlan reads the practitioner's plan at the clinic, its exceptions
// numbered; a practitioner without a plan has an empty one. The caller
// holds the practitioner's lock (lockPractitioner).
func readPlan(ctx context.Context, tx pgx.Tx, practitionerID, clinicID int64) (rdv.WorkingPlan, error) {
	p := rdv.WorkingPlan{PractitionerID: practitionerID, ClinicID: clinicID}
	var blocks, exceptions []byte
	err := tx.QueryRow(ctx, `SELECT id, blocks, exceptions FROM plans WHERE practitioner_id = $1 AND clinic_id = $2`,
		practitionerID, clinicID).Scan(&p.ID, &blocks, &exceptions)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return rdv.WorkingPlan{}, fmt.Errorf("read plan of practitioner %d: %w", practitionerID, err)
	}
	if err := desk.DecodePlan(&p, blocks, exceptions); err != nil {
		return rdv.WorkingPlan{}, err
	}
	p.Exceptions = desk.NumberExceptions(p.Exceptions)
	return p, nil
}

// AddException adds an exception to a practitioner's plan and withdraws
// the free slots inside it. The practitioner's lock and the slots' row
// locks make a hold or a booking racing the change wait for it.
func (s *Store) AddException(ctx context.Context, r rdv.ExceptionRequest) (rdv.ExceptionEffect, rdv.SlotChanges, error) {
	var eff rdv.ExceptionEffect
	var ch rdv.SlotChanges
	var rk *replay.Key
	if r.Idem != nil && !r.DryRun {
		var err error
		if rk, err = replay.New(r.Idem); err != nil {
			return eff, rdv.SlotChanges{}, fmt.Errorf("add exception: %w", err)
		}
	}
	add := func(tx pgx.Tx) error {
		e, err := desk.CheckException(r.Exception, r.Now)
		if err != nil {
			return err
		}
		if err := lockPractitioner(ctx, tx, r.ClinicID, r.PractitionerID); err != nil {
			return err
		}
		plan, err := readPlan(ctx, tx, r.PractitionerID, r.ClinicID)
		if err != nil {
			return err
		}
		e.ID = desk.NewExceptionID(plan.Exceptions)
		lo, hi := desk.ExceptionWindow(e, r.Now)
		existing, err := practitionerSlots(ctx, tx, r.PractitionerID, lo, hi)
		if err != nil {
			return err
		}
		eff.Exception = e
		eff.Withdrawn, eff.Kept = desk.SplitExceptionSlots(e, existing, r.Now)
		if r.DryRun {
			return nil
		}
		if len(eff.Kept) > 0 {
			return rdv.Errorf(rdv.ECONFLICT, "%d booked or held slots inside the exception", len(eff.Kept))
		}
		plan.Exceptions = append(plan.Exceptions, e)
		if err := writePlanPart(ctx, tx, plan, planExceptions); err != nil {
			return err
		}
		if len(eff.Withdrawn) == 0 {
			return nil
		}
		ids := make([]int64, len(eff.Withdrawn))
		var holds []string
		for i, sl := range eff.Withdrawn {
			ids[i] = sl.ID
			if sl.State == rdv.SlotHeld {
				holds = append(holds, sl.HoldID) // ran out: a live one is kept
			}
		}
		if len(holds) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE holds SET ended = true WHERE id = ANY($1)`, holds); err != nil {
				return fmt.Errorf("end holds: %w", err)
			}
		}
		rows, err := tx.Query(ctx, `WITH retired AS (
				UPDATE slots s SET state = 'blocked', hold_id = NULL, hold_expires = NULL, retired_at = $2 WHERE s.id = ANY($1)
				RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM retired)
			SELECT * FROM retired ORDER BY start_at, id`, ids, dbTime(r.Now))
		if err != nil {
			return fmt.Errorf("withdraw slots: %w", err)
		}
		if eff.Withdrawn, err = scanSlots(rows); err != nil {
			return fmt.Errorf("withdraw slots: %w", err)
		}
		ch.Taken = eff.Withdrawn
		return nil
	}
	err := s.inTx(ctx, "add exception", func(tx pgx.Tx) error {
		eff, ch = rdv.ExceptionEffect{}, rdv.SlotChanges{}
		// A retry waits on the key's row, then replays the first effect.
		replayed, err := claimKey(ctx, tx, r.Idem, rk, r.Now, &eff)
		if err != nil || replayed {
			ch.Replayed = replayed
			return err
		}
		if err := add(tx); err != nil {
			return err
		}
		return saveAnswer(ctx, tx, rk, eff)
	})
	if err != nil {
		return eff, rdv.SlotChanges{}, fmt.Errorf("practitioner %d: %w", r.PractitionerID, err)
	}
	if len(ch.Taken) > 0 {
		s.changed()
	}
	return eff, ch, nil
}

// RemoveException removes an exception from a practitioner's plan and
// makes its slots again.
func (s *Store) RemoveException(ctx context.Context, r rdv.ExceptionRequest) (rdv.ExceptionEffect, rdv.SlotChanges, error) {
	var eff rdv.ExceptionEffect
	err := s.inTx(ctx, "remove exception", func(tx pgx.Tx) error {
		eff = rdv.ExceptionEffect{}
		if err := lockPractitioner(ctx, tx, r.ClinicID, r.PractitionerID); err != nil {
			return err
		}
		plan, err := readPlan(ctx, tx, r.PractitionerID, r.ClinicID)
		if err != nil {
			return err
		}
		i := desk.ExceptionIndex(plan.Exceptions, r.ExceptionID)
		if i < 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "exception %d of practitioner %d", r.ExceptionID, r.PractitionerID)
		}
		eff.Exception = plan.Exceptions[i]
		plan.Exceptions = append(plan.Exceptions[:i:i], plan.Exceptions[i+1:]...)
		if err := writePlanPart(ctx, tx, plan, planExceptions); err != nil {
			return err
		}
		// The slots around the exception, a day either side, for overlaps.
		lo, hi := desk.ExceptionWindow(eff.Exception, r.Now)
		existing, err := practitionerSlots(ctx, tx, r.PractitionerID, lo.AddDate(0, 0, -1), hi.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		if restore := desk.RestoreSlots(plan, eff.Exception, existing, r.Now, r.Until); len(restore) > 0 {
			eff.Restored, err = insertSlots(ctx, tx, restore)
		}
		return err
	})
	if err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, fmt.Errorf("practitioner %d: %w", r.PractitionerID, err)
	}
	if len(eff.Restored) > 0 {
		s.changed()
	}
	return eff, rdv.SlotChanges{Freed: eff.Restored}, nil
}

// The parts of a plan that are written on their own: saving the weekly
// plan writes its blocks, an exception change its exceptions, and neither
// touches the other.
const (
	planBlocks     = "blocks"
	planExceptions = "exceptions"
)

// writePlanPart writes one part of the practitioner's plan at the clinic,
// adding the plan (the other part empty) if it has none. Plan IDs are
// given by the network load, so a new plan takes the next one under a lock
// that makes concurrent additions wait.
func writePlanPart(ctx context.Context, tx pgx.Tx, p rdv.WorkingPlan, part string) error {
	blocks, exceptions, err := desk.EncodePlan(p)
	if err != nil {
		return err
	}
	value := blocks
	if part == planExceptions {
		value = exceptions
	}
	tag, err := tx.Exec(ctx, `UPDATE plans SET `+part+` = $3 WHERE practitioner_id = $1 AND clinic_id = $2`,
		p.PractitionerID, p.ClinicID, value)
	if err != nil {
		return fmt.Errorf("write plan %s: %w", part, err)
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	if part == planBlocks {
		exceptions = []byte("[]")
	} else {
		blocks = []byte("[]")
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('rdv plans', 0))`); err != nil {
		return fmt.Errorf("lock plan IDs: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO plans (id, practitioner_id, clinic_id, blocks, exceptions)
		SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4 FROM plans`, p.PractitionerID, p.ClinicID, blocks, exceptions); err != nil {
		return fmt.Errorf("add plan: %w", err)
	}
	return nil
}

package sqlite

import (
	"context"
	"fmt"

	"rdv"
	"rdv/desk"
)

// readPlan reads the practitioner's plan at the clinic in the write
// transaction, its exceptions numbered; a practitioner without a plan has
// an empty one.
func readPlan(tx *wtx, practitionerID, clinicID int64) (rdv.WorkingPlan, error) {
	p := rdv.WorkingPlan{PractitionerID: practitionerID, ClinicID: clinicID}
	var blocks, exceptions []byte
	err := tx.row(`SELECT id, blocks, exceptions FROM plans WHERE practitioner_id = ? AND clinic_id = ?`,
		practitionerID, clinicID).Scan(&p.ID, &blocks, &exceptions)
	if isNoRows(err) {
		return p, nil
	}
	if err != nil {
		return rdv.WorkingPlan{}, fmt.Errorf("read plan of practitioner %d: %w", practitionerID, mapError(err))
	}
	if err := desk.DecodePlan(&p, blocks, exceptions); err != nil {
		return rdv.WorkingPlan{}, err
	}
	p.Exceptions = desk.NumberExceptions(p.Exceptions)
	return p, nil
}

// AddException adds an exception to a practitioner's plan and withdraws
// the free slots inside it.
func (s *Store) AddException(ctx context.Context, r rdv.ExceptionRequest) (rdv.ExceptionEffect, rdv.SlotChanges, error) {
	var eff rdv.ExceptionEffect
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		if r.DryRun {
			var err error
			eff, ch, err = addException(tx, r)
			return err
		}
		replayed, err := idempotent(tx, r.Idem, r.Now, &eff, func() (err error) {
			eff, ch, err = addException(tx, r)
			return err
		})
		if replayed {
			ch = rdv.SlotChanges{Replayed: true}
		}
		return err
	}})
	if err != nil {
		return eff, rdv.SlotChanges{}, fmt.Errorf("add exception to practitioner %d: %w", r.PractitionerID, err)
	}
	return eff, ch, nil
}

func addException(tx *wtx, r rdv.ExceptionRequest) (rdv.ExceptionEffect, rdv.SlotChanges, error) {
	e, err := desk.CheckException(r.Exception, r.Now)
	if err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, err
	}
	if err := clinicPractitioner(tx, r.ClinicID, r.PractitionerID); err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, err
	}
	plan, err := readPlan(tx, r.PractitionerID, r.ClinicID)
	if err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, err
	}
	e.ID = desk.NewExceptionID(plan.Exceptions)
	lo, hi := desk.ExceptionWindow(e, r.Now)
	existing, err := practitionerSlots(tx, r.PractitionerID, lo, hi)
	if err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, err
	}
	eff := rdv.ExceptionEffect{Exception: e}
	eff.Withdrawn, eff.Kept = desk.SplitExceptionSlots(e, existing, r.Now)
	if r.DryRun {
		return eff, rdv.SlotChanges{}, nil
	}
	if len(eff.Kept) > 0 {
		return eff, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "%d booked or held slots inside the exception", len(eff.Kept))
	}
	plan.Exceptions = append(plan.Exceptions, e)
	if err := writePlanPart(tx, plan, planExceptions); err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, err
	}
	now := millis(r.Now)
	for i, sl := range eff.Withdrawn {
		if sl.State == rdv.SlotHeld {
			// The hold ran out (a live one is kept): it ends now.
			if _, err := tx.exec(`UPDATE holds SET status = 'expired' WHERE id = ? AND status = 'active'`, sl.HoldID); err != nil {
				return rdv.ExceptionEffect{}, rdv.SlotChanges{}, fmt.Errorf("expire hold %s: %w", sl.HoldID, mapError(err))
			}
		}
		if _, err := tx.exec(`UPDATE slots SET state = 'blocked', hold_id = NULL, hold_expires = 0, retired_at = ? WHERE id = ?`, now, sl.ID); err != nil {
			return rdv.ExceptionEffect{}, rdv.SlotChanges{}, fmt.Errorf("withdraw slot %d: %w", sl.ID, mapError(err))
		}
		sl.State, sl.HoldID = rdv.SlotBlocked, ""
		eff.Withdrawn[i] = sl
	}
	return eff, rdv.SlotChanges{Taken: eff.Withdrawn}, nil
}

// RemoveException removes an exception from a practitioner's plan and
// makes its slots again.
func (s *Store) RemoveException(ctx context.Context, r rdv.ExceptionRequest) (rdv.ExceptionEffect, rdv.SlotChanges, error) {
	var eff rdv.ExceptionEffect
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		eff, err = removeException(tx, r)
		return err
	}})
	if err != nil {
		return rdv.ExceptionEffect{}, rdv.SlotChanges{}, fmt.Errorf("remove exception %d of practitioner %d: %w", r.ExceptionID, r.PractitionerID, err)
	}
	return eff, rdv.SlotChanges{Freed: eff.Restored}, nil
}

func removeException(tx *wtx, r rdv.ExceptionRequest) (rdv.ExceptionEffect, error) {
	if err := clinicPractitioner(tx, r.ClinicID, r.PractitionerID); err != nil {
		return rdv.ExceptionEffect{}, err
	}
	plan, err := readPlan(tx, r.PractitionerID, r.ClinicID)
	if err != nil {
		return rdv.ExceptionEffect{}, err
	}
	i := desk.ExceptionIndex(plan.Exceptions, r.ExceptionID)
	if i < 0 {
		return rdv.ExceptionEffect{}, rdv.Errorf(rdv.ENOTFOUND, "exception %d of practitioner %d", r.ExceptionID, r.PractitionerID)
	}
	eff := rdv.ExceptionEffect{Exception: plan.Exceptions[i]}
	plan.Exceptions = append(plan.Exceptions[:i:i], plan.Exceptions[i+1:]...)
	if err := writePlanPart(tx, plan, planExceptions); err != nil {
		return rdv.ExceptionEffect{}, err
	}
	// The slots around the exception, a day either side, for overlaps.
	lo, hi := desk.ExceptionWindow(eff.Exception, r.Now)
	existing, err := practitionerSlots(tx, r.PractitionerID, lo.AddDate(0, 0, -1), hi.AddDate(0, 0, 1))
	if err != nil {
		return rdv.ExceptionEffect{}, err
	}
	for _, sl := range desk.RestoreSlots(plan, eff.Exception, existing, r.Now, r.Until) {
		sl, err := insertSlot(tx, sl)
		if err != nil {
			return rdv.ExceptionEffect{}, err
		}
		eff.Restored = append(eff.Restored, sl)
	}
	return eff, nil
}

// The parts of a plan that are written on their own: saving the weekly
// plan writes its blocks, an exception change its exceptions, and neither
// touches the other.
const (
	planBlocks     = "blocks"
	planExceptions = "exceptions"
)

// writePlanPart writes one part of the practitioner's plan at the clinic,
// adding the plan (the other part empty) if it has none.
func writePlanPart(tx *wtx, p rdv.WorkingPlan, part string) error {
	blocks, exceptions, err := desk.EncodePlan(p)
	if err != nil {
		return err
	}
	value := blocks
	if part == planExceptions {
		value = exceptions
	}
	res, err := tx.exec(`UPDATE plans SET `+part+` = ? WHERE practitioner_id = ? AND clinic_id = ?`, value, p.PractitionerID, p.ClinicID)
	if err != nil {
		return fmt.Errorf("write plan %s: %w", part, mapError(err))
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return mapError(err)
	}
	if part == planBlocks {
		exceptions = []byte("[]")
	} else {
		blocks = []byte("[]")
	}
	if _, err := tx.exec(`INSERT INTO plans (practitioner_id, clinic_id, blocks, exceptions) VALUES (?, ?, ?, ?)`,
		p.PractitionerID, p.ClinicID, blocks, exceptions); err != nil {
		return fmt.Errorf("add plan: %w", mapError(err))
	}
	return nil
}

package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/desk"
)

// deskSlotColumns is slotColumns qualified by the alias s.
const deskSlotColumns = `s.id, s.clinic_id, s.practitioner_id, s.service, s.start_utc, s.end_utc, s.audience, s.state, coalesce(s.hold_id, ''), s.hold_expires`

// slotAndMore scans a row of slot columns followed by the columns of more.
type slotAndMore struct {
	sc   scanner
	more []any
}

func (s slotAndMore) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.more...)...) }

// ceilUnix is the first whole second at or after t: slot instants are
// whole seconds, so start >= t and start < t are start >= ceilUnix(t) and
// start < ceilUnix(t).
func ceilUnix(t time.Time) int64 { return t.Unix() + boolInt(t.Nanosecond() > 0) }

// Agenda lists the clinic's slots that start in [from, to) by practitioner
// and time, each with its active appointment. Slots withdrawn by a plan
// change are left out.
func (s *Store) Agenda(ctx context.Context, clinicID int64, from, to time.Time) ([]rdv.AgendaEntry, error) {
	q := s.r(ctx)
	lo, hi := ceilUnix(from), ceilUnix(to)
	rows, err := q.query(`SELECT `+deskSlotColumns+`, coalesce(a.id, 0),
			coalesce(a.status, ''), coalesce(a.booked_by, ''), coalesce(a.channel, ''), coalesce(a.fee_cents, 0), coalesce(a.created_at, 0),
			coalesce(a.revision, 0), coalesce(a.notify_email, 0), coalesce(a.notify_sms, 0), coalesce(a.account_id, 0), `+peopleColumns+`
		FROM slots s LEFT JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled'`+peopleJoins+`
		WHERE s.clinic_id = ? AND s.start_utc >= ? AND s.start_utc < ? AND s.retired_at IS NULL
		ORDER BY s.practitioner_id, s.start_utc, s.id`, clinicID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("agenda of clinic %d: %w", clinicID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.AgendaEntry
	for rows.Next() {
		var a rdv.Appointment
		var created int64
		var people peopleScan
		sl, err := scanSlot(slotAndMore{rows, append([]any{&a.ID, &a.Status, &a.BookedBy, &a.Channel, &a.FeeCents, &created,
			&a.Revision, &a.Notify.Email, &a.Notify.SMS, &a.AccountID}, people.dest(s.keys)...)})
		if err != nil {
			return nil, fmt.Errorf("agenda of clinic %d: %w", clinicID, mapError(err))
		}
		e := rdv.AgendaEntry{Slot: sl}
		if a.ID != 0 {
			a.Slot, a.CreatedAt = sl, fromMillis(created)
			if err := people.fill(&a); err != nil {
				return nil, fmt.Errorf("agenda of clinic %d: %w", clinicID, err)
			}
			e.Appointment = &a
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agenda of clinic %d: %w", clinicID, mapError(err))
	}
	return out, nil
}

// deskSlot reads a slot of the clinic for a change by its staff. Another
// clinic's slot and a withdrawn slot read as not found.
func deskSlot(tx *wtx, clinicID, slotID int64) (rdv.Slot, error) {
	sl, err := scanSlot(tx.row(`SELECT `+slotColumns+` FROM slots WHERE id = ? AND clinic_id = ? AND retired_at IS NULL`, slotID, clinicID))
	if isNoRows(err) {
		return rdv.Slot{}, rdv.Errorf(rdv.ENOTFOUND, "slot %d of clinic %d", slotID, clinicID)
	}
	if err != nil {
		return rdv.Slot{}, fmt.Errorf("read slot %d: %w", slotID, mapError(err))
	}
	return sl, nil
}

// SetSlotState blocks or reopens a slot of the clinic.
func (s *Store) SetSlotState(ctx context.Context, r rdv.SlotStateRequest) (rdv.Slot, rdv.SlotChanges, error) {
	var sl rdv.Slot
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		sl, ch, err = setSlotState(tx, r)
		return err
	}})
	if err != nil {
		return rdv.Slot{}, rdv.SlotChanges{}, fmt.Errorf("set slot %d %s: %w", r.SlotID, r.State, err)
	}
	return sl, ch, nil
}

func setSlotState(tx *wtx, r rdv.SlotStateRequest) (rdv.Slot, rdv.SlotChanges, error) {
	if err := r.Validate(); err != nil {
		return rdv.Slot{}, rdv.SlotChanges{}, err
	}
	sl, err := deskSlot(tx, r.ClinicID, r.SlotID)
	if err != nil {
		return rdv.Slot{}, rdv.SlotChanges{}, err
	}
	if err := desk.CanSetSlotState(sl, r.State, r.Now); err != nil {
		return rdv.Slot{}, rdv.SlotChanges{}, err
	}
	if sl.State == r.State {
		return sl, rdv.SlotChanges{}, nil
	}
	if sl.State == rdv.SlotHeld {
		// The hold ran out (CanSetSlotState refused a live one): it ends now.
		if _, err := tx.exec(`UPDATE holds SET status = 'expired' WHERE id = ? AND status = 'active'`, sl.HoldID); err != nil {
			return rdv.Slot{}, rdv.SlotChanges{}, fmt.Errorf("expire hold %s: %w", sl.HoldID, mapError(err))
		}
	}
	if _, err := tx.exec(`UPDATE slots SET state = ?, hold_id = NULL, hold_expires = 0 WHERE id = ?`, r.State, sl.ID); err != nil {
		return rdv.Slot{}, rdv.SlotChanges{}, fmt.Errorf("mark slot %d %s: %w", sl.ID, r.State, mapError(err))
	}
	sl.State, sl.HoldID, sl.HoldExpires = r.State, "", time.Time{}
	if r.State == rdv.SlotFree {
		return sl, rdv.SlotChanges{Freed: []rdv.Slot{sl}}, nil
	}
	return sl, rdv.SlotChanges{Taken: []rdv.Slot{sl}}, nil
}

// clinicPractitioner checks that the practitioner works at the clinic.
func clinicPractitioner(tx *wtx, clinicID, practitionerID int64) error {
	var one int
	err := tx.row(`SELECT 1 FROM practitioners WHERE id = ? AND clinic_id = ?`, practitionerID, clinicID).Scan(&one)
	if isNoRows(err) {
		return rdv.Errorf(rdv.ENOTFOUND, "practitioner %d of clinic %d", practitionerID, clinicID)
	}
	if err != nil {
		return fmt.Errorf("read practitioner %d: %w", practitionerID, mapError(err))
	}
	return nil
}

// practitionerSlots reads the practitioner's slots, withdrawn ones left
// out, that overlap [lo, hi).
func practitionerSlots(tx *wtx, practitionerID int64, lo, hi time.Time) ([]rdv.Slot, error) {
	rows, err := tx.query(`SELECT `+slotColumns+` FROM slots
		WHERE practitioner_id = ? AND retired_at IS NULL AND start_utc < ? AND end_utc > ? ORDER BY start_utc`,
		practitionerID, ceilUnix(hi), lo.Unix())
	if err != nil {
		return nil, fmt.Errorf("read slots of practitioner %d: %w", practitionerID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Slot
	for rows.Next() {
		sl, err := scanSlot(rows)
		if err != nil {
			return nil, fmt.Errorf("read slots of practitioner %d: %w", practitionerID, mapError(err))
		}
		out = append(out, sl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read slots of practitioner %d: %w", practitionerID, mapError(err))
	}
	return out, nil
}

func insertSlot(tx *wtx, sl rdv.Slot) (rdv.Slot, error) {
	sl.State, sl.HoldID, sl.HoldExpires = rdv.SlotFree, "", time.Time{}
	if err := tx.row(`INSERT INTO slots (clinic_id, practitioner_id, service, start_utc, end_utc, audience, state)
		VALUES (?, ?, ?, ?, ?, ?, 'free') RETURNING id`,
		sl.ClinicID, sl.PractitionerID, sl.Service, sl.Start.Unix(), sl.End.Unix(), sl.Audience).Scan(&sl.ID); err != nil {
		return rdv.Slot{}, fmt.Errorf("insert slot: %w", mapError(err))
	}
	sl.Start, sl.End = time.Unix(sl.Start.Unix(), 0).UTC(), time.Unix(sl.End.Unix(), 0).UTC()
	return sl, nil
}

// AddSlots opens exceptional availability at the clinic.
func (s *Store) AddSlots(ctx context.Context, clinicID int64, slots []rdv.Slot) ([]rdv.Slot, rdv.SlotChanges, error) {
	var out []rdv.Slot
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		out, err = addSlots(tx, clinicID, slots)
		return err
	}})
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("add slots to clinic %d: %w", clinicID, err)
	}
	return out, rdv.SlotChanges{Freed: out}, nil
}

func addSlots(tx *wtx, clinicID int64, slots []rdv.Slot) ([]rdv.Slot, error) {
	slots, err := desk.CheckNewSlots(clinicID, slots)
	if err != nil {
		return nil, err
	}
	out := make([]rdv.Slot, 0, len(slots))
	checked := map[int64]bool{}
	for _, sl := range slots {
		if !checked[sl.PractitionerID] {
			if err := clinicPractitioner(tx, clinicID, sl.PractitionerID); err != nil {
				return nil, err
			}
			checked[sl.PractitionerID] = true
		}
		existing, err := practitionerSlots(tx, sl.PractitionerID, sl.Start, sl.End)
		if err != nil {
			return nil, err
		}
		if len(existing) > 0 {
			return nil, rdv.Errorf(rdv.ECONFLICT, "slot at %v overlaps slot %d", sl.Start, existing[0].ID)
		}
		if sl, err = insertSlot(tx, sl); err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, nil
}

// SavePlan replaces a practitioner's plan and regenerates its free future
// slots within the horizon.
func (s *Store) SavePlan(ctx context.Context, c rdv.PlanChange) (rdv.SlotChanges, error) {
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		ch, err = savePlan(tx, c)
		return err
	}})
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("save plan of practitioner %d: %w", c.Plan.PractitionerID, err)
	}
	return ch, nil
}

func savePlan(tx *wtx, c rdv.PlanChange) (rdv.SlotChanges, error) {
	if err := c.Validate(); err != nil {
		return rdv.SlotChanges{}, err
	}
	plan := c.Plan
	plan.ClinicID = c.ClinicID
	if err := clinicPractitioner(tx, c.ClinicID, plan.PractitionerID); err != nil {
		return rdv.SlotChanges{}, err
	}
	// The blocks change; the stored exceptions stay, and the new slots
	// honour them.
	stored, err := readPlan(tx, plan.PractitionerID, c.ClinicID)
	if err != nil {
		return rdv.SlotChanges{}, err
	}
	plan.Exceptions = stored.Exceptions
	c.Plan = plan
	if err := writePlanPart(tx, plan, planBlocks); err != nil {
		return rdv.SlotChanges{}, err
	}
	lo, hi := desk.PlanWindow(c)
	existing, err := practitionerSlots(tx, plan.PractitionerID, lo, hi)
	if err != nil {
		return rdv.SlotChanges{}, err
	}
	diff := desk.DiffPlanSlots(c, existing)
	var ch rdv.SlotChanges
	now := millis(c.Now)
	for _, sl := range diff.Retire {
		if _, err := tx.exec(`UPDATE slots SET state = 'blocked', retired_at = ? WHERE id = ? AND state = 'free'`, now, sl.ID); err != nil {
			return rdv.SlotChanges{}, fmt.Errorf("withdraw slot %d: %w", sl.ID, mapError(err))
		}
		sl.State = rdv.SlotBlocked
		ch.Taken = append(ch.Taken, sl)
	}
	for _, sl := range diff.Create {
		sl, err := insertSlot(tx, sl)
		if err != nil {
			return rdv.SlotChanges{}, err
		}
		ch.Freed = append(ch.Freed, sl)
	}
	return ch, nil
}

// SetAppointmentStatus records that the patient arrived, was seen, or did
// not come.
func (s *Store) SetAppointmentStatus(ctx context.Context, r rdv.AppointmentStatusRequest) (rdv.Appointment, error) {
	var a rdv.Appointment
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		if a, err = setAppointmentStatus(tx, r); err == nil {
			tx.auditChange(ctx, rdv.AuditAppointmentStatus, rdv.AppointmentRecords(a), r.Now)
		}
		return err
	}})
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("mark appointment %d %s: %w", r.AppointmentID, r.Status, err)
	}
	return a, nil
}

func setAppointmentStatus(tx *wtx, r rdv.AppointmentStatusRequest) (rdv.Appointment, error) {
	a, _, err := getAppointment(tx, r.AppointmentID)
	if err != nil {
		return rdv.Appointment{}, err
	}
	if a.Slot.ClinicID != r.ClinicID {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d of clinic %d", r.AppointmentID, r.ClinicID)
	}
	if err := desk.CanSetAppointmentStatus(a, r.Status, r.Now); err != nil {
		return rdv.Appointment{}, err
	}
	if a.Status == r.Status {
		return a, nil
	}
	now := millis(r.Now)
	if _, err := tx.exec(`UPDATE appointments SET status = ?1, updated_at = ?2, revision = revision + 1,
			arrived_at = CASE WHEN ?1 = 'arrived' THEN ?2 ELSE arrived_at END,
			closed_at = CASE WHEN ?1 <> 'arrived' THEN ?2 ELSE closed_at END
		WHERE id = ?3`, r.Status, now, a.ID); err != nil {
		return rdv.Appointment{}, fmt.Errorf("write status: %w", mapError(err))
	}
	a.Status = r.Status
	a.Revision++
	if a.Status == rdv.NoShow {
		tx.queueEvent(rdv.EventOf(rdv.EventNoShow, a, nil, r.Now))
	}
	return a, nil
}

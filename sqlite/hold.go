package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// PlaceHold holds a free slot for a client until r.Now+r.TTL.
func (s *Store) PlaceHold(ctx context.Context, r rdv.HoldRequest) (rdv.Hold, rdv.SlotChanges, error) {
	var h rdv.Hold
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		replayed, err := idempotent(tx, r.Idem, r.Now, &h, func() (err error) {
			h, ch, err = placeHold(tx, r)
			return err
		})
		if replayed {
			ch = rdv.SlotChanges{Replayed: true}
		}
		return err
	}, transient: true})
	if err != nil {
		return rdv.Hold{}, rdv.SlotChanges{}, fmt.Errorf("hold slot %d: %w", r.SlotID, err)
	}
	return h, ch, nil
}

func placeHold(tx *wtx, r rdv.HoldRequest) (rdv.Hold, rdv.SlotChanges, error) {
	switch {
	case r.HoldID == "":
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.FieldError("hold_id", "hold ID missing")
	case r.TTL <= 0:
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.FieldError("ttl", "hold time %v not positive", r.TTL)
	}
	// One statement reads the slot and counts the client's and the
	// address's live holds: statements, not rows, are what a booking
	// spends its time on. The single writer makes the counts exact.
	var live, fromAddr int
	slot, err := scanSlot(scanPlus{tx.row(`SELECT `+slotColumns+`,
		(SELECT count(*) FROM holds WHERE client_key = ? AND status = 'active' AND expires_at > ?),
		(SELECT count(*) FROM holds WHERE address_key = ? AND address_key <> '' AND status = 'active' AND expires_at > ?)
		FROM slots WHERE id = ?`, r.ClientKey, millis(r.Now), r.AddressKey, millis(r.Now), r.SlotID), []any{&live, &fromAddr}})
	if isNoRows(err) {
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ENOTFOUND, "slot %d", r.SlotID)
	}
	if err != nil {
		return rdv.Hold{}, rdv.SlotChanges{}, fmt.Errorf("read slot %d: %w", r.SlotID, mapError(err))
	}
	switch {
	case !r.Now.Before(slot.Start):
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ECONFLICT, "slot %d already started", slot.ID)
	case slot.Audience == rdv.Rostered && !r.AllowRostered:
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.Errorf(rdv.EFORBIDDEN, "slot %d is for rostered patients", slot.ID)
	case !slot.FreeAt(r.Now):
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ESLOTTAKEN, "slot %d is %s", slot.ID, slot.State)
	}
	if slot.State == rdv.SlotHeld {
		// The hold ran out though no sweep has passed: it frees the slot
		// now (invariant 4), and is marked so in the same transaction.
		if _, err := tx.exec(`UPDATE holds SET status = 'expired' WHERE id = ? AND status = 'active'`, slot.HoldID); err != nil {
			return rdv.Hold{}, rdv.SlotChanges{}, fmt.Errorf("expire hold %s: %w", slot.HoldID, mapError(err))
		}
	}
	if r.MaxLiveHolds > 0 && live >= r.MaxLiveHolds {
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ETOOMANYHOLDS, "client has %d live holds", live)
	}
	if r.MaxAddressHolds > 0 && r.AddressKey != "" && fromAddr >= r.MaxAddressHolds {
		return rdv.Hold{}, rdv.SlotChanges{}, rdv.Errorf(rdv.ETOOMANYHOLDS, "address has %d live holds", fromAddr)
	}
	expires := millis(r.Now.Add(r.TTL))
	if _, err := tx.exec(`INSERT INTO holds (id, slot_id, client_key, address_key, expires_at, status, created_at) VALUES (?, ?, ?, ?, ?, 'active', ?)`,
		r.HoldID, slot.ID, r.ClientKey, r.AddressKey, expires, millis(r.Now)); err != nil {
		return rdv.Hold{}, rdv.SlotChanges{}, fmt.Errorf("insert hold: %w", uniqueAs(err, rdv.ECONFLICT, "hold ID %s in use", r.HoldID))
	}
	if _, err := tx.exec(`UPDATE slots SET state = 'held', hold_id = ?, hold_expires = ? WHERE id = ?`, r.HoldID, expires, slot.ID); err != nil {
		return rdv.Hold{}, rdv.SlotChanges{}, fmt.Errorf("mark slot held: %w", mapError(err))
	}
	h := rdv.Hold{ID: r.HoldID, SlotID: slot.ID, ClientKey: r.ClientKey, ExpiresAt: fromMillis(expires)}
	slot.State, slot.HoldID, slot.HoldExpires = rdv.SlotHeld, h.ID, h.ExpiresAt
	return h, rdv.SlotChanges{Taken: []rdv.Slot{slot}}, nil
}

// liveHold reads a hold that a write is about to use, and checks that it
// is still live at now and still holds its slot.
func liveHold(tx *wtx, id string, now time.Time) (holdRow, rdv.Slot, error) {
	// The hold and its slot in one statement.
	var h holdRow
	var expires int64
	slot, err := scanSlot(scanPlus{tx.row(`SELECT `+slotColumnsOf("s")+`, h.id, h.client_key, h.expires_at, h.status
		FROM holds h JOIN slots s ON s.id = h.slot_id WHERE h.id = ?`, id), []any{&h.ID, &h.ClientKey, &expires, &h.Status}})
	if isNoRows(err) {
		return holdRow{}, rdv.Slot{}, rdv.Errorf(rdv.ENOTFOUND, "hold %s", id)
	}
	if err != nil {
		return holdRow{}, rdv.Slot{}, fmt.Errorf("read hold %s: %w", id, mapError(err))
	}
	h.SlotID, h.ExpiresAt = slot.ID, fromMillis(expires)
	switch {
	case h.Status == "confirmed":
		return holdRow{}, rdv.Slot{}, rdv.Errorf(rdv.ECONFLICT, "hold %s already used", id)
	case h.Status != "active" || !now.Before(h.ExpiresAt):
		return holdRow{}, rdv.Slot{}, rdv.Errorf(rdv.EGONE, "hold %s ran out at %v", id, h.ExpiresAt)
	}
	if slot.State != rdv.SlotHeld || slot.HoldID != h.ID {
		return holdRow{}, rdv.Slot{}, rdv.Errorf(rdv.EGONE, "hold %s no longer holds slot %d", id, slot.ID)
	}
	return h, slot, nil
}

// ConfirmHold turns a live hold into a booked appointment.
func (s *Store) ConfirmHold(ctx context.Context, r rdv.ConfirmRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	var a rdv.Appointment
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		replayed, err := idempotent(tx, r.Idem, r.Now, &a, func() (err error) {
			if a, ch, err = confirmHold(tx, r); err == nil {
				tx.auditChange(ctx, rdv.AuditAppointmentBook, rdv.BookingRecords(a, r.ForRequest), r.Now)
			}
			return err
		})
		if replayed {
			ch = rdv.SlotChanges{Replayed: true}
		}
		return err
	}})
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("confirm hold %s: %w", r.HoldID, err)
	}
	return a, ch, nil
}

func confirmHold(tx *wtx, r rdv.ConfirmRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	h, slot, err := liveHold(tx, r.HoldID, r.Now)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	// The answer is what the request gave, with the IDs of the rows it
	// was filed under: nothing of a stored patient.
	a := rdv.Appointment{Status: rdv.Booked, BookedBy: r.BookedBy, Channel: r.Channel, FeeCents: r.FeeCents,
		CreatedAt: fromMillis(millis(r.Now)), CancelToken: r.CancelToken, Patient: r.Patient, Card: r.Card}
	a.Patient.GuardianID = 0
	var g rdv.Patient
	if r.Guardian != nil {
		g = *r.Guardian
		g.GuardianID = 0
		if g.ID, err = findOrAddPatient(tx, g); err != nil {
			return rdv.Appointment{}, rdv.SlotChanges{}, err
		}
		a.Guardian = &g
		a.Patient.GuardianID = g.ID
		a.Relationship = r.Relationship
	}
	if a.Patient.ID, err = findOrAddPatient(tx, a.Patient); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if rdv.NeedsRoster(slot, r.BookedBy) {
		if err := checkRostered(tx, slot, a.Patient); err != nil {
			return rdv.Appointment{}, rdv.SlotChanges{}, err
		}
	}
	now := millis(r.Now)
	p := a.Patient
	a.Notify, a.AccountID = r.Notify, r.AccountID
	k := tx.keys
	if err := tx.row(`INSERT INTO appointments (slot_id, patient_id, guardian_id, status, booked_by, channel, fee_cents, cancel_token_hash, created_at, updated_at,
			first_name, last_name, birth_date, phone, email, language,
			guardian_first_name, guardian_last_name, guardian_birth_date, guardian_phone, guardian_email, guardian_language,
			guardian_relationship, card, notify_email, notify_sms, account_id,
			email_index, phone_index, guardian_email_index, guardian_phone_index)
		VALUES (?, ?, ?, 'booked', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		slot.ID, p.ID, nullID(p.GuardianID), r.BookedBy, r.Channel, r.FeeCents, r.CancelTokenHash, now, now,
		k.Seal(p.FirstName), k.Seal(p.LastName), k.Seal(p.BirthDate.String()), k.Seal(p.Phone), k.Seal(p.Email), p.Language,
		k.Seal(g.FirstName), k.Seal(g.LastName), k.Seal(dateText(g.BirthDate)), k.Seal(g.Phone), k.Seal(g.Email), g.Language,
		string(a.Relationship), string(r.Card), a.Notify.Email, a.Notify.SMS, nullID(a.AccountID),
		k.Index(fieldcrypt.KindEmail, p.Email), k.Index(fieldcrypt.KindPhone, p.Phone),
		k.Index(fieldcrypt.KindEmail, g.Email), k.Index(fieldcrypt.KindPhone, g.Phone)).Scan(&a.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("insert appointment: %w", uniqueAs(err, rdv.ESLOTTAKEN, "slot %d already booked", slot.ID))
	}
	if err := bookSlot(tx, h.ID, slot.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if err := bookRequest(tx, r.ForRequest, a.ID, r.Now); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	slot.State, slot.HoldID, slot.HoldExpires = rdv.SlotBooked, "", time.Time{}
	a.Slot = slot
	tx.queueMessages(a.Confirmations(rdv.MessageConfirmed, r.RemindBefore, r.CancelToken, r.Now))
	tx.queueEvent(rdv.EventOf(rdv.EventBooked, a, nil, r.Now))
	return a, rdv.SlotChanges{Taken: []rdv.Slot{slot}}, nil
}

// checkRostered refuses a booking on a slot kept for the clinic's
// registered patients for a patient not registered there: the patient
// found by the booking's health number must be on the roster, and named
// and born as the booking says (rdv.RosterEntry.Registers).
func checkRostered(tx *wtx, slot rdv.Slot, p rdv.Patient) error {
	e, err := scanRosterEntry(tx.keys, tx.row(`SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
		WHERE r.clinic_id = ? AND r.patient_id = ?`, slot.ClinicID, p.ID))
	switch {
	case isNoRows(err) || err == nil && !e.Registers(p):
		return rdv.Errorf(rdv.ENOTROSTERED, "slot %d is for the registered patients of clinic %d", slot.ID, slot.ClinicID)
	case err != nil:
		return fmt.Errorf("read roster of clinic %d: %w", slot.ClinicID, mapError(err))
	}
	return nil
}

// bookSlot marks the slot booked and the hold that held it used.
func bookSlot(tx *wtx, holdID string, slotID int64) error {
	if _, err := tx.exec(`UPDATE slots SET state = 'booked', hold_id = NULL, hold_expires = 0 WHERE id = ?`, slotID); err != nil {
		return fmt.Errorf("mark slot %d booked: %w", slotID, mapError(err))
	}
	if _, err := tx.exec(`UPDATE holds SET status = 'confirmed' WHERE id = ?`, holdID); err != nil {
		return fmt.Errorf("mark hold %s confirmed: %w", holdID, mapError(err))
	}
	return nil
}

// findOrAddPatient returns the ID of the patient with p's health number,
// adding the patient with p's details when the number is new. A patient
// found is left exactly as stored: a booking never changes anyone's
// identity, contact details or guardian (the booking's details live on
// the appointment). The store's single writer runs this, so nothing adds
// the same number between the look-up and the insert. A person without a
// number (a walk-in seen without a card, a newborn on the parent's card,
// a guardian who gave none) gets a row of their own that no look-up ever
// finds: a name alone never files a booking under someone else.
func findOrAddPatient(tx *wtx, p rdv.Patient) (int64, error) {
	var id int64
	k := tx.keys
	if p.HealthNumber != "" {
		err := tx.row(`SELECT id FROM patients WHERE health_index = ?`, k.Index(fieldcrypt.KindHealthNumber, p.HealthNumber)).Scan(&id)
		switch {
		case err == nil:
			return id, nil
		case !isNoRows(err):
			return 0, fmt.Errorf("find patient: %w", mapError(err))
		}
	}
	err := tx.row(`INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language, guardian_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		k.Seal(p.FirstName), k.Seal(p.LastName), k.Seal(dateText(p.BirthDate)), nullString(k.Seal(p.HealthNumber)),
		nullString(k.Index(fieldcrypt.KindHealthNumber, p.HealthNumber)), k.Seal(p.Phone), k.Seal(p.Email), p.Language, nullID(p.GuardianID)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add patient: %w", mapError(err))
	}
	return id, nil
}

// dateText is a date as the appointments table keeps it: empty for none.
func dateText(d rdv.Date) string {
	if d == (rdv.Date{}) {
		return ""
	}
	return d.String()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

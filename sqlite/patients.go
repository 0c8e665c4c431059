package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

const patientAccountColumns = `id, coalesce(email, ''), coalesce(phone, ''), language, notify_email, notify_sms, consent_at, created_at`

func scanPatientAccount(k *fieldcrypt.Keys, sc scanner) (rdv.PatientAccount, error) {
	var a rdv.PatientAccount
	var consent, created int64
	if err := sc.Scan(&a.ID, opened(k, &a.Email), opened(k, &a.Phone), &a.Language, &a.Notify.Email, &a.Notify.SMS, &consent, &created); err != nil {
		return rdv.PatientAccount{}, err
	}
	a.ConsentAt, a.CreatedAt = fromMillis(consent), fromMillis(created)
	return a, nil
}

// PatientSessionByTokenHash returns a live session and its account;
// ENOTFOUND for an unknown or expired one.
func (s *Store) PatientSessionByTokenHash(ctx context.Context, hash string, now time.Time) (rdv.PatientSession, rdv.PatientAccount, error) {
	var se rdv.PatientSession
	var created, expires int64
	a, err := scanPatientAccount(s.keys, scanPlus{s.r(ctx).row(`SELECT a.id, coalesce(a.email, ''), coalesce(a.phone, ''), a.language,
			a.notify_email, a.notify_sms, a.consent_at, a.created_at, s.token_hash, s.account_id, s.csrf_token, s.created_at, s.expires_at
		FROM patient_sessions s JOIN patient_accounts a ON a.id = s.account_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, hash, millis(now)),
		[]any{&se.TokenHash, &se.AccountID, &se.CSRFToken, &created, &expires}})
	if isNoRows(err) {
		return rdv.PatientSession{}, rdv.PatientAccount{}, rdv.Errorf(rdv.ENOTFOUND, "patient session")
	}
	if err != nil {
		return rdv.PatientSession{}, rdv.PatientAccount{}, fmt.Errorf("read patient session: %w", mapError(err))
	}
	se.CreatedAt, se.ExpiresAt = fromMillis(created), fromMillis(expires)
	return se, a, nil
}

// DeletePatientSession ends a session; ending an unknown one is no error,
// so that signing out twice is harmless.
func (s *Store) DeletePatientSession(ctx context.Context, hash string) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`DELETE FROM patient_sessions WHERE token_hash = ?`, hash)
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("delete patient session: %w", err)
	}
	return nil
}

// PatientAccount returns a patient account by ID.
func (s *Store) PatientAccount(ctx context.Context, id int64) (rdv.PatientAccount, error) {
	a, err := scanPatientAccount(s.keys, s.r(ctx).row(`SELECT `+patientAccountColumns+` FROM patient_accounts WHERE id = ?`, id))
	if isNoRows(err) {
		return rdv.PatientAccount{}, rdv.Errorf(rdv.ENOTFOUND, "patient account %d", id)
	}
	if err != nil {
		return rdv.PatientAccount{}, fmt.Errorf("read patient account %d: %w", id, mapError(err))
	}
	return a, nil
}

// UpdatePatientAccount changes the account's language and channels, and
// records when they were chosen. The email and the phone change only by
// proving them, which this does not do.
func (s *Store) UpdatePatientAccount(ctx context.Context, a rdv.PatientAccount) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("update patient account %d: %w", a.ID, err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE patient_accounts SET language = ?, notify_email = ?, notify_sms = ?, consent_at = ? WHERE id = ?`,
			a.Language, boolInt(a.Notify.Email), boolInt(a.Notify.SMS), millis(a.ConsentAt), a.ID)
		if err != nil {
			return mapError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "patient account %d", a.ID)
		}
		tx.auditChange(ctx, rdv.AuditAccountChange, rdv.AuditRecords{Accounts: []int64{a.ID}}, time.Now())
		return nil
	}})
	if err != nil {
		return fmt.Errorf("update patient account %d: %w", a.ID, err)
	}
	return nil
}

// AccountAppointments lists the account's appointments, whatever their
// status, by the start of their slot, each read as Appointment reads it.
func (s *Store) AccountAppointments(ctx context.Context, accountID int64) ([]rdv.Appointment, error) {
	rows, err := s.r(ctx).query(`SELECT `+slotColumnsOf("s")+`, a.id, a.status, a.booked_by, a.channel, a.fee_cents, a.created_at, a.revision,
			a.notify_email, a.notify_sms, coalesce(a.account_id, 0), `+peopleColumns+`
		FROM appointments a JOIN slots s ON s.id = a.slot_id`+peopleJoins+`
		WHERE a.account_id = ? ORDER BY s.start_utc, a.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("appointments of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Appointment
	for rows.Next() {
		var a rdv.Appointment
		var created int64
		var people peopleScan
		a.Slot, err = scanSlot(slotAndMore{rows, append([]any{&a.ID, &a.Status, &a.BookedBy, &a.Channel, &a.FeeCents, &created, &a.Revision,
			&a.Notify.Email, &a.Notify.SMS, &a.AccountID}, people.dest(s.keys)...)})
		if err != nil {
			return nil, fmt.Errorf("appointments of account %d: %w", accountID, mapError(err))
		}
		a.CreatedAt = fromMillis(created)
		if err := people.fill(&a); err != nil {
			return nil, fmt.Errorf("appointments of account %d: %w", accountID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointments of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

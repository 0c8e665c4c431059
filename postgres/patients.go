package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

const patientAccountColumns = `id, coalesce(email, ''), coalesce(phone, ''), language, notify_email, notify_sms, consent_at, created_at`

func scanPatientAccount(k *fieldcrypt.Keys, r pgx.Row, extra ...any) (rdv.PatientAccount, error) {
	var a rdv.PatientAccount
	err := r.Scan(append([]any{&a.ID, opened(k, &a.Email), opened(k, &a.Phone), &a.Language, &a.Notify.Email, &a.Notify.SMS, &a.ConsentAt, &a.CreatedAt}, extra...)...)
	a.ConsentAt, a.CreatedAt = a.ConsentAt.UTC(), a.CreatedAt.UTC()
	return a, err
}

// PatientSessionByTokenHash returns a live session and its account;
// ENOTFOUND for an unknown or expired one.
func (s *Store) PatientSessionByTokenHash(ctx context.Context, hash string, now time.Time) (rdv.PatientSession, rdv.PatientAccount, error) {
	var se rdv.PatientSession
	var a rdv.PatientAccount
	err := s.withConn(ctx, "read patient session", func(c *pgx.Conn) error {
		var err error
		a, err = scanPatientAccount(s.opts.Keys, c.QueryRow(ctx, `SELECT a.id, coalesce(a.email, ''), coalesce(a.phone, ''), a.language,
				a.notify_email, a.notify_sms, a.consent_at, a.created_at, s.token_hash, s.account_id, s.csrf_token, s.created_at, s.expires_at
			FROM patient_sessions s JOIN patient_accounts a ON a.id = s.account_id
			WHERE s.token_hash = $1 AND s.expires_at > $2`, hash, now),
			&se.TokenHash, &se.AccountID, &se.CSRFToken, &se.CreatedAt, &se.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "patient session")
		}
		return err
	})
	if err != nil {
		return rdv.PatientSession{}, rdv.PatientAccount{}, err
	}
	se.CreatedAt, se.ExpiresAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC()
	return se, a, nil
}

// DeletePatientSession ends a session; ending an unknown one is no error,
// so that signing out twice is harmless.
func (s *Store) DeletePatientSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, "delete patient session", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM patient_sessions WHERE token_hash = $1`, hash)
		return err
	})
}

// PatientAccount returns a patient account by ID.
func (s *Store) PatientAccount(ctx context.Context, id int64) (rdv.PatientAccount, error) {
	var a rdv.PatientAccount
	err := s.withConn(ctx, fmt.Sprintf("read patient account %d", id), func(c *pgx.Conn) error {
		var err error
		a, err = scanPatientAccount(s.opts.Keys, c.QueryRow(ctx, `SELECT `+patientAccountColumns+` FROM patient_accounts WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "patient account %d", id)
		}
		return err
	})
	return a, err
}

// UpdatePatientAccount changes the account's language and channels, and
// records when they were chosen. The email and the phone change only by
// proving them, which this does not do.
func (s *Store) UpdatePatientAccount(ctx context.Context, a rdv.PatientAccount) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("update patient account %d: %w", a.ID, err)
	}
	return s.inTx(ctx, fmt.Sprintf("update patient account %d", a.ID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE patient_accounts SET language = $2, notify_email = $3, notify_sms = $4, consent_at = $5 WHERE id = $1`,
			a.ID, a.Language, a.Notify.Email, a.Notify.SMS, dbTime(a.ConsentAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "patient account %d", a.ID)
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditAccountChange, rdv.AuditRecords{Accounts: []int64{a.ID}}, time.Now()))
	})
}

// AccountAppointments lists the account's appointments, whatever their
// status, by the start of their slot, each read as Appointment reads it.
func (s *Store) AccountAppointments(ctx context.Context, accountID int64) ([]rdv.Appointment, error) {
	var out []rdv.Appointment
	err := s.withConn(ctx, fmt.Sprintf("appointments of account %d", accountID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT a.id, a.status, a.booked_by, a.channel, a.fee_cents, a.created_at, a.revision,
				a.notify_email, a.notify_sms, coalesce(a.account_id, 0), `+slotColumns+`, `+peopleColumns+`
			FROM appointments a JOIN slots s ON s.id = a.slot_id`+peopleJoins+`
			WHERE a.account_id = $1 ORDER BY s.start_at, a.id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a rdv.Appointment
			var status, bookedBy, channel string
			var sl slotScan
			var people peopleScan
			dest := append([]any{&a.ID, &status, &bookedBy, &channel, &a.FeeCents, &a.CreatedAt, &a.Revision,
				&a.Notify.Email, &a.Notify.SMS, &a.AccountID}, sl.dest()...)
			if err := rows.Scan(append(dest, people.dest(s.opts.Keys)...)...); err != nil {
				return err
			}
			a.Status, a.BookedBy, a.Channel = rdv.AppointmentStatus(status), rdv.BookedBy(bookedBy), rdv.Channel(channel)
			a.CreatedAt = a.CreatedAt.UTC()
			a.Slot = sl.slot()
			if err := people.fill(&a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

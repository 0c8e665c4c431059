package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// AccountRequests lists the requests an account filed, oldest first.
func (s *Store) AccountRequests(ctx context.Context, accountID int64) ([]rdv.AppointmentRequest, error) {
	var out []rdv.AppointmentRequest
	err := s.withConn(ctx, fmt.Sprintf("requests of account %d", accountID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE account_id = $1 ORDER BY received_at, id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRequest(s.opts.Keys, rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// accountMessagesWhere selects the messages of an account ($1) whose
// verified email and phone have the blind indexes $2 and $3 ("" for
// none): about its appointments, about its requests' proposals, or sent
// to its contacts.
const accountMessagesWhere = `(m.appointment_id IN (SELECT id FROM appointments WHERE account_id = $1)
	OR m.proposal_id IN (SELECT p.id FROM proposals p JOIN requests q ON q.id = p.request_id WHERE q.account_id = $1)
	OR (m.destination_index <> '' AND m.destination_index IN ($2, $3)))`

// AccountMessages lists the messages written to an account's holder,
// newest first, without their Secret.
func (s *Store) AccountMessages(ctx context.Context, accountID int64) ([]rdv.Message, error) {
	a, err := s.PatientAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	email, phone := contactIndexes(s.opts.Keys, a.Email, a.Phone)
	return s.listMessages(ctx, fmt.Sprintf("messages of account %d", accountID),
		`SELECT `+messageColumns+` FROM messages m WHERE `+accountMessagesWhere+` ORDER BY m.id DESC`, accountID, email, phone)
}

// ConsentRecords lists an account's choices of channels, oldest first.
func (s *Store) ConsentRecords(ctx context.Context, accountID int64) ([]rdv.ConsentRecord, error) {
	var out []rdv.ConsentRecord
	err := s.withConn(ctx, fmt.Sprintf("consents of account %d", accountID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT channel, given, at FROM notification_consents WHERE account_id = $1 ORDER BY at, id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r rdv.ConsentRecord
			var channel string
			if err := rows.Scan(&channel, &r.Given, &r.At); err != nil {
				return err
			}
			r.Channel, r.At = rdv.MessageChannel(channel), r.At.UTC()
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// CloseAccount closes an account (see rdv.PrivacyStore) in one
// transaction.
func (s *Store) CloseAccount(ctx context.Context, r rdv.CloseAccountRequest) (rdv.ClosedAccount, rdv.SlotChanges, error) {
	if r.AccountID <= 0 || r.Now.IsZero() {
		return rdv.ClosedAccount{}, rdv.SlotChanges{}, rdv.FieldError("account", "account and time required")
	}
	var out rdv.ClosedAccount
	var ch rdv.SlotChanges
	err := s.inTx(ctx, fmt.Sprintf("close account %d", r.AccountID), func(tx pgx.Tx) (err error) {
		out, ch, err = closeAccount(ctx, tx, r)
		return err
	})
	if err != nil {
		return rdv.ClosedAccount{}, rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed()
	}
	return out, ch, nil
}

func closeAccount(ctx context.Context, tx pgx.Tx, r rdv.CloseAccountRequest) (rdv.ClosedAccount, rdv.SlotChanges, error) {
	var out rdv.ClosedAccount
	var ch rdv.SlotChanges
	var email, phone string
	err := tx.QueryRow(ctx, `SELECT coalesce(email, ''), coalesce(phone, '') FROM patient_accounts WHERE id = $1 FOR UPDATE`,
		r.AccountID).Scan(opened(keysOf(tx), &email), opened(keysOf(tx), &phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return out, ch, rdv.Errorf(rdv.ENOTFOUND, "patient account %d", r.AccountID)
	}
	if err != nil {
		return out, ch, err
	}
	// The bookings made without signing in with the account's verified
	// contacts are its own, as signing in would have joined them.
	for _, c := range []struct {
		channel rdv.MessageChannel
		to      string
	}{{rdv.ByEmail, email}, {rdv.BySMS, phone}} {
		if c.to != "" {
			// The account's records below name what it joins.
			if _, err := joinGuestBookings(ctx, tx, r.AccountID, c.channel, c.to); err != nil {
				return out, ch, err
			}
		}
	}
	if out.Cancelled, ch, err = cancelFutureAppointments(ctx, tx, r); err != nil {
		return out, ch, err
	}
	withdrawn, freed, err := withdrawAccountRequests(ctx, tx, r)
	if err != nil {
		return out, ch, err
	}
	out.Withdrawn, ch.Freed = withdrawn, append(ch.Freed, freed.Freed...)
	records, err := accountRecords(ctx, tx, r.AccountID)
	if err != nil {
		return out, ch, err
	}
	if out.Pseudonymised, err = eraseAccount(ctx, tx, r.AccountID, email, phone); err != nil {
		return out, ch, err
	}
	// The trail names the records by ID only, so it keeps them: who
	// closed the account, and the appointments (those it cancelled among
	// them), patients and requests it erased. One event: each takes a
	// chain's head, best taken once and last.
	return out, ch, appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditAccountChange, records, r.Now))
}

// accountRecords names the records of an account: its appointments,
// their patients and guardians, and its requests.
func accountRecords(ctx context.Context, tx pgx.Tx, accountID int64) (rdv.AuditRecords, error) {
	var r rdv.AuditRecords
	var err error
	if r.Appointments, err = int64s(ctx, tx, `SELECT id FROM appointments WHERE account_id = $1 ORDER BY id`, accountID); err != nil {
		return r, fmt.Errorf("appointments of the account: %w", err)
	}
	if r.Patients, err = int64s(ctx, tx, `SELECT patient_id FROM appointments WHERE account_id = $1
		UNION SELECT guardian_id FROM appointments WHERE account_id = $1 AND guardian_id IS NOT NULL`, accountID); err != nil {
		return r, fmt.Errorf("patients of the account: %w", err)
	}
	if r.Requests, err = int64s(ctx, tx, `SELECT id FROM requests WHERE account_id = $1 ORDER BY id`, accountID); err != nil {
		return r, fmt.Errorf("requests of the account: %w", err)
	}
	return r, nil
}

// cancelFutureAppointments cancels the account's booked appointments
// that have not started, as the account's own cancellation does, but
// leaves no notice to the person: they asked for it on the page that
// says so, and their contacts are erased in the same transaction.
func cancelFutureAppointments(ctx context.Context, tx pgx.Tx, r rdv.CloseAccountRequest) ([]int64, rdv.SlotChanges, error) {
	ids, err := int64s(ctx, tx, `SELECT a.id FROM appointments a JOIN slots s ON s.id = a.slot_id
		WHERE a.account_id = $1 AND a.status = 'booked' AND s.start_at > $2 ORDER BY s.start_at, a.id`, r.AccountID, dbTime(r.Now))
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("future appointments: %w", err)
	}
	var ch rdv.SlotChanges
	for _, id := range ids {
		var c rdv.SlotChanges
		if _, err := cancel(ctx, tx, rdv.CancelRequest{AppointmentID: id, AccountID: r.AccountID, Now: r.Now}, &c); err != nil {
			return nil, rdv.SlotChanges{}, fmt.Errorf("cancel appointment %d: %w", id, err)
		}
		ch.Freed = append(ch.Freed, c.Freed...)
	}
	// The notices cancel wrote: these appointments were booked until
	// now, so every cancellation notice of theirs is of this transaction.
	if _, err := tx.Exec(ctx, `DELETE FROM messages WHERE appointment_id = ANY($1) AND kind = $2`, ids, string(rdv.MessageCancelled)); err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("drop the cancellation notices: %w", err)
	}
	return ids, ch, nil
}

// withdrawAccountRequests withdraws the account's waiting requests, as
// their person's withdrawal does.
func withdrawAccountRequests(ctx context.Context, tx pgx.Tx, r rdv.CloseAccountRequest) ([]int64, rdv.SlotChanges, error) {
	ids, err := int64s(ctx, tx, `SELECT id FROM requests WHERE account_id = $1 AND status IN ('open', 'proposed') ORDER BY id FOR UPDATE`, r.AccountID)
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("waiting requests: %w", err)
	}
	var ch rdv.SlotChanges
	for _, id := range ids {
		if p, err := liveProposal(ctx, tx, id); err == nil {
			c, err := endProposal(ctx, tx, p.ID, rdv.ProposalDeclined)
			if err != nil {
				return nil, rdv.SlotChanges{}, err
			}
			ch.Freed = append(ch.Freed, c.Freed...)
		} else if rdv.ErrorCode(err) != rdv.ENOTFOUND {
			return nil, rdv.SlotChanges{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET status = 'withdrawn', handled_at = $2 WHERE id = $1`, id, dbTime(r.Now)); err != nil {
			return nil, rdv.SlotChanges{}, fmt.Errorf("withdraw request %d: %w", id, err)
		}
		if err := releaseFee(ctx, tx, id, r.Now); err != nil {
			return nil, rdv.SlotChanges{}, err
		}
	}
	return ids, ch, nil
}

// eraseAccount erases the identity of an account's holder and people
// wherever it is kept, and the account itself; it returns how many
// appointments are kept naming nobody.
func eraseAccount(ctx context.Context, tx pgx.Tx, accountID int64, email, phone string) (int, error) {
	patients, err := int64s(ctx, tx, `SELECT patient_id FROM appointments WHERE account_id = $1
		UNION SELECT guardian_id FROM appointments WHERE account_id = $1 AND guardian_id IS NOT NULL`, accountID)
	if err != nil {
		return 0, fmt.Errorf("patients of the account: %w", err)
	}
	var kept int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM appointments WHERE account_id = $1`, accountID).Scan(&kept); err != nil {
		return 0, err
	}
	emailIndex, phoneIndex := contactIndexes(keysOf(tx), email, phone)
	steps := []struct {
		what string
		q    string
		args []any
	}{
		{"messages", `UPDATE messages m SET destination = '', destination_index = '', secret = '', subject = '', body = '', last_error = '',
			status = CASE WHEN m.status IN ('queued', 'sending') THEN 'skipped' ELSE m.status END
			WHERE ` + accountMessagesWhere, []any{accountID, emailIndex, phoneIndex}},
		{"refused destinations", `DELETE FROM refused_destinations WHERE destination_index <> '' AND destination_index IN ($1, $2)`, []any{emailIndex, phoneIndex}},
		{"sign-in codes", `DELETE FROM signin_codes WHERE destination_index <> '' AND destination_index IN ($1, $2)`, []any{emailIndex, phoneIndex}},
		{"appointments", `UPDATE appointments SET first_name = '', last_name = '', birth_date = NULL, phone = '', email = '',
			guardian_id = NULL, guardian_first_name = '', guardian_last_name = '', guardian_birth_date = NULL, guardian_phone = '',
			guardian_email = '', guardian_relationship = '', cancel_token_hash = '', account_id = NULL,
			email_index = '', phone_index = '', guardian_email_index = '', guardian_phone_index = ''
			WHERE account_id = $1`, []any{accountID}},
		{"requests", `UPDATE requests SET first_name = '', last_name = '', birth_date = $2, health_number = '', phone = '', email = '',
			token_hash = '', account_id = 0, person_id = 0 WHERE account_id = $1`, []any{accountID, rdv.ErasedBirthDate.String()}},
		{"rosters", `DELETE FROM roster WHERE patient_id = ANY($1)`, []any{patients}},
		{"guardian links", `UPDATE patients SET guardian_id = NULL WHERE guardian_id = ANY($1)`, []any{patients}},
		{"patients", `UPDATE patients SET first_name = '', last_name = '', birth_date = NULL, health_number = NULL, health_index = NULL, phone = '', email = ''
			WHERE id = ANY($1)`, []any{patients}},
		{"sessions", `DELETE FROM patient_sessions WHERE account_id = $1`, []any{accountID}},
		{"people", `DELETE FROM account_people WHERE account_id = $1`, []any{accountID}},
		{"consents", `DELETE FROM notification_consents WHERE account_id = $1`, []any{accountID}},
		{"account", `DELETE FROM patient_accounts WHERE id = $1`, []any{accountID}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
			return 0, fmt.Errorf("erase the %s: %w", st.what, err)
		}
	}
	return kept, nil
}

// int64s reads a column of IDs.
func int64s(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

const privacyIncidentColumns = `id, found_at, description, data_concerned, people_concerned, serious_risk, risk_assessment,
	cai_notified_at, people_notified_at, measures, coalesce(recorded_by, 0), recorded_at, updated_at`

func scanPrivacyIncident(row pgx.Row) (rdv.PrivacyIncident, error) {
	var p rdv.PrivacyIncident
	var cai, people *time.Time
	if err := row.Scan(&p.ID, &p.FoundAt, &p.Description, &p.DataConcerned, &p.PeopleConcerned, &p.SeriousRisk, &p.RiskAssessment,
		&cai, &people, &p.Measures, &p.RecordedBy, &p.RecordedAt, &p.UpdatedAt); err != nil {
		return rdv.PrivacyIncident{}, err
	}
	p.FoundAt, p.RecordedAt, p.UpdatedAt = p.FoundAt.UTC(), p.RecordedAt.UTC(), p.UpdatedAt.UTC()
	if cai != nil {
		p.CAINotified, p.CAINotifiedAt = true, cai.UTC()
	}
	if people != nil {
		p.PeopleNotified, p.PeopleNotifiedAt = true, people.UTC()
	}
	return p, nil
}

// PrivacyIncidents lists the register, the latest found first.
func (s *Store) PrivacyIncidents(ctx context.Context) ([]rdv.PrivacyIncident, error) {
	var out []rdv.PrivacyIncident
	err := s.withConn(ctx, "privacy incidents", func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+privacyIncidentColumns+` FROM privacy_incidents ORDER BY found_at DESC, id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPrivacyIncident(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// PrivacyIncident returns one entry of the register.
func (s *Store) PrivacyIncident(ctx context.Context, id int64) (rdv.PrivacyIncident, error) {
	var p rdv.PrivacyIncident
	err := s.withConn(ctx, fmt.Sprintf("read privacy incident %d", id), func(c *pgx.Conn) error {
		var err error
		p, err = scanPrivacyIncident(c.QueryRow(ctx, `SELECT `+privacyIncidentColumns+` FROM privacy_incidents WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "privacy incident %d", id)
		}
		return err
	})
	return p, err
}

// SavePrivacyIncident adds or changes an entry of the register.
func (s *Store) SavePrivacyIncident(ctx context.Context, p rdv.PrivacyIncident, now time.Time) (rdv.PrivacyIncident, error) {
	if err := p.Validate(now); err != nil {
		return rdv.PrivacyIncident{}, err
	}
	var out rdv.PrivacyIncident
	err := s.inTx(ctx, "save privacy incident", func(tx pgx.Tx) (err error) {
		args := []any{dbTime(p.FoundAt), p.Description, p.DataConcerned, p.PeopleConcerned, p.SeriousRisk, p.RiskAssessment,
			nullTime(p.CAINotifiedAt), nullTime(p.PeopleNotifiedAt), p.Measures, dbTime(now)}
		if p.ID == 0 {
			var by any
			if p.RecordedBy != 0 {
				by = p.RecordedBy
			}
			out, err = scanPrivacyIncident(tx.QueryRow(ctx, `INSERT INTO privacy_incidents (found_at, description, data_concerned,
					people_concerned, serious_risk, risk_assessment, cai_notified_at, people_notified_at, measures, updated_at,
					recorded_by, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10) RETURNING `+privacyIncidentColumns, append(args, by)...))
			return err
		}
		out, err = scanPrivacyIncident(tx.QueryRow(ctx, `UPDATE privacy_incidents SET found_at = $1, description = $2, data_concerned = $3,
				people_concerned = $4, serious_risk = $5, risk_assessment = $6, cai_notified_at = $7, people_notified_at = $8,
				measures = $9, updated_at = $10 WHERE id = $11 RETURNING `+privacyIncidentColumns, append(args, p.ID)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "privacy incident %d", p.ID)
		}
		return err
	})
	return out, err
}

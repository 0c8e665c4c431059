package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

// AccountRequests lists the requests an account filed, oldest first.
func (s *Store) AccountRequests(ctx context.Context, accountID int64) ([]rdv.AppointmentRequest, error) {
	rows, err := s.r(ctx).query(`SELECT `+requestColumns+` FROM requests WHERE account_id = ? ORDER BY received_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("requests of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(s.keys, rows)
		if err != nil {
			return nil, fmt.Errorf("requests of account %d: %w", accountID, mapError(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("requests of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

// accountMessagesWhere selects the messages of an account (?1) whose
// verified email and phone have the blind indexes ?2 and ?3 ("" for
// none): about its appointments, about its requests' proposals, or sent
// to its contacts.
const accountMessagesWhere = `(m.appointment_id IN (SELECT id FROM appointments WHERE account_id = ?1)
	OR m.proposal_id IN (SELECT p.id FROM proposals p JOIN requests q ON q.id = p.request_id WHERE q.account_id = ?1)
	OR (m.destination_index <> '' AND m.destination_index IN (?2, ?3)))`

// AccountMessages lists the messages written to an account's holder,
// newest first, without their Secret.
func (s *Store) AccountMessages(ctx context.Context, accountID int64) ([]rdv.Message, error) {
	a, err := s.PatientAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	email, phone := contactIndexes(s.keys, a.Email, a.Phone)
	out, err := readMessages(s.r(ctx), `SELECT `+messageColumns+` FROM messages m WHERE `+accountMessagesWhere+` ORDER BY m.id DESC`,
		accountID, email, phone)
	if err != nil {
		return nil, fmt.Errorf("messages of account %d: %w", accountID, err)
	}
	return out, nil
}

// ConsentRecords lists an account's choices of channels, oldest first.
func (s *Store) ConsentRecords(ctx context.Context, accountID int64) ([]rdv.ConsentRecord, error) {
	rows, err := s.r(ctx).query(`SELECT channel, given, at FROM notification_consents WHERE account_id = ? ORDER BY at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("consents of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.ConsentRecord
	for rows.Next() {
		var c rdv.ConsentRecord
		var at int64
		if err := rows.Scan(&c.Channel, &c.Given, &at); err != nil {
			return nil, fmt.Errorf("consents of account %d: %w", accountID, mapError(err))
		}
		c.At = fromMillis(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consents of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

// CloseAccount closes an account (see rdv.PrivacyStore) in one
// transaction.
func (s *Store) CloseAccount(ctx context.Context, r rdv.CloseAccountRequest) (rdv.ClosedAccount, rdv.SlotChanges, error) {
	if r.AccountID <= 0 || r.Now.IsZero() {
		return rdv.ClosedAccount{}, rdv.SlotChanges{}, rdv.FieldError("account", "account and time required")
	}
	var out rdv.ClosedAccount
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		out, ch, err = closeAccount(ctx, tx, r)
		return err
	}})
	if err != nil {
		return rdv.ClosedAccount{}, rdv.SlotChanges{}, fmt.Errorf("close account %d: %w", r.AccountID, err)
	}
	return out, ch, nil
}

func closeAccount(ctx context.Context, tx *wtx, r rdv.CloseAccountRequest) (rdv.ClosedAccount, rdv.SlotChanges, error) {
	var out rdv.ClosedAccount
	var ch rdv.SlotChanges
	var email, phone string
	err := tx.row(`SELECT coalesce(email, ''), coalesce(phone, '') FROM patient_accounts WHERE id = ?`, r.AccountID).Scan(opened(tx.keys, &email), opened(tx.keys, &phone))
	if isNoRows(err) {
		return out, ch, rdv.Errorf(rdv.ENOTFOUND, "patient account %d", r.AccountID)
	}
	if err != nil {
		return out, ch, mapError(err)
	}
	// The bookings made without signing in with the account's verified
	// contacts are its own, as signing in would have joined them.
	for _, c := range []struct {
		channel rdv.MessageChannel
		to      string
	}{{rdv.ByEmail, email}, {rdv.BySMS, phone}} {
		if c.to != "" {
			// The account's records below name what it joins.
			if _, err := joinGuestBookings(tx, r.AccountID, c.channel, c.to); err != nil {
				return out, ch, err
			}
		}
	}
	if out.Cancelled, ch, err = cancelFutureAppointments(tx, r); err != nil {
		return out, ch, err
	}
	withdrawn, freed, err := withdrawAccountRequests(tx, r)
	if err != nil {
		return out, ch, err
	}
	out.Withdrawn, ch.Freed = withdrawn, append(ch.Freed, freed.Freed...)
	records, err := accountRecords(tx, r.AccountID)
	if err != nil {
		return out, ch, err
	}
	if out.Pseudonymised, err = eraseAccount(tx, r.AccountID, email, phone); err != nil {
		return out, ch, err
	}
	// The trail names the records by ID only, so it keeps them: who
	// closed the account, and the appointments (those it cancelled among
	// them), patients and requests it erased.
	tx.auditChange(ctx, rdv.AuditAccountChange, records, r.Now)
	return out, ch, nil
}

// accountRecords names the records of an account: its appointments,
// their patients and guardians, and its requests.
func accountRecords(tx *wtx, accountID int64) (rdv.AuditRecords, error) {
	var r rdv.AuditRecords
	var err error
	if r.Appointments, err = int64s(tx, `SELECT id FROM appointments WHERE account_id = ? ORDER BY id`, accountID); err != nil {
		return r, fmt.Errorf("appointments of the account: %w", err)
	}
	if r.Patients, err = int64s(tx, `SELECT patient_id FROM appointments WHERE account_id = ?1
		UNION SELECT guardian_id FROM appointments WHERE account_id = ?1 AND guardian_id IS NOT NULL`, accountID); err != nil {
		return r, fmt.Errorf("patients of the account: %w", err)
	}
	if r.Requests, err = int64s(tx, `SELECT id FROM requests WHERE account_id = ? ORDER BY id`, accountID); err != nil {
		return r, fmt.Errorf("requests of the account: %w", err)
	}
	return r, nil
}

// cancelFutureAppointments cancels the account's booked appointments
// that have not started, as the account's own cancellation does (slot
// freed, clinic told, waitlist ended), but writes no notice to the
// person: they asked for it on the page that says so, and their
// contacts are erased in the same transaction.
func cancelFutureAppointments(tx *wtx, r rdv.CloseAccountRequest) ([]int64, rdv.SlotChanges, error) {
	ids, err := int64s(tx, `SELECT a.id FROM appointments a JOIN slots s ON s.id = a.slot_id
		WHERE a.account_id = ? AND a.status = 'booked' AND s.start_utc > ? ORDER BY s.start_utc, a.id`, r.AccountID, r.Now.Unix())
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("future appointments: %w", err)
	}
	var ch rdv.SlotChanges
	notices := len(tx.outbox)
	for _, id := range ids {
		_, c, err := cancel(tx, rdv.CancelRequest{AppointmentID: id, AccountID: r.AccountID, Now: r.Now})
		if err != nil {
			return nil, rdv.SlotChanges{}, fmt.Errorf("cancel appointment %d: %w", id, err)
		}
		ch.Freed = append(ch.Freed, c.Freed...)
	}
	tx.outbox = tx.outbox[:notices]
	return ids, ch, nil
}

// withdrawAccountRequests withdraws the account's waiting requests, as
// their person's withdrawal does: a live proposal's slot freed, the fee
// held given back.
func withdrawAccountRequests(tx *wtx, r rdv.CloseAccountRequest) ([]int64, rdv.SlotChanges, error) {
	ids, err := int64s(tx, `SELECT id FROM requests WHERE account_id = ? AND status IN ('open', 'proposed') ORDER BY id`, r.AccountID)
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("waiting requests: %w", err)
	}
	var ch rdv.SlotChanges
	for _, id := range ids {
		if p, err := liveProposal(tx, id); err == nil {
			c, err := endProposal(tx, p.ID, rdv.ProposalDeclined)
			if err != nil {
				return nil, rdv.SlotChanges{}, err
			}
			ch.Freed = append(ch.Freed, c.Freed...)
		} else if rdv.ErrorCode(err) != rdv.ENOTFOUND {
			return nil, rdv.SlotChanges{}, err
		}
		if _, err := tx.exec(`UPDATE requests SET status = 'withdrawn', handled_at = ? WHERE id = ?`, millis(r.Now), id); err != nil {
			return nil, rdv.SlotChanges{}, fmt.Errorf("withdraw request %d: %w", id, mapError(err))
		}
		if err := releaseFee(tx, id, r.Now); err != nil {
			return nil, rdv.SlotChanges{}, err
		}
	}
	return ids, ch, nil
}

// eraseAccount erases the identity of an account's holder and people
// wherever it is kept, and the account itself; it returns how many
// appointments are kept naming nobody.
func eraseAccount(tx *wtx, accountID int64, email, phone string) (int, error) {
	patients, err := int64s(tx, `SELECT patient_id FROM appointments WHERE account_id = ?1
		UNION SELECT guardian_id FROM appointments WHERE account_id = ?1 AND guardian_id IS NOT NULL`, accountID)
	if err != nil {
		return 0, fmt.Errorf("patients of the account: %w", err)
	}
	var kept int
	if err := tx.row(`SELECT count(*) FROM appointments WHERE account_id = ?`, accountID).Scan(&kept); err != nil {
		return 0, mapError(err)
	}
	emailIndex, phoneIndex := contactIndexes(tx.keys, email, phone)
	steps := []struct {
		what string
		q    string
		args []any
	}{
		{"messages", `UPDATE messages AS m SET destination = '', destination_index = '', secret = '', subject = '', body = '', last_error = '',
			status = CASE WHEN m.status IN ('queued', 'sending') THEN 'skipped' ELSE m.status END
			WHERE ` + accountMessagesWhere, []any{accountID, emailIndex, phoneIndex}},
		{"refused destinations", `DELETE FROM refused_destinations WHERE destination_index <> '' AND destination_index IN (?, ?)`, []any{emailIndex, phoneIndex}},
		{"sign-in codes", `DELETE FROM signin_codes WHERE destination_index <> '' AND destination_index IN (?, ?)`, []any{emailIndex, phoneIndex}},
		{"appointments", `UPDATE appointments SET first_name = '', last_name = '', birth_date = '', phone = '', email = '',
			guardian_id = NULL, guardian_first_name = '', guardian_last_name = '', guardian_birth_date = '', guardian_phone = '',
			guardian_email = '', guardian_relationship = '', cancel_token_hash = '', account_id = NULL,
			email_index = '', phone_index = '', guardian_email_index = '', guardian_phone_index = ''
			WHERE account_id = ?`, []any{accountID}},
		{"requests", `UPDATE requests SET first_name = '', last_name = '', birth_date = ?, health_number = '', phone = '', email = '',
			token_hash = '', account_id = 0, person_id = 0 WHERE account_id = ?`, []any{rdv.ErasedBirthDate.String(), accountID}},
		{"rosters", `DELETE FROM roster WHERE patient_id IN (SELECT value FROM json_each(?))`, []any{jsonIDs(patients)}},
		{"guardian links", `UPDATE patients SET guardian_id = NULL WHERE guardian_id IN (SELECT value FROM json_each(?))`, []any{jsonIDs(patients)}},
		{"patients", `UPDATE patients SET first_name = '', last_name = '', birth_date = '', health_number = NULL, health_index = NULL, phone = '', email = ''
			WHERE id IN (SELECT value FROM json_each(?))`, []any{jsonIDs(patients)}},
		{"sessions", `DELETE FROM patient_sessions WHERE account_id = ?`, []any{accountID}},
		{"people", `DELETE FROM account_people WHERE account_id = ?`, []any{accountID}},
		{"consents", `DELETE FROM notification_consents WHERE account_id = ?`, []any{accountID}},
		{"account", `DELETE FROM patient_accounts WHERE id = ?`, []any{accountID}},
	}
	for _, st := range steps {
		if _, err := tx.exec(st.q, st.args...); err != nil {
			return 0, fmt.Errorf("erase the %s: %w", st.what, mapError(err))
		}
	}
	return kept, nil
}

// int64s reads a column of IDs.
func int64s(tx *wtx, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapError(err)
		}
		out = append(out, id)
	}
	return out, mapError(rows.Err())
}

// jsonIDs is a list of IDs for json_each.
func jsonIDs(ids []int64) string {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", id)
	}
	return string(append(b, ']'))
}

const privacyIncidentColumns = `id, found_at, description, data_concerned, people_concerned, serious_risk, risk_assessment,
	cai_notified_at, people_notified_at, measures, coalesce(recorded_by, 0), recorded_at, updated_at`

func scanPrivacyIncident(sc scanner) (rdv.PrivacyIncident, error) {
	var p rdv.PrivacyIncident
	var found, cai, people, recorded, updated int64
	if err := sc.Scan(&p.ID, &found, &p.Description, &p.DataConcerned, &p.PeopleConcerned, &p.SeriousRisk, &p.RiskAssessment,
		&cai, &people, &p.Measures, &p.RecordedBy, &recorded, &updated); err != nil {
		return rdv.PrivacyIncident{}, err
	}
	p.FoundAt, p.RecordedAt, p.UpdatedAt = fromMillis(found), fromMillis(recorded), fromMillis(updated)
	p.CAINotified, p.PeopleNotified = cai != 0, people != 0
	if cai != 0 {
		p.CAINotifiedAt = fromMillis(cai)
	}
	if people != 0 {
		p.PeopleNotifiedAt = fromMillis(people)
	}
	return p, nil
}

// PrivacyIncidents lists the register, the latest found first.
func (s *Store) PrivacyIncidents(ctx context.Context) ([]rdv.PrivacyIncident, error) {
	rows, err := s.r(ctx).query(`SELECT ` + privacyIncidentColumns + ` FROM privacy_incidents ORDER BY found_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("privacy incidents: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.PrivacyIncident
	for rows.Next() {
		p, err := scanPrivacyIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("privacy incidents: %w", mapError(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privacy incidents: %w", mapError(err))
	}
	return out, nil
}

// PrivacyIncident returns one entry of the register.
func (s *Store) PrivacyIncident(ctx context.Context, id int64) (rdv.PrivacyIncident, error) {
	p, err := scanPrivacyIncident(s.r(ctx).row(`SELECT `+privacyIncidentColumns+` FROM privacy_incidents WHERE id = ?`, id))
	if isNoRows(err) {
		return rdv.PrivacyIncident{}, rdv.Errorf(rdv.ENOTFOUND, "privacy incident %d", id)
	}
	if err != nil {
		return rdv.PrivacyIncident{}, fmt.Errorf("read privacy incident %d: %w", id, mapError(err))
	}
	return p, nil
}

// SavePrivacyIncident adds or changes an entry of the register.
func (s *Store) SavePrivacyIncident(ctx context.Context, p rdv.PrivacyIncident, now time.Time) (rdv.PrivacyIncident, error) {
	if err := p.Validate(now); err != nil {
		return rdv.PrivacyIncident{}, err
	}
	var out rdv.PrivacyIncident
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		args := []any{millis(p.FoundAt), p.Description, p.DataConcerned, p.PeopleConcerned, boolInt(p.SeriousRisk), p.RiskAssessment,
			optionalMillis(p.CAINotifiedAt), optionalMillis(p.PeopleNotifiedAt), p.Measures, millis(now)}
		if p.ID == 0 {
			out, err = scanPrivacyIncident(tx.row(`INSERT INTO privacy_incidents (found_at, description, data_concerned, people_concerned,
					serious_risk, risk_assessment, cai_notified_at, people_notified_at, measures, updated_at, recorded_by, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+privacyIncidentColumns, append(args, nullID(p.RecordedBy), millis(now))...))
			return mapError(err)
		}
		out, err = scanPrivacyIncident(tx.row(`UPDATE privacy_incidents SET found_at = ?, description = ?, data_concerned = ?,
				people_concerned = ?, serious_risk = ?, risk_assessment = ?, cai_notified_at = ?, people_notified_at = ?, measures = ?,
				updated_at = ? WHERE id = ? RETURNING `+privacyIncidentColumns, append(args, p.ID)...))
		if isNoRows(err) {
			return rdv.Errorf(rdv.ENOTFOUND, "privacy incident %d", p.ID)
		}
		return mapError(err)
	}})
	if err != nil {
		return rdv.PrivacyIncident{}, fmt.Errorf("save privacy incident: %w", err)
	}
	return out, nil
}

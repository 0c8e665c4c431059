package sqlite

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// IssueSignInCode records a code for r.To and writes the message that
// carries it, in one transaction. The caps count the codes of the last
// hour; the single writer makes the counts exact under concurrency. A
// code keeps its destination's blind index only: it is found by it and
// never read back. Errors name no destination: an address is patient
// data, kept out of logs.
func (s *Store) IssueSignInCode(ctx context.Context, r rdv.SignInCodeRequest) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("issue sign-in code: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error { return issueSignInCode(tx, r) }})
	if err != nil {
		return fmt.Errorf("issue sign-in code: %w", err)
	}
	return nil
}

func issueSignInCode(tx *wtx, r rdv.SignInCodeRequest) error {
	now, hourAgo := millis(r.Now), millis(r.Now.Add(-time.Hour))
	index := destinationIndex(tx.keys, r.Channel, r.To)
	var toDest, toDestFromAddr, fromAddr int
	err := tx.row(`SELECT (SELECT count(*) FROM signin_codes WHERE destination_index = ? AND created_at > ?),
			(SELECT count(*) FROM signin_codes WHERE destination_index = ? AND created_at > ? AND address_key = ?),
			(SELECT count(*) FROM signin_codes WHERE address_key = ? AND address_key <> '' AND created_at > ?)`,
		index, hourAgo, index, hourAgo, r.AddressKey, r.AddressKey, hourAgo).Scan(&toDest, &toDestFromAddr, &fromAddr)
	if err != nil {
		return fmt.Errorf("count codes: %w", mapError(err))
	}
	if toDest >= rdv.SignInCodesPerHour {
		return rdv.Errorf(rdv.ETOOMANY, "%d codes for the destination in the last hour", toDest)
	}
	if r.AddressKey != "" && toDestFromAddr >= rdv.SignInCodesPerAsker {
		return rdv.Errorf(rdv.ETOOMANY, "%d codes for the destination from the address in the last hour", toDestFromAddr)
	}
	if r.AddressKey != "" && r.MaxPerAddress > 0 && fromAddr >= r.MaxPerAddress {
		return rdv.Errorf(rdv.ETOOMANY, "%d codes from the address in the last hour", fromAddr)
	}
	if r.Channel == rdv.BySMS && r.MaxSMSPerHour > 0 {
		var bySMS int
		if err := tx.row(`SELECT count(*) FROM signin_codes WHERE channel = 'sms' AND created_at > ?`, hourAgo).Scan(&bySMS); err != nil {
			return fmt.Errorf("count codes by text message: %w", mapError(err))
		}
		if bySMS >= r.MaxSMSPerHour {
			return rdv.Errorf(rdv.ETOOMANY, "%d codes by text message in the last hour, the platform's cap", bySMS)
		}
	}
	// Only a step's newest code works: a code asked again from the same
	// step replaces the one before, so that two live codes never double
	// the step's tries. Other steps' codes stay live: retiring them would
	// let a stranger's request spoil the code its owner is typing. The
	// destination's codes older than the hour count for nothing any more
	// and are forgotten.
	if _, err := tx.exec(`UPDATE signin_codes SET used = 1 WHERE channel = ? AND destination_index = ? AND step_hash = ? AND used = 0`,
		r.Channel, index, r.StepHash); err != nil {
		return fmt.Errorf("retire older codes: %w", mapError(err))
	}
	if _, err := tx.exec(`DELETE FROM signin_codes WHERE destination_index = ? AND created_at <= ?`, index, hourAgo); err != nil {
		return fmt.Errorf("forget old codes: %w", mapError(err))
	}
	if _, err := tx.exec(`INSERT INTO signin_codes (channel, destination_index, destination, code_hash, step_hash, address_key, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Channel, index, tx.keys.Keep(r.To), r.CodeHash, r.StepHash, r.AddressKey, now, millis(r.Now.Add(rdv.SignInCodeTTL))); err != nil {
		return fmt.Errorf("insert code: %w", mapError(err))
	}
	return insertMessages(tx, []rdv.Message{codeMessage(r)})
}

// codeMessage is the message that carries a code: the code is its
// Secret, which the store keeps nowhere else.
func codeMessage(r rdv.SignInCodeRequest) rdv.Message {
	return rdv.Message{Kind: rdv.MessageSignInCode, Channel: r.Channel, To: r.To, Language: r.Language, Secret: r.Code,
		DueAt: r.Now, CreatedAt: r.Now}
}

// VerifySignInCode checks the newest live code that r.StepHash asked for
// r.To and, when it is
// right, signs in: the account is found or made, the guests' bookings
// with this contact join it, and the session is recorded, in one
// transaction. A wrong code's spent try must be committed, but a command
// that returns an error is rolled back to its savepoint: the command
// reports the refusal as its outcome, and the error is made after the
// write.
func (s *Store) VerifySignInCode(ctx context.Context, r rdv.VerifyCodeRequest) (rdv.PatientAccount, error) {
	if err := r.Validate(); err != nil {
		return rdv.PatientAccount{}, fmt.Errorf("verify sign-in code: %w", err)
	}
	var a rdv.PatientAccount
	var refused string
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		var changed rdv.AuditRecords
		a, changed, refused, err = verifySignInCode(tx, r)
		if err == nil && !changed.Empty() {
			tx.auditChange(rdv.SignedInAs(ctx, a.ID), rdv.AuditAccountJoin, changed, r.Now)
		}
		return err
	}})
	if err == nil && refused != "" {
		err = rdv.Errorf(rdv.ECODE, "%s", refused)
	}
	if err != nil {
		return rdv.PatientAccount{}, fmt.Errorf("verify sign-in code: %w", err)
	}
	return a, nil
}

// verifySignInCode returns the account signed in, or why the code is
// refused (the tries it spent are written all the same), and the records
// the sign-in changed: the account when it made it, the bookings it
// joined.
func verifySignInCode(tx *wtx, r rdv.VerifyCodeRequest) (rdv.PatientAccount, rdv.AuditRecords, string, error) {
	var changed rdv.AuditRecords
	var id int64
	var hash string
	var tries int
	// Only the step's own code is read: a guess never spends the tries
	// of a code another step asked.
	err := tx.row(`SELECT id, code_hash, tries FROM signin_codes
		WHERE destination_index = ? AND channel = ? AND step_hash = ? AND used = 0 AND expires_at > ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, destinationIndex(tx.keys, r.Channel, r.To), r.Channel, r.StepHash, millis(r.Now)).Scan(&id, &hash, &tries)
	if isNoRows(err) {
		return rdv.PatientAccount{}, changed, "no live code", nil
	}
	if err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("read code: %w", mapError(err))
	}
	tries++
	right := subtle.ConstantTimeCompare([]byte(hash), []byte(r.CodeHash)) == 1
	used := right || tries >= rdv.SignInCodeTries
	if _, err := tx.exec(`UPDATE signin_codes SET tries = ?, used = ? WHERE id = ?`, tries, boolInt(used), id); err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("spend a try: %w", mapError(err))
	}
	switch {
	case tries > rdv.SignInCodeTries:
		return rdv.PatientAccount{}, changed, "out of tries", nil
	case !right:
		return rdv.PatientAccount{}, changed, "wrong code", nil
	}
	a, made, err := accountOfContact(tx, r)
	if err != nil {
		return rdv.PatientAccount{}, changed, "", err
	}
	joined, err := joinGuestBookings(tx, a.ID, r.Channel, r.To)
	if err != nil {
		return rdv.PatientAccount{}, changed, "", err
	}
	if made || !joined.Empty() {
		changed = joined.With(rdv.AuditRecords{Accounts: []int64{a.ID}})
	}
	// The code reached its owner there: the destination receives again.
	if err := clearRefusal(tx, r.Channel, r.To); err != nil {
		return rdv.PatientAccount{}, changed, "", err
	}
	se := r.Session
	if _, err := tx.exec(`DELETE FROM patient_sessions WHERE expires_at <= ?`, millis(r.Now)); err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("forget expired sessions: %w", mapError(err))
	}
	if _, err := tx.exec(`INSERT INTO patient_sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		se.TokenHash, a.ID, se.CSRFToken, millis(se.CreatedAt), millis(se.ExpiresAt)); err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("insert session: %w", uniqueAs(err, rdv.ECONFLICT, "session token in use"))
	}
	return a, changed, "", nil
}

// accountOfContact finds the account of the contact just proved, or makes
// it: its language is the request's, and its messages go to the channel
// the contact was proved on, chosen now.
func accountOfContact(tx *wtx, r rdv.VerifyCodeRequest) (a rdv.PatientAccount, made bool, err error) {
	column, kind := "email_index", fieldcrypt.KindEmail
	if r.Channel == rdv.BySMS {
		column, kind = "phone_index", fieldcrypt.KindPhone
	}
	a, err = scanPatientAccount(tx.keys, tx.row(`SELECT `+patientAccountColumns+` FROM patient_accounts WHERE `+column+` = ?`, tx.keys.Index(kind, r.To)))
	switch {
	case err == nil:
		return a, false, nil
	case !isNoRows(err):
		return rdv.PatientAccount{}, false, fmt.Errorf("find account: %w", mapError(err))
	}
	a = rdv.PatientAccount{Language: r.Language, Notify: rdv.Notify{Email: r.Channel == rdv.ByEmail, SMS: r.Channel == rdv.BySMS},
		ConsentAt: fromMillis(millis(r.Now)), CreatedAt: fromMillis(millis(r.Now))}
	if r.Channel == rdv.ByEmail {
		a.Email = r.To
	} else {
		a.Phone = r.To
	}
	k := tx.keys
	err = tx.row(`INSERT INTO patient_accounts (email, phone, email_index, phone_index, language, notify_email, notify_sms, consent_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullString(k.Seal(a.Email)), nullString(k.Seal(a.Phone)),
		nullString(k.Index(fieldcrypt.KindEmail, a.Email)), nullString(k.Index(fieldcrypt.KindPhone, a.Phone)), a.Language, boolInt(a.Notify.Email), boolInt(a.Notify.SMS), millis(a.ConsentAt), millis(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return rdv.PatientAccount{}, false, fmt.Errorf("add account: %w", mapError(err))
	}
	return a, true, nil
}

// joinGuestBookings files under the account the bookings made without one
// that gave the contact just proved, as the patient's or the guardian's,
// and names them with their patients. Each arm of the union reads one of
// the partial indexes on guests' contacts.
func joinGuestBookings(tx *wtx, accountID int64, channel rdv.MessageChannel, to string) (rdv.AuditRecords, error) {
	q := `UPDATE appointments SET account_id = ? WHERE id IN (
		SELECT id FROM appointments WHERE account_id IS NULL AND email_index <> '' AND email_index = ?
		UNION SELECT id FROM appointments WHERE account_id IS NULL AND guardian_email_index <> '' AND guardian_email_index = ?)
		RETURNING id, patient_id, coalesce(guardian_id, 0)`
	index := tx.keys.Index(fieldcrypt.KindEmail, to)
	if channel == rdv.BySMS {
		q = `UPDATE appointments SET account_id = ? WHERE id IN (
			SELECT id FROM appointments WHERE account_id IS NULL AND phone_index <> '' AND phone_index = ?
			UNION SELECT id FROM appointments WHERE account_id IS NULL AND guardian_phone_index <> '' AND guardian_phone_index = ?)
			RETURNING id, patient_id, coalesce(guardian_id, 0)`
		index = tx.keys.Index(fieldcrypt.KindPhone, to)
	}
	var joined rdv.AuditRecords
	if index == "" {
		return joined, nil
	}
	rows, err := tx.query(q, accountID, index, index)
	if err != nil {
		return joined, fmt.Errorf("join guests' bookings to account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var appt, patient, guardian int64
		if err := rows.Scan(&appt, &patient, &guardian); err != nil {
			return joined, fmt.Errorf("join guests' bookings to account %d: %w", accountID, mapError(err))
		}
		joined.Appointments = append(joined.Appointments, appt)
		joined.Patients = append(joined.Patients, patient, guardian)
	}
	if err := rows.Err(); err != nil {
		return joined, fmt.Errorf("join guests' bookings to account %d: %w", accountID, mapError(err))
	}
	return joined.With(rdv.AuditRecords{}), nil
}

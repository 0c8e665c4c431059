package postgres

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// IssueSignInCode records a code for r.To and writes the message that
// carries it, in one transaction. Advisory locks on the destination, the
// address and, for a text message under the platform's cap, on every text
// message make concurrent requests count one after the other, so the caps
// hold under concurrency, on every instance. A code keeps its
// destination's blind index only: it is found by it and never read back.
// Errors name no destination: an address is patient data, kept out of
// logs.
func (s *Store) IssueSignInCode(ctx context.Context, r rdv.SignInCodeRequest) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("issue sign-in code: %w", err)
	}
	now := dbTime(r.Now)
	index := destinationIndex(s.opts.Keys, r.Channel, r.To)
	return s.inTx(ctx, "issue sign-in code", func(tx pgx.Tx) error {
		byAddr := r.AddressKey != "" && r.MaxPerAddress > 0
		keys := []string{"sign-in codes to " + index}
		if byAddr {
			keys = append(keys, "sign-in codes from "+r.AddressKey)
		}
		bySMS := r.Channel == rdv.BySMS && r.MaxSMSPerHour > 0
		if bySMS {
			keys = append(keys, "sign-in codes by text message")
		}
		if err := lockKeys(ctx, tx, keys); err != nil {
			return err
		}
		var toDest, toDestFromAddr, fromAddr int
		err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM signin_codes WHERE destination_index = $1 AND created_at > $3),
				(SELECT count(*) FROM signin_codes WHERE destination_index = $1 AND created_at > $3 AND address_key = $2),
				(SELECT count(*) FROM signin_codes WHERE $4 AND address_key = $2 AND created_at > $3)`,
			index, r.AddressKey, now.Add(-time.Hour), byAddr).Scan(&toDest, &toDestFromAddr, &fromAddr)
		if err != nil {
			return fmt.Errorf("count codes: %w", err)
		}
		if toDest >= rdv.SignInCodesPerHour {
			return rdv.Errorf(rdv.ETOOMANY, "%d codes for the destination in the last hour", toDest)
		}
		if r.AddressKey != "" && toDestFromAddr >= rdv.SignInCodesPerAsker {
			return rdv.Errorf(rdv.ETOOMANY, "%d codes for the destination from the address in the last hour", toDestFromAddr)
		}
		if byAddr && fromAddr >= r.MaxPerAddress {
			return rdv.Errorf(rdv.ETOOMANY, "%d codes from the address in the last hour", fromAddr)
		}
		if bySMS {
			var sent int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM signin_codes WHERE channel = 'sms' AND created_at > $1`, now.Add(-time.Hour)).Scan(&sent); err != nil {
				return fmt.Errorf("count codes by text message: %w", err)
			}
			if sent >= r.MaxSMSPerHour {
				return rdv.Errorf(rdv.ETOOMANY, "%d codes by text message in the last hour, the platform's cap", sent)
			}
		}
		// Only a step's newest code works: a code asked again from the
		// same step replaces the one before, so that two live codes never
		// double the step's tries. Other steps' codes stay live: retiring
		// them would let a stranger's request spoil the code its owner is
		// typing. The destination's codes older than the hour count for
		// nothing any more and are forgotten.
		_, err = tx.Exec(ctx, `WITH retired AS (
				UPDATE signin_codes SET used = true WHERE channel = $1 AND destination_index = $2 AND step_hash = $9 AND NOT used),
			forgotten AS (
				DELETE FROM signin_codes WHERE destination_index = $2 AND created_at <= $7)
			INSERT INTO signin_codes (channel, destination_index, destination, code_hash, step_hash, address_key, created_at, expires_at)
			VALUES ($1, $2, $8, $3, $9, $4, $5, $6)`,
			string(r.Channel), index, r.CodeHash, r.AddressKey, now, now.Add(rdv.SignInCodeTTL), now.Add(-time.Hour), s.opts.Keys.Keep(r.To), r.StepHash)
		if err != nil {
			return fmt.Errorf("write code: %w", err)
		}
		return insertMessages(ctx, tx, []rdv.Message{codeMessage(r)})
	})
}

// codeMessage is the message that carries a code: the code is its
// Secret, which the store keeps nowhere else.
func codeMessage(r rdv.SignInCodeRequest) rdv.Message {
	return rdv.Message{Kind: rdv.MessageSignInCode, Channel: r.Channel, To: r.To, Language: r.Language, Secret: r.Code,
		DueAt: r.Now, CreatedAt: r.Now}
}

// lockKeys takes the transaction's advisory locks on keys, in the order of
// their lock numbers so that two transactions sharing keys cannot each
// wait for the other's lock.
func lockKeys(ctx context.Context, tx pgx.Tx, keys []string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(unnest($1::text[]), 0) AS k) l ORDER BY k`, keys); err != nil {
		return fmt.Errorf("lock %d keys: %w", len(keys), err)
	}
	return nil
}

// VerifySignInCode checks the newest live code that r.StepHash asked for
// r.To and, when it is
// right, signs in: the account is found or made, the guests' bookings
// with this contact join it, and the session is recorded, in one
// transaction. The code's row is locked, so concurrent guesses spend
// their tries one after the other. A wrong code's spent try must be
// committed: the transaction reports the refusal as its outcome, and the
// error is made after the commit.
func (s *Store) VerifySignInCode(ctx context.Context, r rdv.VerifyCodeRequest) (rdv.PatientAccount, error) {
	if err := r.Validate(); err != nil {
		return rdv.PatientAccount{}, fmt.Errorf("verify sign-in code: %w", err)
	}
	var a rdv.PatientAccount
	var refused string
	err := s.inTx(ctx, "verify sign-in code", func(tx pgx.Tx) (err error) {
		var changed rdv.AuditRecords
		if a, changed, refused, err = verifySignInCode(ctx, tx, r); err != nil || changed.Empty() {
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(rdv.SignedInAs(ctx, a.ID), rdv.AuditAccountJoin, changed, r.Now))
	})
	if err == nil && refused != "" {
		err = fmt.Errorf("verify sign-in code: %w", rdv.Errorf(rdv.ECODE, "%s", refused))
	}
	if err != nil {
		return rdv.PatientAccount{}, err
	}
	return a, nil
}

// verifySignInCode returns the account signed in, or why the code is
// refused (the try it spent is written all the same), and the records the
// sign-in changed: the account when it made it, the bookings it joined.
func verifySignInCode(ctx context.Context, tx pgx.Tx, r rdv.VerifyCodeRequest) (rdv.PatientAccount, rdv.AuditRecords, string, error) {
	var changed rdv.AuditRecords
	now := dbTime(r.Now)
	var id int64
	var hash string
	// Only the step's own code is read: a guess never spends the tries
	// of a code another step asked.
	err := tx.QueryRow(ctx, `SELECT id, code_hash FROM signin_codes
		WHERE destination_index = $1 AND channel = $2 AND step_hash = $4 AND NOT used AND expires_at > $3
		ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`, destinationIndex(keysOf(tx), r.Channel, r.To), string(r.Channel), now, r.StepHash).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.PatientAccount{}, changed, "no live code", nil
	}
	if err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("read code: %w", err)
	}
	right := subtle.ConstantTimeCompare([]byte(hash), []byte(r.CodeHash)) == 1
	var tries int
	err = tx.QueryRow(ctx, `UPDATE signin_codes SET tries = tries + 1, used = $2 OR tries + 1 >= $3 WHERE id = $1 RETURNING tries`,
		id, right, rdv.SignInCodeTries).Scan(&tries)
	if err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("spend a try: %w", err)
	}
	switch {
	case tries > rdv.SignInCodeTries:
		return rdv.PatientAccount{}, changed, "out of tries", nil
	case !right:
		return rdv.PatientAccount{}, changed, "wrong code", nil
	}
	a, made, err := accountOfContact(ctx, tx, r, now)
	if err != nil {
		return rdv.PatientAccount{}, changed, "", err
	}
	joined, err := joinGuestBookings(ctx, tx, a.ID, r.Channel, r.To)
	if err != nil {
		return rdv.PatientAccount{}, changed, "", err
	}
	if made || !joined.Empty() {
		changed = joined.With(rdv.AuditRecords{Accounts: []int64{a.ID}})
	}
	// The code reached its owner there: the destination receives again.
	if err := clearRefusal(ctx, tx, r.Channel, r.To); err != nil {
		return rdv.PatientAccount{}, changed, "", err
	}
	se := r.Session
	if _, err := tx.Exec(ctx, `DELETE FROM patient_sessions WHERE expires_at <= $1`, now); err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("forget expired sessions: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO patient_sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		se.TokenHash, a.ID, se.CSRFToken, dbTime(se.CreatedAt), dbTime(se.ExpiresAt)); err != nil {
		return rdv.PatientAccount{}, changed, "", fmt.Errorf("insert session: %w", err)
	}
	return a, changed, "", nil
}

// accountOfContact finds the account of the contact just proved, or makes
// it: its language is the request's, and its messages go to the channel
// the contact was proved on, chosen now. Two sign-ins that make the same
// account at once meet on the unique index: the second finds the first's.
func accountOfContact(ctx context.Context, tx pgx.Tx, r rdv.VerifyCodeRequest, now time.Time) (a rdv.PatientAccount, made bool, err error) {
	k := keysOf(tx)
	column, kind := "email_index", fieldcrypt.KindEmail
	if r.Channel == rdv.BySMS {
		column, kind = "phone_index", fieldcrypt.KindPhone
	}
	index := k.Index(kind, r.To)
	find := `SELECT ` + patientAccountColumns + ` FROM patient_accounts WHERE ` + column + ` = $1`
	a, err = scanPatientAccount(k, tx.QueryRow(ctx, find, index))
	switch {
	case err == nil:
		return a, false, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return rdv.PatientAccount{}, false, fmt.Errorf("find account: %w", err)
	}
	var email, phone, emailIndex, phoneIndex *string
	sealed := k.Seal(r.To)
	if r.Channel == rdv.ByEmail {
		email, emailIndex = &sealed, &index
	} else {
		phone, phoneIndex = &sealed, &index
	}
	a, err = scanPatientAccount(k, tx.QueryRow(ctx, `INSERT INTO patient_accounts (email, phone, email_index, phone_index, language, notify_email, notify_sms, consent_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (`+column+`) WHERE `+column+` IS NOT NULL DO NOTHING RETURNING `+patientAccountColumns,
		email, phone, emailIndex, phoneIndex, r.Language, r.Channel == rdv.ByEmail, r.Channel == rdv.BySMS, now))
	made = err == nil
	if errors.Is(err, pgx.ErrNoRows) {
		// Made by a sign-in that committed since the look-up: this
		// statement's snapshot is newer and sees it.
		a, err = scanPatientAccount(k, tx.QueryRow(ctx, find, index))
	}
	if err != nil {
		return rdv.PatientAccount{}, false, fmt.Errorf("add account: %w", err)
	}
	return a, made, nil
}

// joinGuestBookings files under the account the bookings made without one
// that gave the contact just proved, as the patient's or the guardian's,
// and names them with their patients. Each arm of the OR states the
// predicate of one of the partial indexes on guests' contacts, so that
// the planner can read them.
func joinGuestBookings(ctx context.Context, tx pgx.Tx, accountID int64, channel rdv.MessageChannel, to string) (rdv.AuditRecords, error) {
	q := `UPDATE appointments SET account_id = $1 WHERE account_id IS NULL
		AND ((email_index <> '' AND email_index = $2) OR (guardian_email_index <> '' AND guardian_email_index = $2))
		RETURNING id, patient_id, coalesce(guardian_id, 0)`
	index := keysOf(tx).Index(fieldcrypt.KindEmail, to)
	if channel == rdv.BySMS {
		q = `UPDATE appointments SET account_id = $1 WHERE account_id IS NULL
			AND ((phone_index <> '' AND phone_index = $2) OR (guardian_phone_index <> '' AND guardian_phone_index = $2))
			RETURNING id, patient_id, coalesce(guardian_id, 0)`
		index = keysOf(tx).Index(fieldcrypt.KindPhone, to)
	}
	var joined rdv.AuditRecords
	if index == "" {
		return joined, nil
	}
	rows, err := tx.Query(ctx, q, accountID, index)
	if err != nil {
		return joined, fmt.Errorf("join guests' bookings to account %d: %w", accountID, err)
	}
	var appt, patient, guardian int64
	_, err = pgx.ForEachRow(rows, []any{&appt, &patient, &guardian}, func() error {
		joined.Appointments = append(joined.Appointments, appt)
		joined.Patients = append(joined.Patients, patient, guardian)
		return nil
	})
	if err != nil {
		return joined, fmt.Errorf("join guests' bookings to account %d: %w", accountID, err)
	}
	return joined.With(rdv.AuditRecords{}), nil
}

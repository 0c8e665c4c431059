package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

var _ rdv.StaffFactorStore = (*Store)(nil)

// SecondFactors says what the account has to sign in with besides its
// password.
func (s *Store) SecondFactors(ctx context.Context, accountID int64, now time.Time) (rdv.SecondFactors, error) {
	var f rdv.SecondFactors
	var paused int64
	err := s.r(ctx).row(`SELECT
			coalesce((SELECT confirmed FROM staff_totp WHERE account_id = a.id), 0),
			(SELECT count(*) FROM staff_passkeys WHERE account_id = a.id),
			(SELECT count(*) FROM staff_recovery_codes WHERE account_id = a.id AND used_at = 0),
			coalesce((SELECT paused_until FROM staff_factor_tries WHERE account_id = a.id), 0)
		FROM accounts a WHERE a.id = ?`, accountID).Scan(&f.TOTP, &f.Passkeys, &f.RecoveryCodes, &paused)
	if isNoRows(err) {
		return rdv.SecondFactors{}, rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
	}
	if err != nil {
		return rdv.SecondFactors{}, fmt.Errorf("read second factors of account %d: %w", accountID, mapError(err))
	}
	if paused > millis(now) {
		f.PausedUntil = fromMillis(paused)
	}
	return f, nil
}

// StartTOTP records an unconfirmed secret, replacing an unconfirmed one.
func (s *Store) StartTOTP(ctx context.Context, accountID int64, secret string, now time.Time) error {
	if secret == "" {
		return rdv.Errorf(rdv.EINVALID, "no TOTP secret")
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var confirmed int
		err := tx.row(`SELECT confirmed FROM staff_totp WHERE account_id = ?`, accountID).Scan(&confirmed)
		switch {
		case err == nil && confirmed == 1:
			return rdv.Errorf(rdv.ECONFLICT, "account %d has a confirmed TOTP secret", accountID)
		case err != nil && !isNoRows(err):
			return mapError(err)
		}
		res, err := tx.exec(`INSERT INTO staff_totp (account_id, secret, confirmed, last_step, created_at)
			SELECT id, ?, 0, 0, ? FROM accounts WHERE id = ?
			ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`,
			tx.keys.Seal(secret), millis(now), accountID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("start TOTP of account %d: %w", accountID, err)
	}
	return nil
}

// TOTP returns the account's secret, confirmed or not.
func (s *Store) TOTP(ctx context.Context, accountID int64) (rdv.TOTP, error) {
	t := rdv.TOTP{AccountID: accountID}
	var created int64
	err := s.r(ctx).row(`SELECT secret, confirmed, last_step, created_at FROM staff_totp WHERE account_id = ?`, accountID).
		Scan(opened(s.keys, &t.Secret), &t.Confirmed, &t.LastStep, &created)
	if isNoRows(err) {
		return rdv.TOTP{}, rdv.Errorf(rdv.ENOTFOUND, "TOTP of account %d", accountID)
	}
	if err != nil {
		return rdv.TOTP{}, fmt.Errorf("read TOTP of account %d: %w", accountID, mapError(err))
	}
	t.CreatedAt = fromMillis(created)
	return t, nil
}

// ConfirmTOTP confirms an unconfirmed secret, gives recovery codes and
// rotates the session, in one transaction.
func (s *Store) ConfirmTOTP(ctx context.Context, r rdv.ConfirmTOTPRequest) error {
	if r.Step <= 0 {
		return rdv.Errorf(rdv.EINVALID, "no time step")
	}
	if err := checkSession(&r.Rotate.New); err != nil {
		return fmt.Errorf("confirm TOTP: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE staff_totp SET confirmed = 1, last_step = ? WHERE account_id = ? AND confirmed = 0`, r.Step, r.AccountID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "unconfirmed TOTP of account %d", r.AccountID)
		}
		if len(r.RecoveryHashes) > 0 {
			if err := replaceRecoveryCodes(tx, r.AccountID, r.RecoveryHashes, r.Now); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`DELETE FROM staff_factor_tries WHERE account_id = ?`, r.AccountID); err != nil {
			return mapError(err)
		}
		return rotateSession(tx, r.AccountID, r.Rotate)
	}})
	if err != nil {
		return fmt.Errorf("confirm TOTP of account %d: %w", r.AccountID, err)
	}
	return nil
}

// rotateSession ends the account's session old and opens new.
func rotateSession(tx *wtx, accountID int64, r rdv.Rotation) error {
	if r.New.AccountID != accountID {
		return rdv.Errorf(rdv.EINVALID, "rotation to another account's session")
	}
	if _, err := tx.exec(`DELETE FROM sessions WHERE token_hash = ? AND account_id = ?`, r.Old, accountID); err != nil {
		return mapError(err)
	}
	return insertSession(tx, r.New)
}

// RemoveTOTP forgets the account's secret.
func (s *Store) RemoveTOTP(ctx context.Context, accountID int64) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`DELETE FROM staff_totp WHERE account_id = ?`, accountID)
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("remove TOTP of account %d: %w", accountID, err)
	}
	return nil
}

// ReplaceRecoveryCodes gives the account these codes and forgets the
// others.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, accountID int64, hashes []string, now time.Time) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var n int
		if err := tx.row(`SELECT count(*) FROM accounts WHERE id = ?`, accountID).Scan(&n); err != nil {
			return mapError(err)
		}
		if n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		return replaceRecoveryCodes(tx, accountID, hashes, now)
	}})
	if err != nil {
		return fmt.Errorf("replace recovery codes of account %d: %w", accountID, err)
	}
	return nil
}

func replaceRecoveryCodes(tx *wtx, accountID int64, hashes []string, now time.Time) error {
	if _, err := tx.exec(`DELETE FROM staff_recovery_codes WHERE account_id = ?`, accountID); err != nil {
		return mapError(err)
	}
	for _, h := range hashes {
		if h == "" {
			return rdv.Errorf(rdv.EINVALID, "empty recovery code hash")
		}
		if _, err := tx.exec(`INSERT INTO staff_recovery_codes (account_id, code_hash, created_at) VALUES (?, ?, ?)`,
			accountID, h, millis(now)); err != nil {
			return uniqueAs(err, rdv.EINVALID, "the same recovery code twice")
		}
	}
	return nil
}

// SpendSecondFactorTry counts one try of the account's second step.
func (s *Store) SpendSecondFactorTry(ctx context.Context, accountID int64, now time.Time) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var tries int
		var paused int64
		err := tx.row(`SELECT tries, paused_until FROM staff_factor_tries WHERE account_id = ?`, accountID).Scan(&tries, &paused)
		if err != nil && !isNoRows(err) {
			return mapError(err)
		}
		if paused > millis(now) {
			return rdv.Errorf(rdv.ETOOMANY, "second step of account %d paused", accountID)
		}
		if paused != 0 { // a pause over: a new round of tries
			tries = 0
		}
		tries++
		paused = 0
		if tries >= rdv.SecondFactorTries {
			paused = millis(now.Add(rdv.SecondFactorPause))
		}
		res, err := tx.exec(`INSERT INTO staff_factor_tries (account_id, tries, paused_until)
			SELECT id, ?, ? FROM accounts WHERE id = ?
			ON CONFLICT (account_id) DO UPDATE SET tries = excluded.tries, paused_until = excluded.paused_until`,
			tries, paused, accountID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("spend a second-factor try of account %d: %w", accountID, err)
	}
	return nil
}

// CreateChallenge records a ceremony, forgetting expired ones.
func (s *Store) CreateChallenge(ctx context.Context, c rdv.Challenge) error {
	if err := checkChallenge(c); err != nil {
		return fmt.Errorf("create challenge: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		if _, err := tx.exec(`DELETE FROM staff_challenges WHERE expires_at <= ?`, millis(c.CreatedAt)); err != nil {
			return mapError(err)
		}
		res, err := tx.exec(`INSERT INTO staff_challenges (token_hash, kind, account_id, data, return_to, created_at, expires_at)
			SELECT ?, ?, id, ?, ?, ?, ? FROM accounts WHERE id = ?
			ON CONFLICT (token_hash, kind) DO UPDATE SET account_id = excluded.account_id, data = excluded.data,
				return_to = excluded.return_to, created_at = excluded.created_at, expires_at = excluded.expires_at`,
			c.TokenHash, c.Kind, c.Data, c.Return, millis(c.CreatedAt), millis(c.ExpiresAt), c.AccountID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", c.AccountID)
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("create %s challenge of account %d: %w", c.Kind, c.AccountID, err)
	}
	return nil
}

func checkChallenge(c rdv.Challenge) error {
	if c.TokenHash == "" || (c.Kind != rdv.ChallengeSignIn && c.Kind != rdv.ChallengePasskey) || !c.ExpiresAt.After(c.CreatedAt) {
		return rdv.Errorf(rdv.EINVALID, "challenge without token, kind or life")
	}
	return nil
}

// Challenge returns a live ceremony of a kind.
func (s *Store) Challenge(ctx context.Context, tokenHash, kind string, now time.Time) (rdv.Challenge, error) {
	c := rdv.Challenge{TokenHash: tokenHash, Kind: kind}
	var created, expires int64
	err := s.r(ctx).row(`SELECT account_id, data, return_to, created_at, expires_at FROM staff_challenges
		WHERE token_hash = ? AND kind = ? AND expires_at > ?`, tokenHash, kind, millis(now)).
		Scan(&c.AccountID, &c.Data, &c.Return, &created, &expires)
	if isNoRows(err) {
		return rdv.Challenge{}, rdv.Errorf(rdv.ENOTFOUND, "%s challenge", kind)
	}
	if err != nil {
		return rdv.Challenge{}, fmt.Errorf("read %s challenge: %w", kind, mapError(err))
	}
	c.CreatedAt, c.ExpiresAt = fromMillis(created), fromMillis(expires)
	return c, nil
}

// SetChallengeData records the passkey ceremony's state of a live
// challenge.
func (s *Store) SetChallengeData(ctx context.Context, tokenHash, kind string, data []byte, now time.Time) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE staff_challenges SET data = ? WHERE token_hash = ? AND kind = ? AND expires_at > ?`,
			data, tokenHash, kind, millis(now))
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "%s challenge", kind)
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("set %s challenge's data: %w", kind, err)
	}
	return nil
}

// DeleteChallenge forgets a ceremony.
func (s *Store) DeleteChallenge(ctx context.Context, tokenHash, kind string) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`DELETE FROM staff_challenges WHERE token_hash = ? AND kind = ?`, tokenHash, kind)
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("delete %s challenge: %w", kind, err)
	}
	return nil
}

// FinishSignIn passes a sign-in's second step in one transaction.
func (s *Store) FinishSignIn(ctx context.Context, r rdv.FinishSignInRequest) error {
	if err := r.Proof.Validate(); err != nil {
		return fmt.Errorf("finish sign-in: %w", err)
	}
	if err := checkSession(&r.Session); err != nil {
		return fmt.Errorf("finish sign-in: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var account int64
		err := tx.row(`SELECT account_id FROM staff_challenges WHERE token_hash = ? AND kind = ? AND expires_at > ?`,
			r.Challenge, rdv.ChallengeSignIn, millis(r.Now)).Scan(&account)
		if isNoRows(err) {
			return rdv.Errorf(rdv.ENOTFOUND, "sign-in challenge")
		}
		if err != nil {
			return mapError(err)
		}
		if account != r.Session.AccountID {
			return rdv.Errorf(rdv.EINVALID, "session for another account than the sign-in's")
		}
		if err := spendProof(tx, account, r.Proof, r.Now); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM staff_factor_tries WHERE account_id = ?`, account); err != nil {
			return mapError(err)
		}
		if _, err := tx.exec(`DELETE FROM staff_challenges WHERE token_hash = ? AND kind = ?`, r.Challenge, rdv.ChallengeSignIn); err != nil {
			return mapError(err)
		}
		return insertSession(tx, r.Session)
	}})
	if err != nil {
		return fmt.Errorf("finish sign-in: %w", err)
	}
	return nil
}

// spendProof spends a second step's proof: a step newer than the last
// accepted, an unused recovery code, or a passkey of the account.
func spendProof(tx *wtx, account int64, p rdv.Proof, now time.Time) error {
	var res interface{ RowsAffected() (int64, error) }
	var err error
	switch {
	case p.TOTPStep > 0:
		res, err = tx.exec(`UPDATE staff_totp SET last_step = ? WHERE account_id = ? AND confirmed = 1 AND last_step < ?`,
			p.TOTPStep, account, p.TOTPStep)
	case p.RecoveryHash != "":
		res, err = tx.exec(`UPDATE staff_recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at = 0`,
			millis(now), account, p.RecoveryHash)
	default:
		res, err = tx.exec(`UPDATE staff_passkeys SET credential = ?, last_used_at = ? WHERE id = ? AND account_id = ?`,
			string(p.Passkey.Credential), millis(now), p.Passkey.ID, account)
	}
	if err != nil {
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rdv.Errorf(rdv.ECODE, "second step refused: code replayed, used or unknown")
	}
	return nil
}

// Passkeys lists the account's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, accountID int64) ([]rdv.Passkey, error) {
	rows, err := s.r(ctx).query(`SELECT id, name, credential, created_at, last_used_at FROM staff_passkeys
		WHERE account_id = ? ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Passkey
	for rows.Next() {
		p := rdv.Passkey{AccountID: accountID}
		var cred string
		var created, used int64
		if err := rows.Scan(&p.ID, &p.Name, &cred, &created, &used); err != nil {
			return nil, fmt.Errorf("list passkeys of account %d: %w", accountID, mapError(err))
		}
		p.Credential, p.CreatedAt = []byte(cred), fromMillis(created)
		if used != 0 {
			p.LastUsedAt = fromMillis(used)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list passkeys of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

// AddPasskey records a passkey, spends its challenge and rotates the
// session, in one transaction.
func (s *Store) AddPasskey(ctx context.Context, r rdv.AddPasskeyRequest) error {
	p := r.Passkey
	if p.ID == "" || len(p.Credential) == 0 || p.Name == "" {
		return fmt.Errorf("add passkey: %w", rdv.Errorf(rdv.EINVALID, "passkey without ID, name or credential"))
	}
	if err := checkSession(&r.Rotate.New); err != nil {
		return fmt.Errorf("add passkey: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM staff_challenges WHERE token_hash = ? AND kind = ? AND account_id = ? AND expires_at > ?`,
			r.Challenge, rdv.ChallengePasskey, p.AccountID, millis(r.Now))
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "passkey challenge")
		}
		if _, err := tx.exec(`INSERT INTO staff_passkeys (id, account_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?)`,
			p.ID, p.AccountID, p.Name, string(p.Credential), millis(r.Now)); err != nil {
			return uniqueAs(err, rdv.ECONFLICT, "passkey already registered")
		}
		return rotateSession(tx, p.AccountID, r.Rotate)
	}})
	if err != nil {
		return fmt.Errorf("add passkey of account %d: %w", p.AccountID, err)
	}
	return nil
}

// RemovePasskey forgets one of the account's passkeys.
func (s *Store) RemovePasskey(ctx context.Context, accountID int64, id string) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM staff_passkeys WHERE id = ? AND account_id = ?`, id, accountID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "passkey")
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("remove passkey of account %d: %w", accountID, err)
	}
	return nil
}

// Sessions lists the account's live sessions, the newest first.
func (s *Store) Sessions(ctx context.Context, accountID int64, now time.Time) ([]rdv.SessionInfo, error) {
	rows, err := s.r(ctx).query(`SELECT id, token_hash, created_at, last_seen_at, expires_at, user_agent, address, second_factor
		FROM sessions WHERE account_id = ? AND expires_at > ? AND last_seen_at > ?
		ORDER BY last_seen_at DESC, created_at DESC, id`, accountID, millis(now), millis(now.Add(-rdv.StaffSessionIdle)))
	if err != nil {
		return nil, fmt.Errorf("list sessions of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.SessionInfo
	for rows.Next() {
		var si rdv.SessionInfo
		var created, seen, expires int64
		if err := rows.Scan(&si.ID, &si.TokenHash, &created, &seen, &expires, &si.UserAgent, &si.Address, &si.SecondFactor); err != nil {
			return nil, fmt.Errorf("list sessions of account %d: %w", accountID, mapError(err))
		}
		si.CreatedAt, si.LastSeenAt, si.ExpiresAt = fromMillis(created), fromMillis(seen), fromMillis(expires)
		out = append(out, si)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

// TouchSession records a request of a live session.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, now time.Time, address, userAgent string) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE sessions SET last_seen_at = max(last_seen_at, ?), address = ?, user_agent = ?
			WHERE token_hash = ? AND expires_at > ? AND last_seen_at > ?`,
			millis(now), address, userAgent, tokenHash, millis(now), millis(now.Add(-rdv.StaffSessionIdle)))
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "session")
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// RevokeSession ends one of the account's sessions by its ID.
func (s *Store) RevokeSession(ctx context.Context, accountID int64, id string) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE id = ? AND account_id = ?`, id, accountID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "session")
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("revoke a session of account %d: %w", accountID, err)
	}
	return nil
}

// RevokeSessions ends every session of the account and its sign-ins
// under way.
func (s *Store) RevokeSessions(ctx context.Context, accountID int64) (int, error) {
	var n int64
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE account_id = ?`, accountID)
		if err != nil {
			return mapError(err)
		}
		n, _ = res.RowsAffected()
		_, err = tx.exec(`DELETE FROM staff_challenges WHERE account_id = ?`, accountID)
		return mapError(err)
	}})
	if err != nil {
		return 0, fmt.Errorf("revoke the sessions of account %d: %w", accountID, err)
	}
	return int(n), nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rdv"
)

var _ rdv.StaffFactorStore = (*Store)(nil)

// SecondFactors says what the account has to sign in with besides its
// password.
func (s *Store) SecondFactors(ctx context.Context, accountID int64, now time.Time) (rdv.SecondFactors, error) {
	var f rdv.SecondFactors
	err := s.withConn(ctx, fmt.Sprintf("read second factors of account %d", accountID), func(c *pgx.Conn) error {
		var paused *time.Time
		err := c.QueryRow(ctx, `SELECT
				coalesce((SELECT confirmed FROM staff_totp WHERE account_id = a.id), false),
				(SELECT count(*) FROM staff_passkeys WHERE account_id = a.id),
				(SELECT count(*) FROM staff_recovery_codes WHERE account_id = a.id AND used_at IS NULL),
				(SELECT paused_until FROM staff_factor_tries WHERE account_id = a.id)
			FROM accounts a WHERE a.id = $1`, accountID).Scan(&f.TOTP, &f.Passkeys, &f.RecoveryCodes, &paused)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		if err == nil && paused != nil && paused.After(now) {
			f.PausedUntil = paused.UTC()
		}
		return err
	})
	return f, err
}

// StartTOTP records an unconfirmed secret, replacing an unconfirmed one.
func (s *Store) StartTOTP(ctx context.Context, accountID int64, secret string, now time.Time) error {
	if secret == "" {
		return rdv.Errorf(rdv.EINVALID, "no TOTP secret")
	}
	return s.inTx(ctx, fmt.Sprintf("start TOTP of account %d", accountID), func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO staff_totp (account_id, secret, confirmed, last_step, created_at)
			VALUES ($1, $2, false, 0, $3)
			ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
			WHERE NOT staff_totp.confirmed`, accountID, s.opts.Keys.Seal(secret), now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ECONFLICT, "account %d has a confirmed TOTP secret", accountID)
		}
		return nil
	})
}

// TOTP returns the account's secret, confirmed or not.
func (s *Store) TOTP(ctx context.Context, accountID int64) (rdv.TOTP, error) {
	t := rdv.TOTP{AccountID: accountID}
	err := s.withConn(ctx, fmt.Sprintf("read TOTP of account %d", accountID), func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT secret, confirmed, last_step, created_at FROM staff_totp WHERE account_id = $1`, accountID).
			Scan(opened(s.opts.Keys, &t.Secret), &t.Confirmed, &t.LastStep, &t.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "TOTP of account %d", accountID)
		}
		return err
	})
	if err != nil {
		return rdv.TOTP{}, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
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
	return s.inTx(ctx, fmt.Sprintf("confirm TOTP of account %d", r.AccountID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE staff_totp SET confirmed = true, last_step = $1 WHERE account_id = $2 AND NOT confirmed`, r.Step, r.AccountID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "unconfirmed TOTP of account %d", r.AccountID)
		}
		if len(r.RecoveryHashes) > 0 {
			if err := replaceRecoveryCodes(ctx, tx, r.AccountID, r.RecoveryHashes, r.Now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staff_factor_tries WHERE account_id = $1`, r.AccountID); err != nil {
			return err
		}
		return rotateSession(ctx, tx, r.AccountID, r.Rotate)
	})
}

// rotateSession ends the account's session old and opens new.
func rotateSession(ctx context.Context, tx pgx.Tx, accountID int64, r rdv.Rotation) error {
	if r.New.AccountID != accountID {
		return rdv.Errorf(rdv.EINVALID, "rotation to another account's session")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1 AND account_id = $2`, r.Old, accountID); err != nil {
		return err
	}
	return insertSession(ctx, tx, r.New)
}

// RemoveTOTP forgets the account's secret.
func (s *Store) RemoveTOTP(ctx context.Context, accountID int64) error {
	return s.inTx(ctx, fmt.Sprintf("remove TOTP of account %d", accountID), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM staff_totp WHERE account_id = $1`, accountID)
		return err
	})
}

// ReplaceRecoveryCodes gives the account these codes and forgets the
// others.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, accountID int64, hashes []string, now time.Time) error {
	return s.inTx(ctx, fmt.Sprintf("replace recovery codes of account %d", accountID), func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		if err != nil {
			return err
		}
		return replaceRecoveryCodes(ctx, tx, accountID, hashes, now)
	})
}

func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, accountID int64, hashes []string, now time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM staff_recovery_codes WHERE account_id = $1`, accountID); err != nil {
		return err
	}
	for _, h := range hashes {
		if h == "" {
			return rdv.Errorf(rdv.EINVALID, "empty recovery code hash")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO staff_recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			accountID, h, now); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				return rdv.Errorf(rdv.EINVALID, "the same recovery code twice")
			}
			return err
		}
	}
	return nil
}

// SpendSecondFactorTry counts one try of the account's second step. The
// account's row of tries is locked for the count: concurrent tries are
// counted one after the other.
func (s *Store) SpendSecondFactorTry(ctx context.Context, accountID int64, now time.Time) error {
	return s.inTx(ctx, fmt.Sprintf("spend a second-factor try of account %d", accountID), func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", accountID)
		}
		if err != nil {
			return err
		}
		var tries int
		var paused *time.Time
		err = tx.QueryRow(ctx, `SELECT tries, paused_until FROM staff_factor_tries WHERE account_id = $1`, accountID).Scan(&tries, &paused)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if paused != nil && paused.After(now) {
			return rdv.Errorf(rdv.ETOOMANY, "second step of account %d paused", accountID)
		}
		if paused != nil { // a pause over: a new round of tries
			tries = 0
		}
		tries++
		var until *time.Time
		if tries >= rdv.SecondFactorTries {
			t := now.Add(rdv.SecondFactorPause)
			until = &t
		}
		_, err = tx.Exec(ctx, `INSERT INTO staff_factor_tries (account_id, tries, paused_until) VALUES ($1, $2, $3)
			ON CONFLICT (account_id) DO UPDATE SET tries = excluded.tries, paused_until = excluded.paused_until`,
			accountID, tries, until)
		return err
	})
}

// CreateChallenge records a ceremony, forgetting expired ones.
func (s *Store) CreateChallenge(ctx context.Context, c rdv.Challenge) error {
	if c.TokenHash == "" || (c.Kind != rdv.ChallengeSignIn && c.Kind != rdv.ChallengePasskey) || !c.ExpiresAt.After(c.CreatedAt) {
		return fmt.Errorf("create challenge: %w", rdv.Errorf(rdv.EINVALID, "challenge without token, kind or life"))
	}
	return s.inTx(ctx, fmt.Sprintf("create %s challenge of account %d", c.Kind, c.AccountID), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM staff_challenges WHERE expires_at <= $1`, c.CreatedAt); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO staff_challenges (token_hash, kind, account_id, data, return_to, created_at, expires_at)
			SELECT $1, $2, id, $3, $4, $5, $6 FROM accounts WHERE id = $7
			ON CONFLICT (token_hash, kind) DO UPDATE SET account_id = excluded.account_id, data = excluded.data,
				return_to = excluded.return_to, created_at = excluded.created_at, expires_at = excluded.expires_at`,
			c.TokenHash, c.Kind, c.Data, c.Return, c.CreatedAt, c.ExpiresAt, c.AccountID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "account %d", c.AccountID)
		}
		return nil
	})
}

// Challenge returns a live ceremony of a kind.
func (s *Store) Challenge(ctx context.Context, tokenHash, kind string, now time.Time) (rdv.Challenge, error) {
	c := rdv.Challenge{TokenHash: tokenHash, Kind: kind}
	err := s.withConn(ctx, "read "+kind+" challenge", func(conn *pgx.Conn) error {
		err := conn.QueryRow(ctx, `SELECT account_id, data, return_to, created_at, expires_at FROM staff_challenges
			WHERE token_hash = $1 AND kind = $2 AND expires_at > $3`, tokenHash, kind, now).
			Scan(&c.AccountID, &c.Data, &c.Return, &c.CreatedAt, &c.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "%s challenge", kind)
		}
		return err
	})
	if err != nil {
		return rdv.Challenge{}, err
	}
	c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	return c, nil
}

// SetChallengeData records the passkey ceremony's state of a live
// challenge.
func (s *Store) SetChallengeData(ctx context.Context, tokenHash, kind string, data []byte, now time.Time) error {
	return s.inTx(ctx, "set "+kind+" challenge's data", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE staff_challenges SET data = $1 WHERE token_hash = $2 AND kind = $3 AND expires_at > $4`,
			data, tokenHash, kind, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "%s challenge", kind)
		}
		return nil
	})
}

// DeleteChallenge forgets a ceremony.
func (s *Store) DeleteChallenge(ctx context.Context, tokenHash, kind string) error {
	return s.inTx(ctx, "delete "+kind+" challenge", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM staff_challenges WHERE token_hash = $1 AND kind = $2`, tokenHash, kind)
		return err
	})
}

// FinishSignIn passes a sign-in's second step in one transaction. The
// challenge's row is taken with DELETE ... RETURNING first: of two
// concurrent finishes of one sign-in, one only goes on.
func (s *Store) FinishSignIn(ctx context.Context, r rdv.FinishSignInRequest) error {
	if err := r.Proof.Validate(); err != nil {
		return fmt.Errorf("finish sign-in: %w", err)
	}
	if err := checkSession(&r.Session); err != nil {
		return fmt.Errorf("finish sign-in: %w", err)
	}
	return s.inTx(ctx, "finish sign-in", func(tx pgx.Tx) error {
		var account int64
		err := tx.QueryRow(ctx, `DELETE FROM staff_challenges WHERE token_hash = $1 AND kind = $2 AND expires_at > $3 RETURNING account_id`,
			r.Challenge, rdv.ChallengeSignIn, r.Now).Scan(&account)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "sign-in challenge")
		}
		if err != nil {
			return err
		}
		if account != r.Session.AccountID {
			return rdv.Errorf(rdv.EINVALID, "session for another account than the sign-in's")
		}
		if err := spendProof(ctx, tx, account, r.Proof, r.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staff_factor_tries WHERE account_id = $1`, account); err != nil {
			return err
		}
		return insertSession(ctx, tx, r.Session)
	})
}

// spendProof spends a second step's proof: a step newer than the last
// accepted, an unused recovery code, or a passkey of the account. Each is
// a conditional update, which decides between concurrent uses.
func spendProof(ctx context.Context, tx pgx.Tx, account int64, p rdv.Proof, now time.Time) error {
	var tag pgconn.CommandTag
	var err error
	switch {
	case p.TOTPStep > 0:
		tag, err = tx.Exec(ctx, `UPDATE staff_totp SET last_step = $1 WHERE account_id = $2 AND confirmed AND last_step < $1`,
			p.TOTPStep, account)
	case p.RecoveryHash != "":
		tag, err = tx.Exec(ctx, `UPDATE staff_recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL`,
			now, account, p.RecoveryHash)
	default:
		tag, err = tx.Exec(ctx, `UPDATE staff_passkeys SET credential = $1, last_used_at = $2 WHERE id = $3 AND account_id = $4`,
			string(p.Passkey.Credential), now, p.Passkey.ID, account)
	}
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return rdv.Errorf(rdv.ECODE, "second step refused: code replayed, used or unknown")
	}
	return nil
}

// Passkeys lists the account's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, accountID int64) ([]rdv.Passkey, error) {
	var out []rdv.Passkey
	err := s.withConn(ctx, fmt.Sprintf("list passkeys of account %d", accountID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT id, name, credential, created_at, last_used_at FROM staff_passkeys
			WHERE account_id = $1 ORDER BY created_at, id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := rdv.Passkey{AccountID: accountID}
			var cred string
			var used *time.Time
			if err := rows.Scan(&p.ID, &p.Name, &cred, &p.CreatedAt, &used); err != nil {
				return err
			}
			p.Credential, p.CreatedAt = []byte(cred), p.CreatedAt.UTC()
			if used != nil {
				p.LastUsedAt = used.UTC()
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
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
	return s.inTx(ctx, fmt.Sprintf("add passkey of account %d", p.AccountID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM staff_challenges WHERE token_hash = $1 AND kind = $2 AND account_id = $3 AND expires_at > $4`,
			r.Challenge, rdv.ChallengePasskey, p.AccountID, r.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "passkey challenge")
		}
		tag, err = tx.Exec(ctx, `INSERT INTO staff_passkeys (id, account_id, name, credential, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, p.ID, p.AccountID, p.Name, string(p.Credential), r.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ECONFLICT, "passkey already registered")
		}
		return rotateSession(ctx, tx, p.AccountID, r.Rotate)
	})
}

// RemovePasskey forgets one of the account's passkeys.
func (s *Store) RemovePasskey(ctx context.Context, accountID int64, id string) error {
	return s.inTx(ctx, fmt.Sprintf("remove passkey of account %d", accountID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM staff_passkeys WHERE id = $1 AND account_id = $2`, id, accountID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "passkey")
		}
		return nil
	})
}

// Sessions lists the account's live sessions, the newest first.
func (s *Store) Sessions(ctx context.Context, accountID int64, now time.Time) ([]rdv.SessionInfo, error) {
	var out []rdv.SessionInfo
	err := s.withConn(ctx, fmt.Sprintf("list sessions of account %d", accountID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT id, token_hash, created_at, last_seen_at, expires_at, user_agent, address, second_factor
			FROM sessions WHERE account_id = $1 AND expires_at > $2 AND last_seen_at > $3
			ORDER BY last_seen_at DESC, created_at DESC, id`, accountID, now, now.Add(-rdv.StaffSessionIdle))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var si rdv.SessionInfo
			if err := rows.Scan(&si.ID, &si.TokenHash, &si.CreatedAt, &si.LastSeenAt, &si.ExpiresAt, &si.UserAgent, &si.Address, &si.SecondFactor); err != nil {
				return err
			}
			si.CreatedAt, si.LastSeenAt, si.ExpiresAt = si.CreatedAt.UTC(), si.LastSeenAt.UTC(), si.ExpiresAt.UTC()
			out = append(out, si)
		}
		return rows.Err()
	})
	return out, err
}

// TouchSession records a request of a live session.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, now time.Time, address, userAgent string) error {
	return s.inTx(ctx, "touch session", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = greatest(last_seen_at, $1), address = $2, user_agent = $3
			WHERE token_hash = $4 AND expires_at > $1 AND last_seen_at > $5`,
			now, address, userAgent, tokenHash, now.Add(-rdv.StaffSessionIdle))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "session")
		}
		return nil
	})
}

// RevokeSession ends one of the account's sessions by its ID.
func (s *Store) RevokeSession(ctx context.Context, accountID int64, id string) error {
	return s.inTx(ctx, fmt.Sprintf("revoke a session of account %d", accountID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1 AND account_id = $2`, id, accountID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "session")
		}
		return nil
	})
}

// RevokeSessions ends every session of the account and its sign-ins
// under way.
func (s *Store) RevokeSessions(ctx context.Context, accountID int64) (int, error) {
	var n int64
	err := s.inTx(ctx, fmt.Sprintf("revoke the sessions of account %d", accountID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM staff_challenges WHERE account_id = $1`, accountID)
		return err
	})
	return int(n), err
}

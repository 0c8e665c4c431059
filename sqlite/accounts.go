package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"rdv"
	"rdv/auth"
)

const accountColumns = `id, email, name, role, coalesce(clinic_id, 0), password_hash, language, disabled, created_at`

func scanAccount(r interface{ Scan(...any) error }) (rdv.Account, error) {
	var a rdv.Account
	var created int64
	err := r.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.ClinicID, &a.PasswordHash, &a.Language, &a.Disabled, &created)
	a.CreatedAt = fromMillis(created)
	return a, err
}

// CreateAccount adds an account; ECONFLICT if the email is taken in any
// case, ENOTFOUND if its clinic does not exist.
func (s *Store) CreateAccount(ctx context.Context, a rdv.Account) (rdv.Account, error) {
	if err := a.Validate(); err != nil {
		return rdv.Account{}, fmt.Errorf("create account: %w", err)
	}
	if err := auth.CheckHash(a.PasswordHash); err != nil {
		return rdv.Account{}, fmt.Errorf("create account: %w", err)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		if a.ClinicID != 0 {
			var n int
			if err := tx.row(`SELECT count(*) FROM clinics WHERE id = ?`, a.ClinicID).Scan(&n); err != nil {
				return mapError(err)
			}
			if n == 0 {
				return rdv.Errorf(rdv.ENOTFOUND, "clinic %d", a.ClinicID)
			}
		}
		res, err := tx.exec(`INSERT INTO accounts (email, name, role, clinic_id, password_hash, language, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Email, a.Name, string(a.Role), nullID(a.ClinicID), a.PasswordHash, a.Language, boolInt(a.Disabled), millis(a.CreatedAt))
		if err != nil {
			return uniqueAs(err, rdv.ECONFLICT, "email already has an account")
		}
		a.ID, err = res.LastInsertId()
		return err
	}})
	if err != nil {
		return rdv.Account{}, fmt.Errorf("create account: %w", err)
	}
	a.CreatedAt = fromMillis(millis(a.CreatedAt))
	return a, nil
}

// Account returns an account by ID.
func (s *Store) Account(ctx context.Context, id int64) (rdv.Account, error) {
	a, err := scanAccount(s.r(ctx).row(`SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if isNoRows(err) {
		return rdv.Account{}, rdv.Errorf(rdv.ENOTFOUND, "account %d", id)
	}
	if err != nil {
		return rdv.Account{}, fmt.Errorf("read account %d: %w", id, mapError(err))
	}
	return a, nil
}

// AccountByEmail returns the account of an email, whatever its case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (rdv.Account, error) {
	a, err := scanAccount(s.r(ctx).row(`SELECT `+accountColumns+` FROM accounts WHERE lower(email) = lower(?)`, email))
	if isNoRows(err) {
		return rdv.Account{}, rdv.Errorf(rdv.ENOTFOUND, "account by email")
	}
	if err != nil {
		return rdv.Account{}, fmt.Errorf("read account by email: %w", mapError(err))
	}
	return a, nil
}

// Accounts lists the accounts of a clinic, or every account for 0, by ID.
func (s *Store) Accounts(ctx context.Context, clinicID int64) ([]rdv.Account, error) {
	rows, err := s.r(ctx).query(`SELECT `+accountColumns+` FROM accounts WHERE ?1 = 0 OR clinic_id = ?1 ORDER BY id`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("list accounts of clinic %d: %w", clinicID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts of clinic %d: %w", clinicID, mapError(err))
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts of clinic %d: %w", clinicID, mapError(err))
	}
	return out, nil
}

// CreateSession records a session, and forgets the sessions that have
// expired so that the table stays small.
func (s *Store) CreateSession(ctx context.Context, se rdv.Session) error {
	if err := checkSession(&se); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		return insertSession(tx, se)
	}})
	if err != nil {
		return fmt.Errorf("create session of account %d: %w", se.AccountID, err)
	}
	return nil
}

// checkSession refuses a session without a token, a form token or a
// life, and gives it an ID and a first request when it has none.
func checkSession(se *rdv.Session) error {
	if se.TokenHash == "" || se.CSRFToken == "" || !se.ExpiresAt.After(se.CreatedAt) {
		return rdv.Errorf(rdv.EINVALID, "session without token, CSRF token or life")
	}
	if se.ID == "" {
		se.ID = auth.RandomToken(12)
	}
	if se.LastSeenAt.IsZero() {
		se.LastSeenAt = se.CreatedAt
	}
	return nil
}

// insertSession writes a checked session for an existing account, and
// forgets the sessions that have ended.
func insertSession(tx *wtx, se rdv.Session) error {
	if _, err := tx.exec(`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
		millis(se.CreatedAt), millis(se.CreatedAt.Add(-rdv.StaffSessionIdle))); err != nil {
		return mapError(err)
	}
	res, err := tx.exec(`INSERT INTO sessions (token_hash, id, account_id, csrf_token, created_at, expires_at, last_seen_at, user_agent, address, second_factor)
		SELECT ?, ?, id, ?, ?, ?, ?, ?, ?, ? FROM accounts WHERE id = ?`,
		se.TokenHash, se.ID, se.CSRFToken, millis(se.CreatedAt), millis(se.ExpiresAt), millis(se.LastSeenAt),
		se.UserAgent, se.Address, boolInt(se.SecondFactor), se.AccountID)
	if err != nil {
		return uniqueAs(err, rdv.ECONFLICT, "session token in use")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return rdv.Errorf(rdv.ENOTFOUND, "account %d", se.AccountID)
	}
	return nil
}

// SessionByTokenHash returns a live session and its enabled account.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string, now time.Time) (rdv.Session, rdv.Account, error) {
	var se rdv.Session
	var created, expires, seen int64
	a, err := scanAccount(scanPlus{s.r(ctx).row(`SELECT a.id, a.email, a.name, a.role, coalesce(a.clinic_id, 0), a.password_hash, a.language, a.disabled, a.created_at,
			s.token_hash, s.id, s.account_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, s.user_agent, s.address, s.second_factor
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ? AND a.disabled = 0`,
		hash, millis(now), millis(now.Add(-rdv.StaffSessionIdle))),
		[]any{&se.TokenHash, &se.ID, &se.AccountID, &se.CSRFToken, &created, &expires, &seen, &se.UserAgent, &se.Address, &se.SecondFactor}})
	if isNoRows(err) {
		return rdv.Session{}, rdv.Account{}, rdv.Errorf(rdv.ENOTFOUND, "session")
	}
	if err != nil {
		return rdv.Session{}, rdv.Account{}, fmt.Errorf("read session: %w", mapError(err))
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = fromMillis(created), fromMillis(expires), fromMillis(seen)
	return se, a, nil
}

// DeleteSession ends a session; ending an unknown one is no error, so
// that signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`DELETE FROM sessions WHERE token_hash = ?`, hash)
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Banner returns the status banner, the zero Banner when none is set.
func (s *Store) Banner(ctx context.Context) (rdv.Banner, error) {
	return readSetting[rdv.Banner](ctx, s, "banner")
}

// SetBanner replaces the status banner; the zero Banner clears it.
func (s *Store) SetBanner(ctx context.Context, b rdv.Banner) error {
	return s.writeSetting(ctx, "banner", b)
}

// readSetting decodes the JSON value of the platform-wide setting key, the
// zero T when it was never set.
func readSetting[T any](ctx context.Context, s *Store, key string) (T, error) {
	var out T
	var v []byte
	err := s.r(ctx).row(`SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if isNoRows(err) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("read %s: %w", key, mapError(err))
	}
	if err := json.Unmarshal(v, &out); err != nil {
		var zero T
		return zero, fmt.Errorf("decode %s: %w", key, err)
	}
	return out, nil
}

// writeSetting replaces the platform-wide setting key with v as JSON.
func (s *Store) writeSetting(ctx context.Context, key string, v any) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, string(mustJSON(v)))
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}

// CreateClinic adds a clinic and returns it with its ID.
func (s *Store) CreateClinic(ctx context.Context, c rdv.Clinic) (rdv.Clinic, error) {
	if err := c.Validate(); err != nil {
		return rdv.Clinic{}, fmt.Errorf("create clinic: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`INSERT INTO clinics (name, address, city, lat, lon, phone, services, languages, time_zone)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Name, c.Address, c.City, c.Lat, c.Lon, c.Phone, mustJSON(c.Services), mustJSON(c.Languages), c.TimeZone)
		if err != nil {
			return mapError(err)
		}
		c.ID, err = res.LastInsertId()
		return err
	}})
	if err != nil {
		return rdv.Clinic{}, fmt.Errorf("create clinic: %w", err)
	}
	return c, nil
}

// CreatePractitioner adds a practitioner to an existing clinic.
func (s *Store) CreatePractitioner(ctx context.Context, p rdv.Practitioner) (rdv.Practitioner, error) {
	if err := p.Validate(); err != nil {
		return rdv.Practitioner{}, fmt.Errorf("create practitioner: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var n int
		if err := tx.row(`SELECT count(*) FROM clinics WHERE id = ?`, p.ClinicID).Scan(&n); err != nil {
			return mapError(err)
		}
		if n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "clinic %d", p.ClinicID)
		}
		res, err := tx.exec(`INSERT INTO practitioners (clinic_id, name, services, languages, accepts_new) VALUES (?, ?, ?, ?, ?)`,
			p.ClinicID, p.Name, mustJSON(p.Services), mustJSON(p.Languages), boolInt(p.AcceptsNew))
		if err != nil {
			return mapError(err)
		}
		p.ID, err = res.LastInsertId()
		return err
	}})
	if err != nil {
		return rdv.Practitioner{}, fmt.Errorf("create practitioner: %w", err)
	}
	return p, nil
}

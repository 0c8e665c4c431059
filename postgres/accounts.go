package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/auth"
)

const accountColumns = `id, email, name, role, coalesce(clinic_id, 0), password_hash, language, disabled, created_at`

func scanAccount(r pgx.Row, extra ...any) (rdv.Account, error) {
	var a rdv.Account
	err := r.Scan(append([]any{&a.ID, &a.Email, &a.Name, &a.Role, &a.ClinicID, &a.PasswordHash, &a.Language, &a.Disabled, &a.CreatedAt}, extra...)...)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

func nullClinic(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// clinicExists reads whether a clinic exists, in a transaction.
func clinicExists(ctx context.Context, tx pgx.Tx, id int64) error {
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clinics WHERE id = $1)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return rdv.Errorf(rdv.ENOTFOUND, "clinic %d", id)
	}
	return nil
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
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Microsecond)
	err := s.inTx(ctx, "create account", func(tx pgx.Tx) error {
		if a.ClinicID != 0 {
			if err := clinicExists(ctx, tx, a.ClinicID); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO accounts (email, name, role, clinic_id, password_hash, language, disabled, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			a.Email, a.Name, string(a.Role), nullClinic(a.ClinicID), a.PasswordHash, a.Language, a.Disabled, a.CreatedAt).Scan(&a.ID)
	})
	if err != nil {
		return rdv.Account{}, err
	}
	return a, nil
}

// Account returns an account by ID.
func (s *Store) Account(ctx context.Context, id int64) (rdv.Account, error) {
	return s.oneAccount(ctx, fmt.Sprintf("account %d", id), `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id)
}

// AccountByEmail returns the account of an email, whatever its case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (rdv.Account, error) {
	return s.oneAccount(ctx, "account by email", `SELECT `+accountColumns+` FROM accounts WHERE lower(email) = lower($1)`, email)
}

func (s *Store) oneAccount(ctx context.Context, what, q string, arg any) (rdv.Account, error) {
	var a rdv.Account
	err := s.withConn(ctx, "read "+what, func(c *pgx.Conn) error {
		var err error
		a, err = scanAccount(c.QueryRow(ctx, q, arg))
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "%s", what)
		}
		return err
	})
	return a, err
}

// Accounts lists the accounts of a clinic, or every account for 0, by ID.
func (s *Store) Accounts(ctx context.Context, clinicID int64) ([]rdv.Account, error) {
	var out []rdv.Account
	err := s.withConn(ctx, fmt.Sprintf("list accounts of clinic %d", clinicID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE $1 = 0 OR clinic_id = $1 ORDER BY id`, clinicID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// CreateSession records a session, and forgets the sessions that have
// ended so that the table stays small.
func (s *Store) CreateSession(ctx context.Context, se rdv.Session) error {
	if err := checkSession(&se); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return s.inTx(ctx, fmt.Sprintf("create session of account %d", se.AccountID), func(tx pgx.Tx) error {
		return insertSession(ctx, tx, se)
	})
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
func insertSession(ctx context.Context, tx pgx.Tx, se rdv.Session) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`,
		se.CreatedAt, se.CreatedAt.Add(-rdv.StaffSessionIdle)); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, id, account_id, csrf_token, created_at, expires_at, last_seen_at, user_agent, address, second_factor)
		SELECT $1, $2, id, $3, $4, $5, $6, $7, $8, $9 FROM accounts WHERE id = $10`,
		se.TokenHash, se.ID, se.CSRFToken, se.CreatedAt, se.ExpiresAt, se.LastSeenAt, se.UserAgent, se.Address, se.SecondFactor, se.AccountID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return rdv.Errorf(rdv.ENOTFOUND, "account %d", se.AccountID)
	}
	return nil
}

// SessionByTokenHash returns a live session and its enabled account.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string, now time.Time) (rdv.Session, rdv.Account, error) {
	var se rdv.Session
	var a rdv.Account
	err := s.withConn(ctx, "read session", func(c *pgx.Conn) error {
		var err error
		a, err = scanAccount(c.QueryRow(ctx, `SELECT a.id, a.email, a.name, a.role, coalesce(a.clinic_id, 0), a.password_hash, a.language, a.disabled, a.created_at,
				s.token_hash, s.id, s.account_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, s.user_agent, s.address, s.second_factor
			FROM sessions s JOIN accounts a ON a.id = s.account_id
			WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND NOT a.disabled`,
			hash, now, now.Add(-rdv.StaffSessionIdle)),
			&se.TokenHash, &se.ID, &se.AccountID, &se.CSRFToken, &se.CreatedAt, &se.ExpiresAt, &se.LastSeenAt, &se.UserAgent, &se.Address, &se.SecondFactor)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "session")
		}
		return err
	})
	if err != nil {
		return rdv.Session{}, rdv.Account{}, err
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC(), se.LastSeenAt.UTC()
	return se, a, nil
}

// DeleteSession ends a session; ending an unknown one is no error, so
// that signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, "delete session", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
		return err
	})
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
	err := s.withConn(ctx, "read "+key, func(c *pgx.Conn) error {
		var zero T
		out = zero
		var v []byte
		err := c.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &out)
	})
	return out, err
}

// writeSetting replaces the platform-wide setting key with v as JSON.
func (s *Store) writeSetting(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.inTx(ctx, "set "+key, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, string(b))
		return err
	})
}

// CreateClinic adds a clinic and returns it with its ID. Clinic IDs come
// from the demo network's load, not a sequence: the next one is taken
// under a lock, which onboarding, a rare act, can afford.
func (s *Store) CreateClinic(ctx context.Context, c rdv.Clinic) (rdv.Clinic, error) {
	if err := c.Validate(); err != nil {
		return rdv.Clinic{}, fmt.Errorf("create clinic: %w", err)
	}
	err := s.inTx(ctx, "create clinic", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE clinics IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO clinics (id, name, address, city, lat, lon, phone, services, languages, time_zone)
			SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM clinics RETURNING id`,
			c.Name, c.Address, c.City, c.Lat, c.Lon, c.Phone, serviceCodes(c.Services), c.Languages, c.TimeZone).Scan(&c.ID)
	})
	if err != nil {
		return rdv.Clinic{}, err
	}
	return c, nil
}

// CreatePractitioner adds a practitioner to an existing clinic.
func (s *Store) CreatePractitioner(ctx context.Context, p rdv.Practitioner) (rdv.Practitioner, error) {
	if err := p.Validate(); err != nil {
		return rdv.Practitioner{}, fmt.Errorf("create practitioner: %w", err)
	}
	err := s.inTx(ctx, "create practitioner", func(tx pgx.Tx) error {
		if err := clinicExists(ctx, tx, p.ClinicID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE practitioners IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO practitioners (id, clinic_id, name, services, languages, accepts_new)
			SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5 FROM practitioners RETURNING id`,
			p.ClinicID, p.Name, serviceCodes(p.Services), p.Languages, p.AcceptsNew).Scan(&p.ID)
	})
	if err != nil {
		return rdv.Practitioner{}, err
	}
	return p, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

const tokenColumns = `id, clinic_id, kind, name, prefix, scopes, coalesce(practitioner_id, 0), coalesce(created_by, 0), created_at, last_used_at, revoked_at` // #nosec G101 -- column names, not a credential

func scanToken(r pgx.Row) (rdv.ClinicToken, error) {
	var t rdv.ClinicToken
	var scopes []string
	var used, revoked *time.Time
	if err := r.Scan(&t.ID, &t.ClinicID, &t.Kind, &t.Name, &t.Prefix, &scopes, &t.PractitionerID, &t.CreatedBy, &t.CreatedAt, &used, &revoked); err != nil {
		return rdv.ClinicToken{}, err
	}
	for _, s := range scopes {
		t.Scopes = append(t.Scopes, rdv.TokenScope(s))
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if used != nil {
		t.LastUsedAt = used.UTC()
	}
	if revoked != nil {
		t.RevokedAt = revoked.UTC()
	}
	return t, nil
}

func scopeNames(ss []rdv.TokenScope) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// AddClinicToken stores a token with the hash of its secret.
func (s *Store) AddClinicToken(ctx context.Context, t rdv.ClinicToken, hash string) (rdv.ClinicToken, error) {
	if err := t.Validate(); err != nil {
		return rdv.ClinicToken{}, fmt.Errorf("add clinic token: %w", err)
	}
	if len(hash) != 64 {
		return rdv.ClinicToken{}, rdv.Errorf(rdv.EINVALID, "add clinic token: a hash of %d characters", len(hash))
	}
	var out rdv.ClinicToken
	err := s.inTx(ctx, fmt.Sprintf("add %s token of clinic %d", t.Kind, t.ClinicID), func(tx pgx.Tx) error {
		if err := clinicExists(ctx, tx, t.ClinicID); err != nil {
			return err
		}
		if t.PractitionerID != 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM practitioners WHERE id = $1 AND clinic_id = $2`, t.PractitionerID, t.ClinicID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return rdv.Errorf(rdv.ENOTFOUND, "practitioner %d of clinic %d", t.PractitionerID, t.ClinicID)
			}
		}
		var err error
		out, err = scanToken(tx.QueryRow(ctx, `INSERT INTO clinic_tokens (clinic_id, kind, name, prefix, token_hash, scopes, practitioner_id, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+tokenColumns,
			t.ClinicID, string(t.Kind), strings.TrimSpace(t.Name), t.Prefix, hash, scopeNames(t.Scopes), nullID(t.PractitionerID), nullID(t.CreatedBy), dbTime(t.CreatedAt)))
		return err
	})
	if err != nil {
		return rdv.ClinicToken{}, err
	}
	return out, nil
}

// ClinicTokens lists a clinic's tokens of a kind, newest first.
func (s *Store) ClinicTokens(ctx context.Context, clinicID int64, kind rdv.TokenKind) ([]rdv.ClinicToken, error) {
	var out []rdv.ClinicToken
	err := s.withConn(ctx, fmt.Sprintf("%s tokens of clinic %d", kind, clinicID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+tokenColumns+` FROM clinic_tokens WHERE clinic_id = $1 AND kind = $2 ORDER BY id DESC`, clinicID, string(kind))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeClinicToken revokes a token of the clinic for good.
func (s *Store) RevokeClinicToken(ctx context.Context, clinicID, id int64, now time.Time) error {
	return s.inTx(ctx, fmt.Sprintf("revoke token %d of clinic %d", id, clinicID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE clinic_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 AND clinic_id = $3`, dbTime(now), id, clinicID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "token %d", id)
		}
		return nil
	})
}

// ClinicTokenByHash returns the live token of a kind with that hash,
// and records its use at most once a minute a token.
func (s *Store) ClinicTokenByHash(ctx context.Context, kind rdv.TokenKind, hash string, now time.Time) (rdv.ClinicToken, error) {
	var t rdv.ClinicToken
	err := s.withConn(ctx, fmt.Sprintf("read %s token", kind), func(c *pgx.Conn) (err error) {
		t, err = scanToken(c.QueryRow(ctx, `SELECT `+tokenColumns+` FROM clinic_tokens WHERE token_hash = $1 AND kind = $2 AND revoked_at IS NULL`, hash, string(kind)))
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "%s token", kind)
		}
		return err
	})
	if err != nil {
		return rdv.ClinicToken{}, err
	}
	if t.NeedsUseRecorded(now) {
		err := s.inTx(ctx, fmt.Sprintf("record use of token %d", t.ID), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE clinic_tokens SET last_used_at = greatest(last_used_at, $1) WHERE id = $2`, dbTime(now), t.ID)
			return err
		})
		if err != nil {
			return rdv.ClinicToken{}, err
		}
		t.LastUsedAt = dbTime(now)
	}
	return t, nil
}

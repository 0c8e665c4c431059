package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rdv"
)

const tokenColumns = `id, clinic_id, kind, name, prefix, scopes, coalesce(practitioner_id, 0), coalesce(created_by, 0), created_at, last_used_at, revoked_at` // #nosec G101 -- column names, not a credential

func scanToken(sc scanner) (rdv.ClinicToken, error) {
	var t rdv.ClinicToken
	var scopes string
	var created, used, revoked int64
	if err := sc.Scan(&t.ID, &t.ClinicID, &t.Kind, &t.Name, &t.Prefix, &scopes, &t.PractitionerID, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return rdv.ClinicToken{}, err
	}
	for _, sc := range strings.Fields(scopes) {
		t.Scopes = append(t.Scopes, rdv.TokenScope(sc))
	}
	t.CreatedAt = fromMillis(created)
	if used != 0 {
		t.LastUsedAt = fromMillis(used)
	}
	if revoked != 0 {
		t.RevokedAt = fromMillis(revoked)
	}
	return t, nil
}

func scopeList(ss []rdv.TokenScope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
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
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		if err := clinicExists(tx, t.ClinicID); err != nil {
			return err
		}
		if t.PractitionerID != 0 {
			var n int
			if err := tx.row(`SELECT count(*) FROM practitioners WHERE id = ? AND clinic_id = ?`, t.PractitionerID, t.ClinicID).Scan(&n); err != nil {
				return mapError(err)
			}
			if n == 0 {
				return rdv.Errorf(rdv.ENOTFOUND, "practitioner %d of clinic %d", t.PractitionerID, t.ClinicID)
			}
		}
		var err error
		out, err = scanToken(tx.row(`INSERT INTO clinic_tokens (clinic_id, kind, name, prefix, token_hash, scopes, practitioner_id, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+tokenColumns,
			t.ClinicID, string(t.Kind), strings.TrimSpace(t.Name), t.Prefix, hash, scopeList(t.Scopes), nullID(t.PractitionerID), nullID(t.CreatedBy), millis(t.CreatedAt)))
		return uniqueAs(err, rdv.ECONFLICT, "token already stored")
	}})
	if err != nil {
		return rdv.ClinicToken{}, fmt.Errorf("add %s token of clinic %d: %w", t.Kind, t.ClinicID, err)
	}
	return out, nil
}

// ClinicTokens lists a clinic's tokens of a kind, newest first.
func (s *Store) ClinicTokens(ctx context.Context, clinicID int64, kind rdv.TokenKind) ([]rdv.ClinicToken, error) {
	rows, err := s.r(ctx).query(`SELECT `+tokenColumns+` FROM clinic_tokens WHERE clinic_id = ? AND kind = ? ORDER BY id DESC`, clinicID, string(kind))
	if err != nil {
		return nil, fmt.Errorf("%s tokens of clinic %d: %w", kind, clinicID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.ClinicToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("%s tokens of clinic %d: %w", kind, clinicID, mapError(err))
		}
		out = append(out, t)
	}
	return out, mapError(rows.Err())
}

// RevokeClinicToken revokes a token of the clinic for good.
func (s *Store) RevokeClinicToken(ctx context.Context, clinicID, id int64, now time.Time) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var revoked int64
		err := tx.row(`SELECT revoked_at FROM clinic_tokens WHERE id = ? AND clinic_id = ?`, id, clinicID).Scan(&revoked)
		switch {
		case isNoRows(err):
			return rdv.Errorf(rdv.ENOTFOUND, "token %d", id)
		case err != nil:
			return mapError(err)
		case revoked != 0:
			return nil
		}
		_, err = tx.exec(`UPDATE clinic_tokens SET revoked_at = ? WHERE id = ?`, millis(now), id)
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("revoke token %d of clinic %d: %w", id, clinicID, err)
	}
	return nil
}

// ClinicTokenByHash returns the live token of a kind with that hash. The
// read goes to the read pool; the use is written through the writer at
// most once a minute a token.
func (s *Store) ClinicTokenByHash(ctx context.Context, kind rdv.TokenKind, hash string, now time.Time) (rdv.ClinicToken, error) {
	t, err := scanToken(s.r(ctx).row(`SELECT `+tokenColumns+` FROM clinic_tokens WHERE token_hash = ? AND kind = ? AND revoked_at = 0`, hash, string(kind)))
	if isNoRows(err) {
		return rdv.ClinicToken{}, rdv.Errorf(rdv.ENOTFOUND, "%s token", kind)
	}
	if err != nil {
		return rdv.ClinicToken{}, fmt.Errorf("read %s token: %w", kind, mapError(err))
	}
	if t.NeedsUseRecorded(now) {
		err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
			_, err := tx.exec(`UPDATE clinic_tokens SET last_used_at = max(last_used_at, ?) WHERE id = ?`, millis(now), t.ID)
			return mapError(err)
		}})
		if err != nil {
			return rdv.ClinicToken{}, fmt.Errorf("record use of token %d: %w", t.ID, err)
		}
		t.LastUsedAt = fromMillis(millis(now))
	}
	return t, nil
}

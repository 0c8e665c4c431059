package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rdv"
	"rdv/fieldcrypt"
)

const personColumns = `id, account_id, first_name, last_name, birth_date, health_number, relationship, created_at`

func scanPerson(k *fieldcrypt.Keys, r pgx.Row) (rdv.Person, error) {
	var p rdv.Person
	var birth, rel string
	if err := r.Scan(&p.ID, &p.AccountID, opened(k, &p.FirstName), opened(k, &p.LastName), opened(k, &birth), opened(k, &p.HealthNumber),
		&rel, &p.CreatedAt); err != nil {
		return rdv.Person{}, err
	}
	var err error
	if p.BirthDate, err = rdv.ParseDate(birth); err != nil {
		return rdv.Person{}, fmt.Errorf("person %d: %w", p.ID, err)
	}
	p.Relationship, p.CreatedAt = rdv.Relationship(rel), p.CreatedAt.UTC()
	return p, nil
}

// People lists the account's people: the holder first, then the others in
// the order they were added.
func (s *Store) People(ctx context.Context, accountID int64) ([]rdv.Person, error) {
	var out []rdv.Person
	err := s.withConn(ctx, fmt.Sprintf("people of account %d", accountID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+personColumns+` FROM account_people WHERE account_id = $1
			ORDER BY relationship <> 'self', created_at, id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPerson(s.opts.Keys, rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// SavePerson adds a person to an account (ID 0) or changes one of the
// account's own; a person of another account is ENOTFOUND, as is an
// account that does not exist. A second holder ("self") is ECONFLICT: the
// unique index on the holder decides, whatever the concurrency.
// p.CreatedAt is the time of the write (zero: the clock's): a new
// person's, and the day the birth date is checked against.
func (s *Store) SavePerson(ctx context.Context, p rdv.Person) (rdv.Person, error) {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	if err := p.Validate(rdv.DateOf(p.CreatedAt)); err != nil {
		return rdv.Person{}, fmt.Errorf("save person: %w", err)
	}
	var saved rdv.Person
	err := s.inTx(ctx, fmt.Sprintf("save person of account %d", p.AccountID), func(tx pgx.Tx) error {
		var row pgx.Row
		k := keysOf(tx)
		first, last, birth, health := k.Seal(p.FirstName), k.Seal(p.LastName), k.Seal(p.BirthDate.String()), k.Seal(p.HealthNumber)
		if p.ID == 0 {
			row = tx.QueryRow(ctx, `INSERT INTO account_people (account_id, first_name, last_name, birth_date, health_number, relationship, created_at)
				SELECT id, $2, $3, $4, $5, $6, $7 FROM patient_accounts WHERE id = $1 RETURNING `+personColumns,
				p.AccountID, first, last, birth, health, string(p.Relationship), dbTime(p.CreatedAt))
		} else {
			row = tx.QueryRow(ctx, `UPDATE account_people SET first_name = $3, last_name = $4, birth_date = $5, health_number = $6, relationship = $7
				WHERE id = $1 AND account_id = $2 RETURNING `+personColumns,
				p.ID, p.AccountID, first, last, birth, health, string(p.Relationship))
		}
		var err error
		saved, err = scanPerson(k, row)
		switch {
		case errors.Is(err, pgx.ErrNoRows) && p.ID == 0:
			return rdv.Errorf(rdv.ENOTFOUND, "patient account %d", p.AccountID)
		case errors.Is(err, pgx.ErrNoRows):
			return rdv.Errorf(rdv.ENOTFOUND, "person %d", p.ID)
		case isUnique(err):
			return &rdv.Error{Code: rdv.ECONFLICT, Detail: "the account already has its holder", Err: err}
		case err != nil:
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditPersonChange, rdv.PeopleRecords(saved.AccountID, saved), p.CreatedAt))
	})
	if err != nil {
		return rdv.Person{}, err
	}
	return saved, nil
}

// RemovePerson removes one of the account's people; a person of another
// account is ENOTFOUND.
func (s *Store) RemovePerson(ctx context.Context, accountID, personID int64) error {
	return s.inTx(ctx, fmt.Sprintf("remove person %d of account %d", personID, accountID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM account_people WHERE id = $1 AND account_id = $2`, personID, accountID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "person %d", personID)
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditPersonChange, rdv.PeopleRecords(accountID, rdv.Person{ID: personID}), time.Now()))
	})
}

// isUnique reports whether err is a unique violation.
func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

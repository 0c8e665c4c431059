package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

const personColumns = `id, account_id, first_name, last_name, birth_date, health_number, relationship, created_at`

func scanPerson(k *fieldcrypt.Keys, sc scanner) (rdv.Person, error) {
	var p rdv.Person
	var birth string
	var created int64
	if err := sc.Scan(&p.ID, &p.AccountID, opened(k, &p.FirstName), opened(k, &p.LastName), opened(k, &birth), opened(k, &p.HealthNumber),
		&p.Relationship, &created); err != nil {
		return rdv.Person{}, err
	}
	var err error
	if p.BirthDate, err = rdv.ParseDate(birth); err != nil {
		return rdv.Person{}, fmt.Errorf("person %d: %w", p.ID, err)
	}
	p.CreatedAt = fromMillis(created)
	return p, nil
}

// People lists the account's people: the holder first, then the others in
// the order they were added.
func (s *Store) People(ctx context.Context, accountID int64) ([]rdv.Person, error) {
	rows, err := s.r(ctx).query(`SELECT `+personColumns+` FROM account_people WHERE account_id = ?
		ORDER BY relationship <> 'self', created_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("people of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Person
	for rows.Next() {
		p, err := scanPerson(s.keys, rows)
		if err != nil {
			return nil, fmt.Errorf("people of account %d: %w", accountID, mapError(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("people of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

// SavePerson adds a person to an account (ID 0) or changes one of the
// account's own; a person of another account is ENOTFOUND, as is an
// account that does not exist. A second holder ("self") is ECONFLICT.
// p.CreatedAt is the time of the write (zero: the clock's): a new
// person's, and the day the birth date is checked against.
func (s *Store) SavePerson(ctx context.Context, p rdv.Person) (rdv.Person, error) {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	if err := p.Validate(rdv.DateOf(p.CreatedAt)); err != nil {
		return rdv.Person{}, fmt.Errorf("save person: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		saved, err := savePerson(tx, p)
		if err != nil {
			return err
		}
		tx.auditChange(ctx, rdv.AuditPersonChange, rdv.PeopleRecords(saved.AccountID, saved), p.CreatedAt)
		p = saved
		return nil
	}})
	if err != nil {
		return rdv.Person{}, fmt.Errorf("save person of account %d: %w", p.AccountID, err)
	}
	return p, nil
}

func savePerson(tx *wtx, p rdv.Person) (rdv.Person, error) {
	var row row
	k := tx.keys
	first, last, birth, health := k.Seal(p.FirstName), k.Seal(p.LastName), k.Seal(p.BirthDate.String()), k.Seal(p.HealthNumber)
	if p.ID == 0 {
		row = tx.row(`INSERT INTO account_people (account_id, first_name, last_name, birth_date, health_number, relationship, created_at)
			SELECT id, ?, ?, ?, ?, ?, ? FROM patient_accounts WHERE id = ? RETURNING `+personColumns,
			first, last, birth, health, p.Relationship, millis(p.CreatedAt), p.AccountID)
	} else {
		row = tx.row(`UPDATE account_people SET first_name = ?, last_name = ?, birth_date = ?, health_number = ?, relationship = ?
			WHERE id = ? AND account_id = ? RETURNING `+personColumns,
			first, last, birth, health, p.Relationship, p.ID, p.AccountID)
	}
	saved, err := scanPerson(tx.keys, row)
	switch {
	case isNoRows(err) && p.ID == 0:
		return rdv.Person{}, rdv.Errorf(rdv.ENOTFOUND, "patient account %d", p.AccountID)
	case isNoRows(err):
		return rdv.Person{}, rdv.Errorf(rdv.ENOTFOUND, "person %d", p.ID)
	case err != nil:
		return rdv.Person{}, uniqueAs(err, rdv.ECONFLICT, "the account already has its holder")
	}
	return saved, nil
}

// RemovePerson removes one of the account's people; a person of another
// account is ENOTFOUND.
func (s *Store) RemovePerson(ctx context.Context, accountID, personID int64) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM account_people WHERE id = ? AND account_id = ?`, personID, accountID)
		if err != nil {
			return mapError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "person %d", personID)
		}
		tx.auditChange(ctx, rdv.AuditPersonChange, rdv.PeopleRecords(accountID, rdv.Person{ID: personID}), time.Now())
		return nil
	}})
	if err != nil {
		return fmt.Errorf("remove person %d of account %d: %w", personID, accountID, err)
	}
	return nil
}

package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// opened opens a sealed column into dst as it is scanned.
func opened(k *fieldcrypt.Keys, dst *string) fieldcrypt.Opened {
	return fieldcrypt.Opened{Keys: k, Dst: dst}
}

// checkKeys refuses keys that do not open what this database holds
// (fieldcrypt.Keys.Verify), then records a check of every key loaded, so
// that the next start knows them. first reports that no key had sealed
// here before: the rows, if any, are in clear, from before encryption.
func (s *Store) checkKeys(ctx context.Context) (first bool, err error) {
	k := s.opts.Keys
	err = s.inTx(ctx, "check the data keys", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, check_value FROM data_keys FOR UPDATE`)
		if err != nil {
			return err
		}
		stored := map[string]string{}
		for rows.Next() {
			var name, check string
			if err := rows.Scan(&name, &check); err != nil {
				rows.Close()
				return err
			}
			stored[name] = check
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := k.Verify(stored); err != nil {
			return rdv.Errorf(rdv.EINVALID, "%s", err.Error())
		}
		first = k != nil && len(stored) == 0
		if k == nil {
			return nil
		}
		for name, check := range k.Checks() {
			if _, ok := stored[name]; ok {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO data_keys (name, check_value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, check); err != nil {
				return fmt.Errorf("record the check of key %s: %w", name, err)
			}
		}
		return nil
	})
	return first, err
}

// nullable names, by table, the columns of fieldcrypt.Tables that keep
// NULL for no value, not an empty string.
var nullable = map[string]map[string]bool{
	"patients":         {"birth_date": true, "health_number": true, "health_index": true},
	"appointments":     {"birth_date": true, "guardian_birth_date": true},
	"patient_accounts": {"email": true, "phone": true, "email_index": true, "phone_index": true},
}

// rotateBatch reseals up to limit rows of t after ID from that are not
// sealed with the newest key, and computes their indexes, in one
// transaction. The rows are locked as they are read, so that a write
// that changes one at the same time waits for the batch and writes over
// it, sealed with the newest key too; rows another transaction holds are
// left to the next pass. It returns the rows rewritten and the last ID
// seen.
func rotateBatch(ctx context.Context, tx pgx.Tx, k *fieldcrypt.Keys, t fieldcrypt.Table, from int64, limit int) (n int, last int64, err error) {
	idCol := t.IDColumn()
	rows, err := tx.Query(ctx, `SELECT `+idCol+`, `+strings.Join(t.Read(), ", ")+` FROM `+t.Name+` WHERE `+idCol+` > $1 AND `+t.Stale(k.CurrentID())+
		` ORDER BY `+idCol+` LIMIT $2 FOR UPDATE SKIP LOCKED`, from, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, err)
	}
	var updates [][]any
	for rows.Next() {
		var id int64
		row := t.NewRow()
		if err := rows.Scan(append([]any{&id}, row.Dest(k)...)...); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, err)
		}
		updates = append(updates, append([]any{id}, row.Rewritten(k, nullable[t.Name])...))
		last = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, err)
	}
	set := t.Write()
	for i := range set {
		set[i] = fmt.Sprintf("%s = $%d", set[i], i+2)
	}
	q := `UPDATE ` + t.Name + ` SET ` + strings.Join(set, ", ") + ` WHERE ` + idCol + ` = $1`
	for _, args := range updates {
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return 0, 0, fmt.Errorf("rotate %s row %v: %w", t.Name, args[0], err)
		}
	}
	return len(updates), last, nil
}

// RotateKeys reseals with the newest key every value sealed with an
// older one (or kept in clear, from before encryption), batch rows to a
// transaction, while the servers run. It is resumable: a rotation
// stopped half-way and run again finds only the rows left. progress,
// when not nil, hears each batch's table and count.
func (s *Store) RotateKeys(ctx context.Context, batch int, progress func(table string, rows int)) (int, error) {
	return s.rotate(ctx, fieldcrypt.Tables, batch, progress)
}

// rotate is RotateKeys through tables only.
func (s *Store) rotate(ctx context.Context, tables []fieldcrypt.Table, batch int, progress func(table string, rows int)) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for _, t := range tables {
		from := int64(0)
		for {
			var n int
			var last int64
			err := s.inTx(ctx, "rotate keys", func(tx pgx.Tx) error {
				var err error
				n, last, err = rotateBatch(ctx, tx, s.opts.Keys, t, from, batch)
				return err
			})
			if err != nil {
				return total, fmt.Errorf("rotate keys: %w", err)
			}
			total += n
			if n > 0 && progress != nil {
				progress(t.Name, n)
			}
			if n < batch {
				break
			}
			from = last
		}
	}
	return total, nil
}

// sealPending seals the rows a migration left in clear, or without their
// indexes, in the tables it named in seal_pending, or in every table when
// all is true (the first start with keys); the tables done are then
// forgotten. Without keys it computes the indexes only. Instances that
// start together share the work: each skips the rows another holds.
func (s *Store) sealPending(ctx context.Context, all bool) error {
	var pending []string
	err := s.withConn(ctx, "read the tables to seal", func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT table_name FROM seal_pending`)
		if err != nil {
			return err
		}
		pending, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return err
	}
	var tables []fieldcrypt.Table
	for _, t := range fieldcrypt.Tables {
		if all || slices.Contains(pending, t.Name) {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return nil
	}
	if _, err := s.rotate(ctx, tables, 0, nil); err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	return s.inTx(ctx, "forget the tables sealed", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM seal_pending WHERE table_name = ANY($1)`, pending)
		return err
	})
}

// StaleSealed counts the rows that hold a value not sealed with the
// newest key, or an index not computed: what RotateKeys has left to do.
func (s *Store) StaleSealed(ctx context.Context) (int, error) {
	total := 0
	err := s.withConn(ctx, "count rows to rotate", func(c *pgx.Conn) error {
		for _, t := range fieldcrypt.Tables {
			var n int
			if err := c.QueryRow(ctx, `SELECT count(*) FROM `+t.Name+` WHERE `+t.Stale(s.opts.Keys.CurrentID())).Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			total += n
		}
		return nil
	})
	return total, err
}

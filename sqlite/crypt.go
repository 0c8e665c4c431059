package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

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
func checkKeys(ctx context.Context, db *sql.Conn, k *fieldcrypt.Keys) (first bool, err error) {
	rows, err := db.QueryContext(ctx, `SELECT name, check_value FROM data_keys`)
	if err != nil {
		return false, fmt.Errorf("read the data keys' checks: %w", mapError(err))
	}
	stored := map[string]string{}
	for rows.Next() {
		var name, check string
		if err := rows.Scan(&name, &check); err != nil {
			_ = rows.Close()
			return false, fmt.Errorf("read the data keys' checks: %w", mapError(err))
		}
		stored[name] = check
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read the data keys' checks: %w", mapError(err))
	}
	if err := k.Verify(stored); err != nil {
		return false, rdv.Errorf(rdv.EINVALID, "%s", err.Error())
	}
	if k == nil {
		return false, nil
	}
	for name, check := range k.Checks() {
		if _, ok := stored[name]; ok {
			continue
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO data_keys (name, check_value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, check); err != nil {
			return false, fmt.Errorf("record the check of key %s: %w", name, mapError(err))
		}
	}
	return len(stored) == 0, nil
}

// nullable names, by table, the columns of fieldcrypt.Tables that keep
// NULL for no value, not an empty string.
var nullable = map[string]map[string]bool{
	"patients":         {"health_number": true, "health_index": true},
	"patient_accounts": {"email": true, "phone": true, "email_index": true, "phone_index": true},
}

// rotateBatch reseals, in the writer's transaction, up to limit rows of t
// after ID from that are not sealed with the newest key, and computes
// their indexes. It returns the rows rewritten and the last ID seen (0
// when none is left).
func rotateBatch(tx *wtx, t fieldcrypt.Table, from int64, limit int) (n int, last int64, err error) {
	k := tx.keys
	// The clear or older values overwritten are zeroed where they lay in
	// their pages, not left in free space for a copy of the file to show.
	// The setting is the connection's, and the writer's other writes run
	// without it.
	if _, err := tx.exec(`PRAGMA secure_delete = ON`); err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, mapError(err))
	}
	defer tx.exec(`PRAGMA secure_delete = OFF`)
	idCol := t.IDColumn()
	rows, err := tx.query(`SELECT `+idCol+`, `+strings.Join(t.Read(), ", ")+` FROM `+t.Name+` WHERE `+idCol+` > ? AND `+t.Stale(k.CurrentID())+
		` ORDER BY `+idCol+` LIMIT ?`, from, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, mapError(err))
	}
	type update struct {
		id   int64
		args []any
	}
	var updates []update
	for rows.Next() {
		var id int64
		row := t.NewRow()
		if err := rows.Scan(append([]any{&id}, row.Dest(k)...)...); err != nil {
			_ = rows.Close()
			return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, mapError(err))
		}
		updates = append(updates, update{id, append(row.Rewritten(k, nullable[t.Name]), id)})
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.Name, mapError(err))
	}
	set := t.Write()
	for i := range set {
		set[i] += " = ?"
	}
	q := `UPDATE ` + t.Name + ` SET ` + strings.Join(set, ", ") + ` WHERE ` + idCol + ` = ?`
	for _, u := range updates {
		if _, err := tx.exec(q, u.args...); err != nil {
			return 0, 0, fmt.Errorf("rotate %s row %d: %w", t.Name, u.id, uniqueAs(err, rdv.ECONFLICT, "two rows of %s hold the same value where it must be unique", t.Name))
		}
		last = u.id
	}
	return len(updates), last, nil
}

// rotatePause is the least time RotateKeys leaves the file to other
// writers between two batches: enough for the first retries of SQLite's
// busy handler, which sleeps 1, 2, 5, 10, 15 then 20 ms and more.
const rotatePause = 25 * time.Millisecond

// RotateKeys reseals with the newest key every value sealed with an
// older one (or kept in clear, from before encryption), batch rows to a
// transaction, while the store serves: each batch is one write of the
// single writer, between bookings. It is resumable: a rotation stopped
// half-way and run again finds only the rows left. progress, when not
// nil, hears each batch's table and count.
//
// Between two batches it leaves the file free as long as the last one
// held it, with its commit, and rotatePause at least: half of a
// rotation's time is that pause. rdv keys rotate runs in a process of its
// own, beside the servers: a server's writer that found the file locked
// sleeps in SQLite's busy handler before it tries again, and a batch
// that followed the last at once mostly took the lock first, so that the
// server's bookings waited behind the rotation.
func (s *Store) RotateKeys(ctx context.Context, batch int, progress func(table string, rows int)) (int, error) {
	return s.rotate(ctx, fieldcrypt.Tables, batch, true, progress)
}

// rotate is RotateKeys through tables only; yield leaves the file to
// other processes' writers between batches, which a store opening alone
// does not need.
func (s *Store) rotate(ctx context.Context, tables []fieldcrypt.Table, batch int, yield bool, progress func(table string, rows int)) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for _, t := range tables {
		from := int64(0)
		for {
			var n int
			var last int64
			began := time.Now()
			err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
				n, last, err = rotateBatch(tx, t, from, batch)
				return err
			}})
			held := time.Since(began) // the batch and its commit
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
			if yield {
				pause := time.NewTimer(max(held, rotatePause))
				select {
				case <-ctx.Done():
					pause.Stop()
					return total, fmt.Errorf("rotate keys: %w", ctx.Err())
				case <-pause.C:
				}
			}
		}
	}
	return total, nil
}

// sealPending seals the rows a migration left in clear, or without their
// indexes, in the tables it named in seal_pending, or in every table when
// all is true (the first start with keys); the tables done are then
// forgotten. Without keys it computes the indexes only.
func (s *Store) sealPending(ctx context.Context, all bool) error {
	rows, err := s.r(ctx).query(`SELECT table_name FROM seal_pending`)
	if err != nil {
		return fmt.Errorf("read the tables to seal: %w", mapError(err))
	}
	pending := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read the tables to seal: %w", mapError(err))
		}
		pending[name] = true
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the tables to seal: %w", mapError(err))
	}
	var tables []fieldcrypt.Table
	for _, t := range fieldcrypt.Tables {
		if all || pending[t.Name] {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return nil
	}
	n, err := s.rotate(ctx, tables, 0, false, nil)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
			_, err := tx.exec(`DELETE FROM seal_pending`)
			return mapError(err)
		}})
		if err != nil {
			return fmt.Errorf("forget the tables sealed: %w", err)
		}
	}
	if n == 0 {
		return nil
	}
	// The write-ahead log's frames still hold the pages as they were
	// before, values in clear: it is emptied into the file, whose pages
	// the rotation overwrote.
	return s.writer.submit(ctx, &command{exclusive: func(ctx context.Context, conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		return mapError(err)
	}})
}

// StaleSealed counts the rows that hold a value not sealed with the
// newest key, or an index not computed: what RotateKeys has left to do.
func (s *Store) StaleSealed(ctx context.Context) (int, error) {
	current := s.keys.CurrentID()
	total := 0
	for _, t := range fieldcrypt.Tables {
		var n int
		if err := s.r(ctx).row(`SELECT count(*) FROM ` + t.Name + ` WHERE ` + t.Stale(current)).Scan(&n); err != nil {
			return 0, fmt.Errorf("count rows to rotate in %s: %w", t.Name, mapError(err))
		}
		total += n
	}
	return total, nil
}

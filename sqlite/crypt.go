package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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

// sealedTable names a table's sealed columns and the blind indexes
// computed from them: what a rotation rewrites.
type sealedTable struct {
	table    string
	sealed   []string
	nullable map[string]bool // columns that keep NULL, not '', for no value
	indexes  []blindIndex
}

// blindIndex is a column that holds the index of another, as a kind.
type blindIndex struct {
	column, of, kind string
}

// sealedTables is every column of patient data the store seals.
var sealedTables = []sealedTable{
	{
		table:    "patients",
		sealed:   []string{"first_name", "last_name", "birth_date", "health_number", "phone", "email"},
		nullable: map[string]bool{"health_number": true, "health_index": true},
		indexes:  []blindIndex{{"health_index", "health_number", fieldcrypt.KindHealthNumber}},
	},
	{
		table: "appointments",
		sealed: []string{"first_name", "last_name", "birth_date", "phone", "email",
			"guardian_first_name", "guardian_last_name", "guardian_birth_date", "guardian_phone", "guardian_email"},
		indexes: []blindIndex{
			{"email_index", "email", fieldcrypt.KindEmail}, {"phone_index", "phone", fieldcrypt.KindPhone},
			{"guardian_email_index", "guardian_email", fieldcrypt.KindEmail}, {"guardian_phone_index", "guardian_phone", fieldcrypt.KindPhone},
		},
	},
	{
		table:    "patient_accounts",
		sealed:   []string{"email", "phone"},
		nullable: map[string]bool{"email": true, "phone": true, "email_index": true, "phone_index": true},
		indexes:  []blindIndex{{"email_index", "email", fieldcrypt.KindEmail}, {"phone_index", "phone", fieldcrypt.KindPhone}},
	},
	{
		table:  "requests",
		sealed: []string{"first_name", "last_name", "birth_date", "health_number", "phone", "email"},
	},
	{
		table:  "account_people",
		sealed: []string{"first_name", "last_name", "birth_date", "health_number"},
	},
}

// stale is the condition of a row that a rotation rewrites: a value not
// sealed with the newest key, or an index not yet computed.
func (t sealedTable) stale(current string) string {
	var or []string
	for _, c := range t.sealed {
		if current == "" {
			break // no keys: values stay in clear, only indexes are computed
		}
		or = append(or, fmt.Sprintf("(coalesce(%s, '') <> '' AND substr(%s, 1, %d) <> '%s:')", c, c, len(current)+1, current))
	}
	for _, ix := range t.indexes {
		or = append(or, fmt.Sprintf("(coalesce(%s, '') <> '' AND coalesce(%s, '') = '')", ix.of, ix.column))
	}
	if len(or) == 0 {
		return "(0 = 1)"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// value is what a column keeps for v: NULL for no value in a nullable one.
func (t sealedTable) value(column, v string) any {
	if v == "" && t.nullable[column] {
		return nil
	}
	return v
}

// rotateBatch reseals, in the writer's transaction, up to limit rows of t
// after ID from that are not sealed with the newest key, and computes
// their indexes. It returns the rows rewritten and the last ID seen (0
// when none is left).
func rotateBatch(tx *wtx, t sealedTable, from int64, limit int) (n int, last int64, err error) {
	k := tx.keys
	// The clear or older values overwritten are zeroed where they lay in
	// their pages, not left in free space for a copy of the file to show.
	// The setting is the connection's, and the writer's other writes run
	// without it.
	if _, err := tx.exec(`PRAGMA secure_delete = ON`); err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.table, mapError(err))
	}
	defer tx.exec(`PRAGMA secure_delete = OFF`)
	cols := "id"
	for _, c := range t.sealed {
		cols += ", coalesce(" + c + ", '')"
	}
	rows, err := tx.query(`SELECT `+cols+` FROM `+t.table+` WHERE id > ? AND `+t.stale(k.CurrentID())+` ORDER BY id LIMIT ?`, from, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.table, mapError(err))
	}
	type update struct {
		id   int64
		args []any
	}
	var updates []update
	for rows.Next() {
		var id int64
		plain := make([]string, len(t.sealed))
		dest := []any{&id}
		for i := range plain {
			dest = append(dest, opened(k, &plain[i]))
		}
		if err := rows.Scan(dest...); err != nil {
			_ = rows.Close()
			return 0, 0, fmt.Errorf("rotate %s: %w", t.table, mapError(err))
		}
		byColumn := map[string]string{}
		var args []any
		for i, c := range t.sealed {
			byColumn[c] = plain[i]
			args = append(args, t.value(c, k.Seal(plain[i])))
		}
		for _, ix := range t.indexes {
			args = append(args, t.value(ix.column, k.Index(ix.kind, byColumn[ix.of])))
		}
		updates = append(updates, update{id, append(args, id)})
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.table, mapError(err))
	}
	var set []string
	for _, c := range t.sealed {
		set = append(set, c+" = ?")
	}
	for _, ix := range t.indexes {
		set = append(set, ix.column+" = ?")
	}
	q := `UPDATE ` + t.table + ` SET ` + strings.Join(set, ", ") + ` WHERE id = ?`
	for _, u := range updates {
		if _, err := tx.exec(q, u.args...); err != nil {
			return 0, 0, fmt.Errorf("rotate %s row %d: %w", t.table, u.id, uniqueAs(err, rdv.ECONFLICT, "two rows of %s hold the same value where it must be unique", t.table))
		}
		last = u.id
	}
	return len(updates), last, nil
}

// RotateKeys reseals with the newest key every value sealed with an
// older one (or kept in clear, from before encryption), batch rows to a
// transaction, while the store serves: each batch is one write of the
// single writer, between bookings. It is resumable: a rotation stopped
// half-way and run again finds only the rows left. progress, when not
// nil, hears each batch's table and count.
func (s *Store) RotateKeys(ctx context.Context, batch int, progress func(table string, rows int)) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for _, t := range sealedTables {
		from := int64(0)
		for {
			var n int
			var last int64
			err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
				var err error
				n, last, err = rotateBatch(tx, t, from, batch)
				return err
			}})
			if err != nil {
				return total, fmt.Errorf("rotate keys: %w", err)
			}
			total += n
			if n > 0 && progress != nil {
				progress(t.table, n)
			}
			if n < batch {
				break
			}
			from = last
		}
	}
	return total, nil
}

// StaleSealed counts the rows that hold a value not sealed with the
// newest key, or an index not computed: what RotateKeys has left to do.
func (s *Store) StaleSealed(ctx context.Context) (int, error) {
	current := s.keys.CurrentID()
	total := 0
	for _, t := range sealedTables {
		var n int
		if err := s.r(ctx).row(`SELECT count(*) FROM ` + t.table + ` WHERE ` + t.stale(current)).Scan(&n); err != nil {
			return 0, fmt.Errorf("count rows to rotate in %s: %w", t.table, mapError(err))
		}
		total += n
	}
	return total, nil
}

package postgres

import (
	"context"
	"fmt"
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
		nullable: map[string]bool{"birth_date": true, "health_number": true, "health_index": true},
		indexes:  []blindIndex{{"health_index", "health_number", fieldcrypt.KindHealthNumber}},
	},
	{
		table: "appointments",
		sealed: []string{"first_name", "last_name", "birth_date", "phone", "email",
			"guardian_first_name", "guardian_last_name", "guardian_birth_date", "guardian_phone", "guardian_email"},
		nullable: map[string]bool{"birth_date": true, "guardian_birth_date": true},
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
// sealed with the newest key (current; "" for no keys, which keep values
// in clear), or an index not yet computed.
func (t sealedTable) stale(current string) string {
	var or []string
	for _, c := range t.sealed {
		if current == "" {
			break
		}
		or = append(or, fmt.Sprintf("(coalesce(%s, '') <> '' AND substr(%s, 1, %d) <> '%s:')", c, c, len(current)+1, current))
	}
	for _, ix := range t.indexes {
		or = append(or, fmt.Sprintf("(coalesce(%s, '') <> '' AND coalesce(%s, '') = '')", ix.of, ix.column))
	}
	if len(or) == 0 {
		return "false"
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

// rotateBatch reseals up to limit rows of t after ID from that are not
// sealed with the newest key, and computes their indexes, in one
// transaction. The rows are locked as they are read, so that a write
// that changes one at the same time waits for the batch and writes over
// it, sealed with the newest key too; rows another transaction holds are
// left to the next pass. It returns the rows rewritten and the last ID
// seen.
func rotateBatch(ctx context.Context, tx pgx.Tx, k *fieldcrypt.Keys, t sealedTable, from int64, limit int) (n int, last int64, err error) {
	cols := "id"
	for _, c := range t.sealed {
		cols += ", " + c
	}
	rows, err := tx.Query(ctx, `SELECT `+cols+` FROM `+t.table+` WHERE id > $1 AND `+t.stale(k.CurrentID())+
		` ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, from, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.table, err)
	}
	var updates [][]any
	for rows.Next() {
		var id int64
		plain := make([]string, len(t.sealed))
		dest := []any{&id}
		for i := range plain {
			dest = append(dest, opened(k, &plain[i]))
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("rotate %s: %w", t.table, err)
		}
		byColumn := map[string]string{}
		args := []any{id}
		for i, c := range t.sealed {
			byColumn[c] = plain[i]
			args = append(args, t.value(c, k.Seal(plain[i])))
		}
		for _, ix := range t.indexes {
			args = append(args, t.value(ix.column, k.Index(ix.kind, byColumn[ix.of])))
		}
		updates = append(updates, args)
		last = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("rotate %s: %w", t.table, err)
	}
	var set []string
	for _, c := range t.sealed {
		set = append(set, fmt.Sprintf("%s = $%d", c, len(set)+2))
	}
	for _, ix := range t.indexes {
		set = append(set, fmt.Sprintf("%s = $%d", ix.column, len(set)+2))
	}
	q := `UPDATE ` + t.table + ` SET ` + strings.Join(set, ", ") + ` WHERE id = $1`
	for _, args := range updates {
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return 0, 0, fmt.Errorf("rotate %s row %v: %w", t.table, args[0], err)
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
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for _, t := range sealedTables {
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
	total := 0
	err := s.withConn(ctx, "count rows to rotate", func(c *pgx.Conn) error {
		for _, t := range sealedTables {
			var n int
			if err := c.QueryRow(ctx, `SELECT count(*) FROM `+t.table+` WHERE `+t.stale(s.opts.Keys.CurrentID())).Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", t.table, err)
			}
			total += n
		}
		return nil
	})
	return total, err
}

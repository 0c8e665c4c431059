package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"rdv"
)

// LoadNetwork writes a whole network into an empty store. It is built for
// the demo's million slots: one transaction on the write connection alone,
// with fsync off while it runs (a crash mid-load leaves an empty store,
// which the next start loads again), multi-row inserts, and the secondary
// indexes of slots and appointments dropped first and built once at the
// end. Durability is restored before it returns: the WAL is checkpointed
// into the database with synchronous=FULL.
func (s *Store) LoadNetwork(ctx context.Context, n rdv.NetworkLoad, progress func(done, total int)) error {
	err := s.writer.submit(ctx, &command{exclusive: func(ctx context.Context, conn *sql.Conn) error {
		return loadNetwork(ctx, conn, n, progress)
	}})
	if err != nil {
		return fmt.Errorf("load network: %w", err)
	}
	return nil
}

func loadNetwork(ctx context.Context, conn *sql.Conn, n rdv.NetworkLoad, progress func(done, total int)) (err error) {
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return mapError(err)
	}
	if err := exec(`PRAGMA synchronous = OFF`); err != nil {
		return err
	}
	if err := exec(`PRAGMA cache_size = -131072`); err != nil { // 128 MiB while loading
		return err
	}
	defer func() {
		// Back to full durability whatever happened, and make the load
		// itself durable.
		bg := context.WithoutCancel(ctx)
		for _, q := range []string{`PRAGMA synchronous = FULL`, `PRAGMA cache_size = -2000`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
			if _, cerr := conn.ExecContext(bg, q); cerr != nil {
				err = errors.Join(err, fmt.Errorf("%s: %w", q, cerr))
			}
		}
	}()
	if err := exec(`BEGIN IMMEDIATE`); err != nil {
		return err
	}
	if err := loadInTx(ctx, conn, n, progress); err != nil {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := exec(`COMMIT`); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func loadInTx(ctx context.Context, conn *sql.Conn, n rdv.NetworkLoad, progress func(done, total int)) error {
	var loaded bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM clinics)`).Scan(&loaded); err != nil {
		return mapError(err)
	}
	if loaded {
		return rdv.Errorf(rdv.ECONFLICT, "a network is already loaded")
	}
	indexes, err := dropIndexes(ctx, conn, "slots", "appointments")
	if err != nil {
		return err
	}
	if err := loadPlaces(ctx, conn, n); err != nil {
		return err
	}
	if err := loadSlots(ctx, conn, n, progress); err != nil {
		return err
	}
	for _, ddl := range indexes {
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("rebuild index: %w", mapError(err))
		}
	}
	return nil
}

// dropIndexes drops the secondary indexes of tables and returns the SQL
// that recreates them: building an index once from sorted data beats
// updating it row by row.
func dropIndexes(ctx context.Context, conn *sql.Conn, tables ...string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?)`, tables[0], tables[1])
	if err != nil {
		return nil, mapError(err)
	}
	var names, ddls []string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		names, ddls = append(names, name), append(ddls, ddl)
	}
	if err := rows.Close(); err != nil {
		return nil, mapError(err)
	}
	for _, name := range names {
		if _, err := conn.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", name, mapError(err))
		}
	}
	return ddls, nil
}

func loadPlaces(ctx context.Context, conn *sql.Conn, n rdv.NetworkLoad) error {
	clinics := newBulk(ctx, conn, `INSERT INTO clinics (id, name, address, city, lat, lon, phone, services, languages, time_zone) VALUES `, "(?,?,?,?,?,?,?,?,?,?)", 10, 100)
	for _, c := range n.Clinics {
		tz := c.TimeZone
		if tz == "" {
			tz = "America/Toronto"
		}
		if err := clinics.add(c.ID, c.Name, c.Address, c.City, c.Lat, c.Lon, c.Phone, mustJSON(c.Services), mustJSON(c.Languages), tz); err != nil {
			return fmt.Errorf("insert clinic %d: %w", c.ID, err)
		}
	}
	if err := clinics.flush(); err != nil {
		return fmt.Errorf("insert clinics: %w", err)
	}
	practitioners := newBulk(ctx, conn, `INSERT INTO practitioners (id, clinic_id, name, services, languages, accepts_new) VALUES `, "(?,?,?,?,?,?)", 6, 100)
	for _, p := range n.Practitioners {
		if err := practitioners.add(p.ID, p.ClinicID, p.Name, mustJSON(p.Services), mustJSON(p.Languages), p.AcceptsNew); err != nil {
			return fmt.Errorf("insert practitioner %d: %w", p.ID, err)
		}
	}
	if err := practitioners.flush(); err != nil {
		return fmt.Errorf("insert practitioners: %w", err)
	}
	plans := newBulk(ctx, conn, `INSERT INTO plans (id, practitioner_id, clinic_id, blocks, exceptions) VALUES `, "(?,?,?,?,?)", 5, 100)
	for _, p := range n.Plans {
		if err := plans.add(nullID(p.ID), p.PractitionerID, p.ClinicID, mustJSON(p.Blocks), mustJSON(p.Exceptions)); err != nil {
			return fmt.Errorf("insert plan %d: %w", p.ID, err)
		}
	}
	if err := plans.flush(); err != nil {
		return fmt.Errorf("insert plans: %w", err)
	}
	patients := newBulk(ctx, conn, `INSERT INTO patients (id, first_name, last_name, birth_date, health_number, phone, email, language, guardian_id) VALUES `, "(?,?,?,?,?,?,?,?,?)", 9, 200)
	for _, p := range n.Patients {
		if err := patients.add(nullID(p.ID), p.FirstName, p.LastName, p.BirthDate.String(), nullString(p.HealthNumber), p.Phone, p.Email, p.Language, nullID(p.GuardianID)); err != nil {
			return fmt.Errorf("insert patient %d: %w", p.ID, err)
		}
	}
	if err := patients.flush(); err != nil {
		return fmt.Errorf("insert patients: %w", err)
	}
	return nil
}

// progressEvery is how many slots pass between two progress reports.
const progressEvery = 10_000

func loadSlots(ctx context.Context, conn *sql.Conn, n rdv.NetworkLoad, progress func(done, total int)) error {
	slots := newBulk(ctx, conn, `INSERT INTO slots (id, clinic_id, practitioner_id, service, start_utc, end_utc, audience, state) VALUES `, "(?,?,?,?,?,?,?,?)", 8, 250)
	now := millis(time.Now())
	appts := newBulk(ctx, conn, `INSERT INTO appointments (slot_id, patient_id, status, booked_by, channel, fee_cents, cancel_token_hash, created_at, updated_at) VALUES `,
		fmt.Sprintf("(?,?,'booked','self','web',0,'',%d,%d)", now, now), 2, 500)
	done := 0
	var err error
	for s, patient := range n.Slots {
		state := s.State
		switch {
		case patient != 0:
			state = rdv.SlotBooked
		case state == rdv.SlotBlocked:
		default: // a load holds nothing: held means free
			state = rdv.SlotFree
		}
		if err = slots.add(s.ID, s.ClinicID, s.PractitionerID, string(s.Service), s.Start.Unix(), s.End.Unix(), string(s.Audience), string(state)); err != nil {
			err = fmt.Errorf("insert slot %d: %w", s.ID, err)
			break
		}
		if patient != 0 {
			if err = appts.add(s.ID, patient); err != nil {
				err = fmt.Errorf("insert appointment of slot %d: %w", s.ID, err)
				break
			}
		}
		done++
		if done%progressEvery == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
			if progress != nil {
				progress(done, max(n.SlotCount, done))
			}
		}
	}
	if err != nil {
		return err
	}
	if err := slots.flush(); err != nil {
		return fmt.Errorf("insert slots: %w", err)
	}
	if err := appts.flush(); err != nil {
		return fmt.Errorf("insert appointments: %w", err)
	}
	if progress != nil {
		progress(done, max(n.SlotCount, done))
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // plain data: cannot fail
	}
	return b
}

// bulk inserts rows many at a time: one statement of perStmt rows, prepared
// once, saves the per-statement cost that dominates small inserts.
type bulk struct {
	ctx     context.Context
	conn    *sql.Conn
	head    string // INSERT ... VALUES
	tuple   string // one row's placeholders
	cols    int
	perStmt int
	full    *sql.Stmt
	args    []any
}

func newBulk(ctx context.Context, conn *sql.Conn, head, tuple string, cols, perStmt int) *bulk {
	return &bulk{ctx: ctx, conn: conn, head: head, tuple: tuple, cols: cols, perStmt: perStmt, args: make([]any, 0, cols*perStmt)}
}

func (b *bulk) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.cols*b.perStmt {
		return nil
	}
	if b.full == nil {
		st, err := b.conn.PrepareContext(b.ctx, b.statement(b.perStmt))
		if err != nil {
			return mapError(err)
		}
		b.full = st
	}
	_, err := b.full.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return mapError(err)
}

// flush inserts the rows left and releases the prepared statement.
func (b *bulk) flush() error {
	var err error
	if rows := len(b.args) / b.cols; rows > 0 {
		_, err = b.conn.ExecContext(b.ctx, b.statement(rows), b.args...)
		b.args = b.args[:0]
	}
	if b.full != nil {
		err = errors.Join(err, b.full.Close())
		b.full = nil
	}
	return mapError(err)
}

func (b *bulk) statement(rows int) string {
	var sb strings.Builder
	sb.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(b.tuple)
	}
	return sb.String()
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"rdv"
	"rdv/fieldcrypt"
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
		return loadNetwork(ctx, conn, s.keys, n, progress)
	}})
	if err != nil {
		return fmt.Errorf("load network: %w", err)
	}
	return nil
}

func loadNetwork(ctx context.Context, conn *sql.Conn, k *fieldcrypt.Keys, n rdv.NetworkLoad, progress func(done, total int)) (err error) {
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return mapError(err)
	}
	// Foreign keys are checked once, after the load, rather than row by row.
	if err := exec(`PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	if err := exec(`PRAGMA synchronous = OFF`); err != nil {
		return err
	}
	// A large cache, sorting on two threads (in memory, as every write of
	// the store's connection keeps its temporary data): building the
	// indexes of a million slots is a big sort.
	for _, q := range []string{`PRAGMA cache_size = -131072`, `PRAGMA threads = 2`} {
		if err := exec(q); err != nil {
			return err
		}
	}
	defer func() {
		// Back to full durability whatever happened, and make the load
		// itself durable.
		bg := context.WithoutCancel(ctx)
		for _, q := range []string{`PRAGMA foreign_keys = ON`, `PRAGMA synchronous = FULL`, `PRAGMA cache_size = -2000`,
			`PRAGMA threads = 0`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
			if _, cerr := conn.ExecContext(bg, q); cerr != nil {
				err = errors.Join(err, fmt.Errorf("%s: %w", q, cerr))
			}
		}
	}()
	if err := exec(`BEGIN IMMEDIATE`); err != nil {
		return err
	}
	if err := loadInTx(ctx, conn, k, n, progress); err != nil {
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

func loadInTx(ctx context.Context, conn *sql.Conn, k *fieldcrypt.Keys, n rdv.NetworkLoad, progress func(done, total int)) error {
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
	if err := loadPlaces(ctx, conn, k, n); err != nil {
		return err
	}
	if err := loadSlots(ctx, conn, k, n, progress); err != nil {
		return err
	}
	for _, ddl := range indexes {
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("rebuild index: %w", mapError(err))
		}
	}
	return checkForeignKeys(ctx, conn)
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
			_ = rows.Close()
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

func loadPlaces(ctx context.Context, conn *sql.Conn, k *fieldcrypt.Keys, n rdv.NetworkLoad) error {
	clinics := newBulk(ctx, conn, `INSERT INTO clinics (id, name, address, city, lat, lon, phone, services, languages, time_zone) VALUES `, "(?,?,?,?,?,?,?,?,?,?)", 10, 100)
	for _, c := range n.Clinics {
		tz := c.TimeZone
		if tz == "" {
			tz = rdv.Toronto.String()
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
	patients := newBulk(ctx, conn, `INSERT INTO patients (id, first_name, last_name, birth_date, health_number, health_index, phone, email, language, guardian_id) VALUES `,
		"(?,?,?,?,?,?,?,?,?,?)", 10, 200)
	for _, p := range n.Patients {
		if err := patients.add(nullID(p.ID), k.Seal(p.FirstName), k.Seal(p.LastName), k.Seal(p.BirthDate.String()), nullString(k.Seal(p.HealthNumber)),
			nullString(k.Index(fieldcrypt.KindHealthNumber, p.HealthNumber)), k.Seal(p.Phone), k.Seal(p.Email), p.Language, nullID(p.GuardianID)); err != nil {
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

// slotsPerInsert is how many slot rows one INSERT statement writes.
const slotsPerInsert = 250

// slotChunk is the arguments of one multi-row insert of slots.
type slotChunk struct {
	args   []any
	slots  int
	booked [][2]int64 // slot ID, patient ID
}

// loadSlots writes the slots, then their appointments. The network's slots
// are pulled and turned into statement arguments on a second goroutine
// while this one inserts: generating a slot costs about as much as
// inserting it, and the machine has more than one core.
func loadSlots(ctx context.Context, conn *sql.Conn, k *fieldcrypt.Keys, n rdv.NetworkLoad, progress func(done, total int)) error {
	chunks := make(chan *slotChunk, 8)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var produceErr error
	wg.Go(func() {
		produceErr = produceSlots(n, chunks, stop)
		close(chunks)
	})
	defer wg.Wait()
	defer close(stop)

	head := `INSERT INTO slots (id, clinic_id, practitioner_id, service, start_utc, end_utc, audience, state) VALUES `
	slots := newBulk(ctx, conn, head, "(?,?,?,?,?,?,?,?)", 8, slotsPerInsert)
	full, err := conn.PrepareContext(ctx, slots.statement(slotsPerInsert))
	if err != nil {
		return fmt.Errorf("prepare slot insert: %w", mapError(err))
	}
	defer full.Close()
	var booked [][2]int64
	done, reported := 0, 0
	for c := range chunks {
		if c.slots == slotsPerInsert {
			_, err = full.ExecContext(ctx, c.args...)
		} else {
			_, err = conn.ExecContext(ctx, slots.statement(c.slots), c.args...)
		}
		if err != nil {
			return fmt.Errorf("insert slots: %w", mapError(err))
		}
		booked = append(booked, c.booked...)
		done += c.slots
		if done-reported >= progressEvery {
			if err := ctx.Err(); err != nil {
				return err
			}
			reported = done
			if progress != nil {
				progress(done, max(n.SlotCount, done))
			}
		}
	}
	if produceErr != nil { // chunks is closed: the producer is done
		return produceErr
	}
	now := millis(time.Now())
	// An appointment keeps its own copy of who it is for, as a booking
	// would have given it.
	people := make(map[int64]*rdv.Patient, len(n.Patients))
	for i := range n.Patients {
		people[n.Patients[i].ID] = &n.Patients[i]
	}
	appts := newBulk(ctx, conn, `INSERT INTO appointments (slot_id, patient_id, status, booked_by, channel, fee_cents, cancel_token_hash, created_at, updated_at,
		first_name, last_name, birth_date, phone, email, language, email_index, phone_index) VALUES `,
		fmt.Sprintf("(?,?,'booked','self','web',0,'',%d,%d,?,?,?,?,?,?,?,?)", now, now), 10, 400)
	// A patient's appointments share one sealing of who they are for:
	// their patient_id already ties them together in clear, so equal
	// ciphertexts tell a reader nothing more, and the demo seals its 20,000
	// people once rather than its 430,000 appointments five times each.
	sealed := make(map[int64][8]any, len(n.Patients))
	for _, b := range booked {
		who, ok := sealed[b[1]]
		if !ok {
			p := people[b[1]] // checked by produceSlots
			who = [8]any{k.Seal(p.FirstName), k.Seal(p.LastName), k.Seal(p.BirthDate.String()), k.Seal(p.Phone), k.Seal(p.Email), p.Language,
				k.Index(fieldcrypt.KindEmail, p.Email), k.Index(fieldcrypt.KindPhone, p.Phone)}
			sealed[b[1]] = who
		}
		if err := appts.add(b[0], b[1], who[0], who[1], who[2], who[3], who[4], who[5], who[6], who[7]); err != nil {
			return fmt.Errorf("insert appointment of slot %d: %w", b[0], err)
		}
	}
	if err := appts.flush(); err != nil {
		return fmt.Errorf("insert appointments: %w", err)
	}
	if progress != nil {
		progress(done, max(n.SlotCount, done))
	}
	return nil
}

// produceSlots sends the network's slots as insert arguments on chunks;
// it gives up when stop closes. It checks each slot's
// references here, off the writing goroutine, so that the database need
// not check them row by row.
func produceSlots(n rdv.NetworkLoad, chunks chan<- *slotChunk, stop <-chan struct{}) error {
	clinics, practitioners, patients := map[int64]bool{}, map[int64]int64{}, map[int64]bool{}
	for _, c := range n.Clinics {
		clinics[c.ID] = true
	}
	for _, p := range n.Practitioners {
		practitioners[p.ID] = p.ClinicID
	}
	for _, p := range n.Patients {
		patients[p.ID] = true
	}
	// Interfaces of the few distinct strings, made once rather than per row.
	boxed := map[string]any{}
	box := func(s string) any {
		v, ok := boxed[s]
		if !ok {
			v = s
			boxed[s] = v
		}
		return v
	}
	c := &slotChunk{args: make([]any, 0, 8*slotsPerInsert)}
	for s, patient := range n.Slots {
		switch {
		case !clinics[s.ClinicID]:
			return rdv.Errorf(rdv.EINVALID, "slot %d: unknown clinic %d", s.ID, s.ClinicID)
		case practitioners[s.PractitionerID] == 0:
			return rdv.Errorf(rdv.EINVALID, "slot %d: unknown practitioner %d", s.ID, s.PractitionerID)
		case patient != 0 && !patients[patient]:
			return rdv.Errorf(rdv.EINVALID, "slot %d: unknown patient %d", s.ID, patient)
		}
		state := s.State
		switch {
		case patient != 0:
			state = rdv.SlotBooked
			c.booked = append(c.booked, [2]int64{s.ID, patient})
		case state == rdv.SlotBlocked:
		default: // a load holds nothing: held means free
			state = rdv.SlotFree
		}
		c.args = append(c.args, s.ID, s.ClinicID, s.PractitionerID, box(string(s.Service)),
			s.Start.Unix(), s.End.Unix(), box(string(s.Audience)), box(string(state)))
		c.slots++
		if c.slots == slotsPerInsert {
			select {
			case chunks <- c:
			case <-stop:
				return nil
			}
			c = &slotChunk{args: make([]any, 0, 8*slotsPerInsert)}
		}
	}
	if c.slots > 0 {
		select {
		case chunks <- c:
		case <-stop:
		}
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

// checkForeignKeys fails if a row of the small tables of the load refers
// to a row that does not exist (slots and appointments were checked as
// they were produced).
func checkForeignKeys(ctx context.Context, conn *sql.Conn) error {
	for _, table := range []string{"practitioners", "plans", "patients"} {
		if err := checkTable(ctx, conn, table); err != nil {
			return err
		}
	}
	return nil
}

func checkTable(ctx context.Context, conn *sql.Conn, table string) error {
	rows, err := conn.QueryContext(ctx, `PRAGMA foreign_key_check(`+table+`)`)
	if err != nil {
		return fmt.Errorf("check references of %s: %w", table, mapError(err))
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int64
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("check references: %w", err)
		}
		return rdv.Errorf(rdv.EINVALID, "%s row %d refers to a missing %s", table, rowid.Int64, parent)
	}
	return mapError(rows.Err())
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// Empty reports whether no network has been loaded.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var empty bool
	err := s.withConn(ctx, "empty", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM clinics)`).Scan(&empty)
	})
	return empty, err
}

// LoadNetwork writes a whole network into an empty store in one
// transaction, with COPY for the slots and their appointments.
func (s *Store) LoadNetwork(ctx context.Context, n rdv.NetworkLoad, progress func(done, total int)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return mapError(fmt.Errorf("load network: %w", err))
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return mapError(fmt.Errorf("load network: %w", err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := loadNetwork(ctx, keyedTx{tx, s.opts.Keys}, n, progress); err != nil {
		return mapError(fmt.Errorf("load network: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError(fmt.Errorf("load network: commit: %w", err))
	}
	return nil
}

func loadNetwork(ctx context.Context, tx pgx.Tx, n rdv.NetworkLoad, progress func(done, total int)) error {
	// Two loads racing on an empty database: the lock makes the second
	// see the first's clinics and refuse.
	if _, err := tx.Exec(ctx, `LOCK TABLE clinics IN EXCLUSIVE MODE`); err != nil {
		return err
	}
	var empty bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM clinics)`).Scan(&empty); err != nil {
		return err
	}
	if !empty {
		return rdv.Errorf(rdv.ECONFLICT, "the store already holds a network")
	}
	if err := copyRows(ctx, tx, "clinics", []string{"id", "name", "address", "city", "lat", "lon", "phone", "services", "languages", "time_zone"},
		len(n.Clinics), func(i int) ([]any, error) {
			c := n.Clinics[i]
			return []any{c.ID, c.Name, c.Address, c.City, c.Lat, c.Lon, c.Phone, serviceCodes(c.Services), nonNil(c.Languages), c.TimeZone}, nil
		}); err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "practitioners", []string{"id", "clinic_id", "name", "services", "languages", "accepts_new"},
		len(n.Practitioners), func(i int) ([]any, error) {
			p := n.Practitioners[i]
			return []any{p.ID, p.ClinicID, p.Name, serviceCodes(p.Services), nonNil(p.Languages), p.AcceptsNew}, nil
		}); err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "plans", []string{"id", "practitioner_id", "clinic_id", "blocks", "exceptions"},
		len(n.Plans), func(i int) ([]any, error) {
			p := n.Plans[i]
			blocks, err := json.Marshal(p.Blocks)
			if err != nil {
				return nil, err
			}
			exceptions, err := json.Marshal(p.Exceptions)
			if err != nil {
				return nil, err
			}
			return []any{p.ID, p.PractitionerID, p.ClinicID, blocks, exceptions}, nil
		}); err != nil {
		return err
	}
	k := keysOf(tx)
	if err := copyRows(ctx, tx, "patients", []string{"id", "first_name", "last_name", "birth_date", "health_number", "health_index", "phone", "email", "language", "guardian_id"},
		len(n.Patients), func(i int) ([]any, error) {
			p := n.Patients[i]
			return []any{p.ID, k.Seal(p.FirstName), k.Seal(p.LastName), nullText(k.Seal(birthText(p.BirthDate))), nullText(k.Seal(p.HealthNumber)),
				nullText(k.Index(fieldcrypt.KindHealthNumber, p.HealthNumber)), k.Seal(p.Phone), k.Seal(p.Email), p.Language, nullID(p.GuardianID)}, nil
		}); err != nil {
		return err
	}
	// Room to sort the index builds in memory.
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	restore, err := dropChecksForLoad(ctx, tx, "slots", "appointments")
	if err != nil {
		return err
	}
	booked, err := copySlots(ctx, tx, n, progress)
	if err != nil {
		return err
	}
	// Appointments of the loaded network: booked by clinic staff, with no
	// cancel token that anybody could know, each with its own copy of who
	// it is for, as a booking would have given it.
	people := make(map[int64]*rdv.Patient, len(n.Patients))
	for i := range n.Patients {
		people[n.Patients[i].ID] = &n.Patients[i]
	}
	// A patient's appointments share one sealing of who they are for:
	// their patient_id already ties them together in clear, so equal
	// ciphertexts tell a reader nothing more, and the demo seals its 20,000
	// people once rather than its 430,000 appointments five times each.
	sealed := make(map[int64][8]any, len(n.Patients))
	if err := copyRows(ctx, tx, "appointments", []string{"id", "slot_id", "patient_id", "status", "booked_by", "channel", "fee_cents", "created_at", "cancel_token_hash",
		"first_name", "last_name", "birth_date", "phone", "email", "language", "email_index", "phone_index"},
		len(booked), func(i int) ([]any, error) {
			b := booked[i]
			p, ok := people[b.patientID]
			if !ok {
				return nil, rdv.Errorf(rdv.EINVALID, "slot %d: unknown patient %d", b.slotID, b.patientID)
			}
			who, ok := sealed[b.patientID]
			if !ok {
				who = [8]any{k.Seal(p.FirstName), k.Seal(p.LastName), nullText(k.Seal(birthText(p.BirthDate))), k.Seal(p.Phone), k.Seal(p.Email), p.Language,
					k.Index(fieldcrypt.KindEmail, p.Email), k.Index(fieldcrypt.KindPhone, p.Phone)}
				sealed[b.patientID] = who
			}
			return []any{int64(i + 1), b.slotID, b.patientID, string(rdv.Booked), string(rdv.ByStaff), string(rdv.Phone), int64(0), b.createdAt, "",
				who[0], who[1], who[2], who[3], who[4], who[5], who[6], who[7]}, nil
		}); err != nil {
		return err
	}
	if err := restore(); err != nil {
		return err
	}
	// Rows came with their IDs: move the identity sequences past them.
	for _, table := range []string{"patients", "slots", "appointments"} {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT max(id) FROM %s), 1))`, table, table)); err != nil {
			return fmt.Errorf("advance %s ids: %w", table, err)
		}
	}
	_, err = tx.Exec(ctx, `ANALYZE`)
	return err
}

// dropChecksForLoad drops the secondary indexes and foreign keys of the
// tables, read from the catalog, and returns a function that puts them
// back. Checking a million rows once after COPY is several times faster
// than checking them one by one as they arrive; the whole load is one
// transaction, so nobody ever sees the tables without them.
func dropChecksForLoad(ctx context.Context, tx pgx.Tx, tables ...string) (restore func() error, err error) {
	rows, err := tx.Query(ctx, `
		SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
		       format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)), 2
		FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1)
		UNION ALL
		SELECT format('DROP INDEX %I', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), 1
		FROM pg_index i WHERE i.indrelid::regclass::text = ANY($1) AND NOT i.indisprimary
		ORDER BY 3 DESC`, tables)
	if err != nil {
		return nil, fmt.Errorf("read checks: %w", err)
	}
	var drops, creates []string
	for rows.Next() {
		var drop, create string
		var order int
		if err := rows.Scan(&drop, &create, &order); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read checks: %w", err)
		}
		drops, creates = append(drops, drop), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read checks: %w", err)
	}
	for _, q := range drops {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return func() error {
		// Indexes first, then the foreign keys that may use them.
		for i := len(creates) - 1; i >= 0; i-- {
			if _, err := tx.Exec(ctx, creates[i]); err != nil {
				return fmt.Errorf("%s: %w", creates[i], err)
			}
		}
		return nil
	}, nil
}

type bookedSlot struct {
	slotID, patientID int64
	createdAt         any
}

// copySlots writes the slots with COPY and returns those booked by a
// patient.
func copySlots(ctx context.Context, tx pgx.Tx, n rdv.NetworkLoad, progress func(done, total int)) ([]bookedSlot, error) {
	var booked []bookedSlot
	slots := n.Slots
	if slots == nil {
		slots = func(func(rdv.Slot, int64) bool) {}
	}
	next, stop := iter.Pull2(slots)
	defer stop()
	done := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		sl, patientID, ok := next()
		if !ok {
			return nil, nil
		}
		done++
		if progress != nil && (done%50_000 == 0 || done == n.SlotCount) {
			progress(done, n.SlotCount)
		}
		state := sl.State
		if state == "" {
			state = rdv.SlotFree
		}
		if patientID != 0 {
			state = rdv.SlotBooked
			booked = append(booked, bookedSlot{sl.ID, patientID, sl.Start.Add(-7 * 24 * time.Hour)})
		}
		var holdID, holdExpires any
		if state == rdv.SlotHeld {
			holdID, holdExpires = sl.HoldID, sl.HoldExpires
		}
		return []any{sl.ID, sl.ClinicID, sl.PractitionerID, string(sl.Service), sl.Start, sl.End, string(sl.Audience), string(state), holdID, holdExpires}, nil
	})
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"slots"},
		[]string{"id", "clinic_id", "practitioner_id", "service", "start_at", "end_at", "audience", "state", "hold_id", "hold_expires"}, src)
	if err != nil {
		return nil, fmt.Errorf("copy slots: %w", err)
	}
	if progress != nil && done != n.SlotCount {
		progress(done, done)
	}
	return booked, nil
}

func copyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, count int, row func(i int) ([]any, error)) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(count, row))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}

func serviceCodes(ss []rdv.Service) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

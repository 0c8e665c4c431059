package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/desk"
)

// Clinics returns every clinic, ordered by ID.
func (s *Store) Clinics(ctx context.Context) ([]rdv.Clinic, error) {
	var out []rdv.Clinic
	err := s.withConn(ctx, "clinics", func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT id, name, address, city, lat, lon, phone, services, languages, time_zone FROM clinics ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cl rdv.Clinic
			var services []string
			if err := rows.Scan(&cl.ID, &cl.Name, &cl.Address, &cl.City, &cl.Lat, &cl.Lon, &cl.Phone, &services, &cl.Languages, &cl.TimeZone); err != nil {
				return err
			}
			cl.Services = toServices(services)
			out = append(out, cl)
		}
		return rows.Err()
	})
	return out, err
}

// Practitioners returns every practitioner, ordered by ID.
func (s *Store) Practitioners(ctx context.Context) ([]rdv.Practitioner, error) {
	var out []rdv.Practitioner
	err := s.withConn(ctx, "practitioners", func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT id, clinic_id, name, services, languages, accepts_new FROM practitioners ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p rdv.Practitioner
			var services []string
			if err := rows.Scan(&p.ID, &p.ClinicID, &p.Name, &services, &p.Languages, &p.AcceptsNew); err != nil {
				return err
			}
			p.Services = toServices(services)
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// Plans returns the working plans of a clinic, ordered by ID.
func (s *Store) Plans(ctx context.Context, clinicID int64) ([]rdv.WorkingPlan, error) {
	var out []rdv.WorkingPlan
	err := s.withConn(ctx, "plans", func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT id, practitioner_id, clinic_id, blocks, exceptions FROM plans WHERE clinic_id = $1 ORDER BY id`, clinicID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p rdv.WorkingPlan
			var blocks, exceptions []byte
			if err := rows.Scan(&p.ID, &p.PractitionerID, &p.ClinicID, &blocks, &exceptions); err != nil {
				return err
			}
			if err := desk.DecodePlan(&p, blocks, exceptions); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

const slotColumns = `s.id, s.clinic_id, s.practitioner_id, s.service, s.start_at, s.end_at, s.audience, s.state, s.hold_id, s.hold_expires`

// slotScan holds the destinations of slotColumns.
type slotScan struct {
	s           rdv.Slot
	service     string
	audience    string
	state       string
	holdID      *string
	holdExpires *time.Time
}

func (x *slotScan) dest() []any {
	return []any{&x.s.ID, &x.s.ClinicID, &x.s.PractitionerID, &x.service, &x.s.Start, &x.s.End, &x.audience, &x.state, &x.holdID, &x.holdExpires}
}

func (x *slotScan) slot() rdv.Slot {
	s := x.s
	s.Service, s.Audience, s.State = rdv.Service(x.service), rdv.Audience(x.audience), rdv.SlotState(x.state)
	s.Start, s.End = s.Start.UTC(), s.End.UTC()
	s.HoldID, s.HoldExpires = "", time.Time{}
	if x.holdID != nil {
		s.HoldID = *x.holdID
	}
	if x.holdExpires != nil {
		s.HoldExpires = x.holdExpires.UTC()
	}
	return s
}

// Slot returns a slot by ID.
func (s *Store) Slot(ctx context.Context, id int64) (rdv.Slot, error) {
	var sl rdv.Slot
	err := s.withConn(ctx, "slot", func(c *pgx.Conn) error {
		var err error
		sl, err = readSlot(ctx, c, id, "")
		return err
	})
	return sl, err
}

// querier is a connection or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readSlot reads one slot; lock is "" or a locking clause (FOR UPDATE).
func readSlot(ctx context.Context, q querier, id int64, lock string) (rdv.Slot, error) {
	var x slotScan
	err := q.QueryRow(ctx, `SELECT `+slotColumns+` FROM slots s WHERE s.id = $1 `+lock, id).Scan(x.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Slot{}, rdv.Errorf(rdv.ENOTFOUND, "slot %d", id)
	}
	if err != nil {
		return rdv.Slot{}, fmt.Errorf("read slot %d: %w", id, err)
	}
	return x.slot(), nil
}

// ScanBookable calls fn for every slot that starts at or after from and
// can be held at now. The rows are streamed; fn runs while they arrive.
func (s *Store) ScanBookable(ctx context.Context, from, now time.Time, fn func(rdv.Slot) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return mapError(fmt.Errorf("scan bookable: %w", err))
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT `+slotColumns+` FROM slots s
		WHERE s.start_at >= $1 AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= $2))`, from, now)
	if err != nil {
		return mapError(fmt.Errorf("scan bookable: %w", err))
	}
	defer rows.Close()
	var x slotScan
	dest := x.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return mapError(fmt.Errorf("scan bookable: %w", err))
		}
		if err := fn(x.slot()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return mapError(fmt.Errorf("scan bookable: %w", err))
	}
	return nil
}

// Hold returns a hold by ID.
func (s *Store) Hold(ctx context.Context, id string) (rdv.Hold, error) {
	var h rdv.Hold
	err := s.withConn(ctx, "hold", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT id, slot_id, client_key, expires_at FROM holds WHERE id = $1`, id).
			Scan(&h.ID, &h.SlotID, &h.ClientKey, &h.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "hold %s", id)
		}
		h.ExpiresAt = h.ExpiresAt.UTC()
		return err
	})
	return h, err
}

func toServices(codes []string) []rdv.Service {
	out := make([]rdv.Service, len(codes))
	for i, c := range codes {
		out[i] = rdv.Service(c)
	}
	return out
}

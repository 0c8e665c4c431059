package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

var _ rdv.RequestStore = (*Store)(nil)

const requestColumns = `id, reference, first_name, last_name, birth_date, health_number, phone, email, language,
	service, place, lat, lon, radius_km, availability, child, urgent, status, received_at`

// AddRequest stores an appointment request once: its Reference, chosen
// when it was received, makes a replayed request a no-op that returns the
// stored one.
func (s *Store) AddRequest(ctx context.Context, r rdv.AppointmentRequest) (rdv.AppointmentRequest, error) {
	r, err := r.Storable()
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	var out rdv.AppointmentRequest
	err = s.inTx(ctx, "add request "+r.Reference, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO requests (reference, first_name, last_name, birth_date, health_number, phone, email, language,
			service, place, lat, lon, radius_km, availability, child, urgent, status, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (reference) DO NOTHING`,
			r.Reference, r.FirstName, r.LastName, dateValue(r.BirthDate), r.HealthNumber, r.Phone, r.Email, r.Language,
			string(r.Service), r.Place, r.Lat, r.Lon, r.RadiusKm, r.Availability, r.Child, r.Urgent,
			string(r.Status), r.ReceivedAt.UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		out, err = scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1`, r.Reference))
		return err
	})
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	return out, nil
}

// Requests lists requests with a status ("" for all), oldest first.
func (s *Store) Requests(ctx context.Context, status rdv.RequestStatus, limit int) ([]rdv.AppointmentRequest, error) {
	if limit <= 0 {
		limit = rdv.DefaultRequestLimit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests
		WHERE $1 = '' OR status = $1 ORDER BY received_at, id LIMIT $2`, string(status), limit)
	if err != nil {
		return nil, mapError(fmt.Errorf("list requests: %w", err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, mapError(fmt.Errorf("list requests: %w", err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(fmt.Errorf("list requests: %w", err))
	}
	return out, nil
}

func scanRequest(row pgx.Row) (rdv.AppointmentRequest, error) {
	var r rdv.AppointmentRequest
	var birth, received time.Time
	var service, status string
	err := row.Scan(&r.ID, &r.Reference, &r.FirstName, &r.LastName, &birth, &r.HealthNumber, &r.Phone, &r.Email, &r.Language,
		&service, &r.Place, &r.Lat, &r.Lon, &r.RadiusKm, &r.Availability, &r.Child, &r.Urgent, &status, &received)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, rdv.Errorf(rdv.ENOTFOUND, "request not found")
	}
	if err != nil {
		return r, err
	}
	r.BirthDate = rdv.Date{Year: birth.Year(), Month: birth.Month(), Day: birth.Day()}
	r.Service, r.Status, r.ReceivedAt = rdv.Service(service), rdv.RequestStatus(status), received.UTC()
	return r, nil
}

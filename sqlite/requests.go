package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	err = s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`INSERT INTO requests (reference, first_name, last_name, birth_date, health_number, phone, email, language,
			service, place, lat, lon, radius_km, availability, child, urgent, status, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING`,
			r.Reference, r.FirstName, r.LastName, r.BirthDate.String(), r.HealthNumber, r.Phone, r.Email, r.Language,
			string(r.Service), r.Place, r.Lat, r.Lon, r.RadiusKm, r.Availability, r.Child, r.Urgent,
			string(r.Status), millis(r.ReceivedAt))
		if err != nil {
			return mapError(err)
		}
		out, err = scanRequest(tx.row(`SELECT `+requestColumns+` FROM requests WHERE reference = ?`, r.Reference))
		return err
	}})
	if err != nil {
		return rdv.AppointmentRequest{}, fmt.Errorf("add request %s: %w", r.Reference, err)
	}
	return out, nil
}

// Requests lists requests with a status ("" for all), oldest first.
func (s *Store) Requests(ctx context.Context, status rdv.RequestStatus, limit int) ([]rdv.AppointmentRequest, error) {
	if limit <= 0 {
		limit = rdv.DefaultRequestLimit
	}
	rows, err := s.r(ctx).query(`SELECT `+requestColumns+` FROM requests
		WHERE ? = '' OR status = ? ORDER BY received_at, id LIMIT ?`, string(status), string(status), limit)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list requests: %w", mapError(err))
	}
	return out, nil
}

func scanRequest(sc interface{ Scan(...any) error }) (rdv.AppointmentRequest, error) {
	var r rdv.AppointmentRequest
	var birth, service, status string
	var received int64
	err := sc.Scan(&r.ID, &r.Reference, &r.FirstName, &r.LastName, &birth, &r.HealthNumber, &r.Phone, &r.Email, &r.Language,
		&service, &r.Place, &r.Lat, &r.Lon, &r.RadiusKm, &r.Availability, &r.Child, &r.Urgent, &status, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return r, rdv.Errorf(rdv.ENOTFOUND, "request not found")
	}
	if err != nil {
		return r, mapError(err)
	}
	if r.BirthDate, err = rdv.ParseDate(birth); err != nil {
		return r, fmt.Errorf("request %s: %w", r.Reference, err)
	}
	r.Service, r.Status, r.ReceivedAt = rdv.Service(service), rdv.RequestStatus(status), fromMillis(received)
	return r, nil
}

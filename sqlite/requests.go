package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

const requestColumns = `id, reference, first_name, last_name, birth_date, health_number, phone, email, language,
	service, place, lat, lon, radius_km, availability, child, urgent, status, received_at,
	coalesce(appointment_id, 0), close_reason, close_note, handled_by, handled_at,
	from_at, until_at, weekdays, times, practitioner_language, scope, account_id, person_id, token_hash,
	coalesce(moves_appointment_id, 0), clinic_id, practitioner_id`

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
		moves, err := checkMoveAdded(tx, r)
		if err != nil {
			return err
		}
		res, err := tx.exec(`INSERT INTO requests (reference, first_name, last_name, birth_date, health_number, phone, email, language,
			service, place, lat, lon, radius_km, availability, child, urgent, status, received_at,
			from_at, until_at, weekdays, times, practitioner_language, scope, account_id, person_id, token_hash,
			moves_appointment_id, clinic_id, practitioner_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING`,
			r.Reference, tx.keys.Seal(r.FirstName), tx.keys.Seal(r.LastName), tx.keys.Seal(r.BirthDate.String()), tx.keys.Seal(r.HealthNumber),
			tx.keys.Seal(r.Phone), tx.keys.Seal(r.Email), r.Language,
			string(r.Service), r.Place, r.Lat, r.Lon, r.RadiusKm, r.Availability, r.Child, r.Urgent,
			string(r.Status), millis(r.ReceivedAt),
			optMillis(r.From), optMillis(r.To), int(r.Weekdays), r.Times, r.PractitionerLanguage, string(r.Scope), r.AccountID, r.PersonID, r.TokenHash,
			nullID(r.MovesAppointment), r.ClinicID, r.PractitionerID)
		if err != nil {
			if r.IsMove() && isUnique(err) {
				return rdv.ErrWaitlisted(r.MovesAppointment)
			}
			return mapError(err)
		}
		added, err := res.RowsAffected()
		if err != nil {
			return mapError(err)
		}
		if out, err = scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE reference = ?`, r.Reference)); err != nil {
			return err
		}
		if added == 0 {
			return nil // a replay: nothing changed
		}
		tx.auditChange(ctx, rdv.AuditRequestFile, rdv.RequestRecords(out).With(moves), r.FiledAt())
		if r.Fee != nil {
			// Stored with its fee or not at all: the matcher never sees
			// a request that pays before its fee is recorded.
			_, err = authorizeCharge(tx, r.Fee.Authorization(out.ID))
		}
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
		r, err := scanRequest(s.keys, rows)
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

// Request returns one request, or ENOTFOUND.
func (s *Store) Request(ctx context.Context, id int64) (rdv.AppointmentRequest, error) {
	r, err := scanRequest(s.keys, s.r(ctx).row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	if err != nil {
		return rdv.AppointmentRequest{}, fmt.Errorf("read request %d: %w", id, err)
	}
	return r, nil
}

// CloseRequest ends an open request without a booking.
func (s *Store) CloseRequest(ctx context.Context, in rdv.CloseRequestInput) (rdv.AppointmentRequest, error) {
	if err := in.Validate(); err != nil {
		return rdv.AppointmentRequest{}, err
	}
	var out rdv.AppointmentRequest
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE requests SET status = 'closed', close_reason = ?, close_note = ?, handled_by = ?, handled_at = ?
			WHERE id = ? AND status = 'open'`, string(in.Reason), in.Note, in.By, millis(in.Now), in.ID)
		if err != nil {
			return mapError(err)
		}
		if err := requestEnded(tx, res, in.ID); err != nil {
			return err
		}
		if err := releaseFee(tx, in.ID, in.Now); err != nil {
			return err
		}
		out, err = scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, in.ID))
		tx.auditChange(ctx, rdv.AuditRequestClose, rdv.AuditRecords{Requests: []int64{in.ID}}, in.Now)
		return err
	}})
	if err != nil {
		return rdv.AppointmentRequest{}, fmt.Errorf("close request %d: %w", in.ID, err)
	}
	return out, nil
}

// bookRequest marks request id booked with appointment apptID, inside the
// booking's transaction; 0 is no request. A request that is not open
// fails the booking.
func bookRequest(tx *wtx, id, apptID int64, now time.Time) error {
	if id == 0 {
		return nil
	}
	res, err := tx.exec(`UPDATE requests SET status = 'booked', appointment_id = ?, handled_at = ?
		WHERE id = ? AND status = 'open'`, apptID, millis(now), id)
	if err != nil {
		return fmt.Errorf("mark request %d booked: %w", id, mapError(err))
	}
	if err := requestEnded(tx, res, id); err != nil {
		return err
	}
	// Booked by an agent, not by a proposal the person accepted: the fee
	// is released, not taken.
	return releaseFee(tx, id, now)
}

// requestEnded checks that an update ended request id: ENOTFOUND when
// there is no such request, ErrRequestNotOpen when it had ended already.
func requestEnded(tx *wtx, res sql.Result, id int64) error {
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var one int
	if err := tx.row(`SELECT 1 FROM requests WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return rdv.Errorf(rdv.ENOTFOUND, "request %d", id)
	} else if err != nil {
		return mapError(err)
	}
	return rdv.ErrRequestNotOpen(id)
}

// optMillis is an instant as the requests table keeps it: 0 for none.
func optMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

func scanRequest(k *fieldcrypt.Keys, sc interface{ Scan(...any) error }) (rdv.AppointmentRequest, error) {
	var r rdv.AppointmentRequest
	var birth, service, status, reason, scope string
	var received, handled, from, until int64
	var weekdays int
	err := sc.Scan(&r.ID, &r.Reference, opened(k, &r.FirstName), opened(k, &r.LastName), opened(k, &birth), opened(k, &r.HealthNumber),
		opened(k, &r.Phone), opened(k, &r.Email), &r.Language,
		&service, &r.Place, &r.Lat, &r.Lon, &r.RadiusKm, &r.Availability, &r.Child, &r.Urgent, &status, &received,
		&r.AppointmentID, &reason, &r.CloseNote, &r.HandledBy, &handled,
		&from, &until, &weekdays, &r.Times, &r.PractitionerLanguage, &scope, &r.AccountID, &r.PersonID, &r.TokenHash,
		&r.MovesAppointment, &r.ClinicID, &r.PractitionerID)
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
	r.CloseReason = rdv.CloseReason(reason)
	r.Weekdays, r.Scope = uint8(weekdays), rdv.RequestScope(scope) // #nosec G115 -- a mask of 7 weekdays that rdv wrote
	if from != 0 {
		r.From = fromMillis(from)
	}
	if until != 0 {
		r.To = fromMillis(until)
	}
	if handled != 0 {
		r.HandledAt = fromMillis(handled)
	}
	return r, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	err = s.inTx(ctx, "add request "+r.Reference, func(tx pgx.Tx) error {
		moves, err := checkMoveAdded(ctx, tx, r)
		if err != nil {
			return err
		}
		k := keysOf(tx)
		tag, err := tx.Exec(ctx, `INSERT INTO requests (reference, first_name, last_name, birth_date, health_number, phone, email, language,
			service, place, lat, lon, radius_km, availability, child, urgent, status, received_at,
			from_at, until_at, weekdays, times, practitioner_language, scope, account_id, person_id, token_hash,
			moves_appointment_id, clinic_id, practitioner_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
				$19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30) ON CONFLICT (reference) DO NOTHING`,
			r.Reference, k.Seal(r.FirstName), k.Seal(r.LastName), k.Seal(r.BirthDate.String()), k.Seal(r.HealthNumber), k.Seal(r.Phone), k.Seal(r.Email), r.Language,
			string(r.Service), r.Place, r.Lat, r.Lon, r.RadiusKm, r.Availability, r.Child, r.Urgent,
			string(r.Status), r.ReceivedAt.UTC().Truncate(time.Microsecond),
			optTime(r.From), optTime(r.To), int16(r.Weekdays), r.Times, r.PractitionerLanguage, string(r.Scope), r.AccountID, r.PersonID, r.TokenHash,
			nullID(r.MovesAppointment), r.ClinicID, r.PractitionerID)
		if err != nil {
			if r.IsMove() && isUnique(err) {
				return rdv.ErrWaitlisted(r.MovesAppointment)
			}
			return err
		}
		if out, err = scanRequest(keysOf(tx), tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1`, r.Reference)); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // a replay: nothing changed
		}
		if r.Fee != nil {
			// Stored with its fee or not at all: the matcher never sees
			// a request that pays before its fee is recorded.
			fee := r.Fee.Authorization(out.ID)
			fee.Now = dbTime(fee.Now)
			if _, err := authorizeCharge(ctx, tx, fee); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditRequestFile, rdv.RequestRecords(out).With(moves), r.FiledAt()))
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
		r, err := scanRequest(s.opts.Keys, rows)
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

// Request returns one request, or ENOTFOUND.
func (s *Store) Request(ctx context.Context, id int64) (rdv.AppointmentRequest, error) {
	r, err := scanRequest(s.opts.Keys, s.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if err != nil {
		return rdv.AppointmentRequest{}, mapError(fmt.Errorf("read request %d: %w", id, err))
	}
	return r, nil
}

// CloseRequest ends an open request without a booking.
func (s *Store) CloseRequest(ctx context.Context, in rdv.CloseRequestInput) (rdv.AppointmentRequest, error) {
	if err := in.Validate(); err != nil {
		return rdv.AppointmentRequest{}, err
	}
	var out rdv.AppointmentRequest
	err := s.inTx(ctx, fmt.Sprintf("close request %d", in.ID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE requests SET status = 'closed', close_reason = $1, close_note = $2, handled_by = $3, handled_at = $4
			WHERE id = $5 AND status = 'open'`, string(in.Reason), in.Note, in.By, dbTime(in.Now), in.ID)
		if err != nil {
			return err
		}
		if err := requestEnded(ctx, tx, tag.RowsAffected(), in.ID); err != nil {
			return err
		}
		if err := releaseFee(ctx, tx, in.ID, in.Now); err != nil {
			return err
		}
		if out, err = scanRequest(keysOf(tx), tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, in.ID)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditRequestClose, rdv.AuditRecords{Requests: []int64{in.ID}}, in.Now))
	})
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	return out, nil
}

// bookRequest marks request id booked with appointment apptID, inside the
// booking's transaction; 0 is no request. A request that is not open
// fails the booking.
func bookRequest(ctx context.Context, tx pgx.Tx, id, apptID int64, now time.Time) error {
	if id == 0 {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE requests SET status = 'booked', appointment_id = $1, handled_at = $2
		WHERE id = $3 AND status = 'open'`, apptID, now, id)
	if err != nil {
		return fmt.Errorf("mark request %d booked: %w", id, err)
	}
	if err := requestEnded(ctx, tx, tag.RowsAffected(), id); err != nil {
		return err
	}
	// Booked by an agent, not by a proposal the person accepted: the fee
	// is released, not taken.
	return releaseFee(ctx, tx, id, now)
}

// requestEnded checks that an update ended request id: ENOTFOUND when
// there is no such request, ErrRequestNotOpen when it had ended already.
func requestEnded(ctx context.Context, tx pgx.Tx, updated, id int64) error {
	if updated == 1 {
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM requests WHERE id = $1`, id).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return rdv.Errorf(rdv.ENOTFOUND, "request %d", id)
	case err != nil:
		return fmt.Errorf("read request %d: %w", id, err)
	}
	return rdv.ErrRequestNotOpen(id)
}

// optTime is an instant as the requests table keeps it: NULL for none.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = dbTime(t)
	return &t
}

func scanRequest(k *fieldcrypt.Keys, row pgx.Row) (rdv.AppointmentRequest, error) {
	var r rdv.AppointmentRequest
	var received time.Time
	var birth string
	var handled, from, until *time.Time
	var service, status, reason, scope string
	var weekdays int16
	err := row.Scan(&r.ID, &r.Reference, opened(k, &r.FirstName), opened(k, &r.LastName), opened(k, &birth), opened(k, &r.HealthNumber),
		opened(k, &r.Phone), opened(k, &r.Email), &r.Language,
		&service, &r.Place, &r.Lat, &r.Lon, &r.RadiusKm, &r.Availability, &r.Child, &r.Urgent, &status, &received,
		&r.AppointmentID, &reason, &r.CloseNote, &r.HandledBy, &handled,
		&from, &until, &weekdays, &r.Times, &r.PractitionerLanguage, &scope, &r.AccountID, &r.PersonID, &r.TokenHash,
		&r.MovesAppointment, &r.ClinicID, &r.PractitionerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, rdv.Errorf(rdv.ENOTFOUND, "request not found")
	}
	if err != nil {
		return r, err
	}
	if r.BirthDate, err = dateText(birth); err != nil {
		return r, fmt.Errorf("request %s: %w", r.Reference, err)
	}
	r.Service, r.Status, r.ReceivedAt = rdv.Service(service), rdv.RequestStatus(status), received.UTC()
	r.CloseReason = rdv.CloseReason(reason)
	r.Weekdays, r.Scope = uint8(weekdays), rdv.RequestScope(scope) // #nosec G115 -- a mask of 7 weekdays that rdv wrote
	if from != nil {
		r.From = from.UTC()
	}
	if until != nil {
		r.To = until.UTC()
	}
	if handled != nil {
		r.HandledAt = handled.UTC()
	}
	return r, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

const patientColumns = `id, first_name, last_name, birth_date, health_number, phone, email, language, guardian_id`

// patientScan holds the destinations of patientColumns; every field is a
// pointer so that the same scan serves a guardian that may be absent.
type patientScan struct {
	id                                          *int64
	firstName, lastName, phone, email, language *string
	healthNumber                                *string
	birth                                       *time.Time
	guardianID                                  *int64
}

func (x *patientScan) dest() []any {
	return []any{&x.id, &x.firstName, &x.lastName, &x.birth, &x.healthNumber, &x.phone, &x.email, &x.language, &x.guardianID}
}

func (x *patientScan) patient() *rdv.Patient {
	if x.id == nil {
		return nil
	}
	p := &rdv.Patient{ID: *x.id, FirstName: deref(x.firstName), LastName: deref(x.lastName), HealthNumber: deref(x.healthNumber),
		Phone: deref(x.phone), Email: deref(x.email), Language: deref(x.language)}
	if x.birth != nil {
		p.BirthDate = rdv.Date{Year: x.birth.Year(), Month: x.birth.Month(), Day: x.birth.Day()}
	}
	if x.guardianID != nil {
		p.GuardianID = *x.guardianID
	}
	return p
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func dateValue(d rdv.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// readAppointment reads an appointment with its slot, patient and guardian.
// A non-empty tokenHash must match the appointment's.
func readAppointment(ctx context.Context, q querier, id int64, tokenHash string, checkToken bool) (rdv.Appointment, error) {
	var a rdv.Appointment
	var status, bookedBy, channel string
	var sl slotScan
	var p, g patientScan
	dest := append([]any{&a.ID, &status, &bookedBy, &channel, &a.FeeCents, &a.CreatedAt}, sl.dest()...)
	dest = append(append(dest, p.dest()...), g.dest()...)
	err := q.QueryRow(ctx, `SELECT a.id, a.status, a.booked_by, a.channel, a.fee_cents, a.created_at, `+slotColumns+`,
			p.id, p.first_name, p.last_name, p.birth_date, p.health_number, p.phone, p.email, p.language, p.guardian_id,
			g.id, g.first_name, g.last_name, g.birth_date, g.health_number, g.phone, g.email, g.language, g.guardian_id
		FROM appointments a
		JOIN slots s ON s.id = a.slot_id
		JOIN patients p ON p.id = a.patient_id
		LEFT JOIN patients g ON g.id = a.guardian_id
		WHERE a.id = $1 AND (NOT $3 OR (a.cancel_token_hash <> '' AND a.cancel_token_hash = $2))`,
		id, tokenHash, checkToken).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	if err != nil {
		return rdv.Appointment{}, fmt.Errorf("read appointment %d: %w", id, err)
	}
	a.Status, a.BookedBy, a.Channel = rdv.AppointmentStatus(status), rdv.BookedBy(bookedBy), rdv.Channel(channel)
	a.CreatedAt = a.CreatedAt.UTC()
	a.Slot = sl.slot()
	a.Patient = *p.patient()
	a.Guardian = g.patient()
	return a, nil
}

// Appointment returns an appointment by ID, without its cancel token.
func (s *Store) Appointment(ctx context.Context, id int64) (rdv.Appointment, error) {
	var a rdv.Appointment
	err := s.withConn(ctx, "appointment", func(c *pgx.Conn) error {
		var err error
		a, err = readAppointment(ctx, c, id, "", false)
		return err
	})
	return a, err
}

// AppointmentByToken returns the appointment only if tokenHash is the hash
// of its cancel token.
func (s *Store) AppointmentByToken(ctx context.Context, id int64, tokenHash string) (rdv.Appointment, error) {
	var a rdv.Appointment
	err := s.withConn(ctx, "appointment by token", func(c *pgx.Conn) error {
		var err error
		a, err = readAppointment(ctx, c, id, tokenHash, true)
		return err
	})
	return a, err
}

// upsertPatient returns the patient with r's health number, writing it when
// it is new: the same health number is the same patient. A guardian given
// now is linked; an existing link is kept otherwise.
func upsertPatient(ctx context.Context, tx pgx.Tx, p rdv.Patient, guardianID int64) (rdv.Patient, error) {
	var x patientScan
	err := tx.QueryRow(ctx, `INSERT INTO patients (first_name, last_name, birth_date, health_number, phone, email, language, guardian_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (health_number) DO UPDATE SET guardian_id = COALESCE(EXCLUDED.guardian_id, patients.guardian_id)
		RETURNING `+patientColumns,
		p.FirstName, p.LastName, dateValue(p.BirthDate), nullText(p.HealthNumber), p.Phone, p.Email, p.Language, nullID(guardianID)).Scan(x.dest()...)
	if err != nil {
		return rdv.Patient{}, fmt.Errorf("write patient: %w", err)
	}
	return *x.patient(), nil
}

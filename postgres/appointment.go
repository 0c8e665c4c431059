package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// peopleColumns are the people of appointment a as its booking gave them,
// with the health numbers of the patient rows p and g it is filed under
// (peopleJoins). Nothing else is read from a patient row: a stored
// patient's details never stand for what a booking said.
const peopleColumns = `a.patient_id, a.first_name, a.last_name, a.birth_date, p.health_number, a.phone, a.email, a.language, a.guardian_id,
	a.guardian_first_name, a.guardian_last_name, a.guardian_birth_date, g.health_number, a.guardian_phone, a.guardian_email, a.guardian_language,
	a.guardian_relationship, a.card`

const peopleJoins = ` LEFT JOIN patients p ON p.id = a.patient_id LEFT JOIN patients g ON g.id = a.guardian_id`

// peopleScan holds the destinations of peopleColumns; every field is a
// pointer so that the same scan serves the agenda's slots without an
// appointment and appointments without a guardian.
type peopleScan struct {
	id, guardianID            *int64
	language, gLang           *string
	patientScan, guardianScan rdv.Patient // the sealed columns, opened
	birth, guardianBirth      string
	relationship, card        *string
}

func (x *peopleScan) dest(k *fieldcrypt.Keys) []any {
	p, g := &x.patientScan, &x.guardianScan
	return []any{&x.id, opened(k, &p.FirstName), opened(k, &p.LastName), opened(k, &x.birth), opened(k, &p.HealthNumber),
		opened(k, &p.Phone), opened(k, &p.Email), &x.language, &x.guardianID,
		opened(k, &g.FirstName), opened(k, &g.LastName), opened(k, &x.guardianBirth), opened(k, &g.HealthNumber),
		opened(k, &g.Phone), opened(k, &g.Email), &x.gLang, &x.relationship, &x.card}
}

// fill sets the appointment's people, the guardian's relationship and the
// card it was booked with.
func (x *peopleScan) fill(a *rdv.Appointment) error {
	a.Patient, a.Card, a.Relationship = x.patientScan, rdv.Card(deref(x.card)), ""
	a.Patient.ID, a.Patient.Language, a.Patient.GuardianID = deref(x.id), deref(x.language), deref(x.guardianID)
	var err error
	if a.Patient.BirthDate, err = dateText(x.birth); err != nil {
		return fmt.Errorf("birth date of appointment %d: %w", a.ID, err)
	}
	a.Guardian = nil
	if x.guardianID == nil {
		return nil
	}
	g := x.guardianScan
	g.ID, g.Language = *x.guardianID, deref(x.gLang)
	if g.BirthDate, err = dateText(x.guardianBirth); err != nil {
		return fmt.Errorf("guardian's birth date of appointment %d: %w", a.ID, err)
	}
	a.Guardian, a.Relationship = &g, rdv.Relationship(deref(x.relationship))
	return nil
}

// dateText reads a date as the patient columns keep it: "" for none.
func dateText(s string) (rdv.Date, error) {
	if s == "" {
		return rdv.Date{}, nil
	}
	return rdv.ParseDate(s)
}

// birthText is a date as the patient columns keep it, before sealing.
func birthText(d rdv.Date) string {
	if d == (rdv.Date{}) {
		return ""
	}
	return d.String()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// readAppointment reads an appointment with its slot, patient and guardian.
// A non-empty tokenHash must match the appointment's.
func readAppointment(ctx context.Context, q querier, k *fieldcrypt.Keys, id int64, tokenHash string, checkToken bool) (rdv.Appointment, error) {
	var a rdv.Appointment
	var status, bookedBy, channel string
	var sl slotScan
	var people peopleScan
	dest := append(append([]any{&a.ID, &status, &bookedBy, &channel, &a.FeeCents, &a.CreatedAt, &a.Revision,
		&a.Notify.Email, &a.Notify.SMS, &a.AccountID}, sl.dest()...), people.dest(k)...)
	err := q.QueryRow(ctx, `SELECT a.id, a.status, a.booked_by, a.channel, a.fee_cents, a.created_at, a.revision,
			a.notify_email, a.notify_sms, coalesce(a.account_id, 0), `+slotColumns+`, `+peopleColumns+`
		FROM appointments a
		JOIN slots s ON s.id = a.slot_id`+peopleJoins+`
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
	if err := people.fill(&a); err != nil {
		return rdv.Appointment{}, fmt.Errorf("read appointment %d: %w", id, err)
	}
	return a, nil
}

// Patient returns a patient's record as stored.
func (s *Store) Patient(ctx context.Context, id int64) (rdv.Patient, error) {
	var p rdv.Patient
	err := s.withConn(ctx, "patient", func(c *pgx.Conn) error {
		var guardian *int64
		var birth string // none for a guardian who gave none
		k := s.opts.Keys
		err := c.QueryRow(ctx, `SELECT id, first_name, last_name, birth_date, health_number, phone, email, language, guardian_id
			FROM patients WHERE id = $1`, id).Scan(&p.ID, opened(k, &p.FirstName), opened(k, &p.LastName), opened(k, &birth),
			opened(k, &p.HealthNumber), opened(k, &p.Phone), opened(k, &p.Email), &p.Language, &guardian)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "patient %d", id)
		}
		if err != nil {
			return fmt.Errorf("read patient %d: %w", id, err)
		}
		p.GuardianID = deref(guardian)
		if p.BirthDate, err = dateText(birth); err != nil {
			return fmt.Errorf("read patient %d: %w", id, err)
		}
		return nil
	})
	return p, err
}

// Appointment returns an appointment by ID, without its cancel token.
func (s *Store) Appointment(ctx context.Context, id int64) (rdv.Appointment, error) {
	var a rdv.Appointment
	err := s.withConn(ctx, "appointment", func(c *pgx.Conn) error {
		var err error
		a, err = readAppointment(ctx, c, s.opts.Keys, id, "", false)
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
		a, err = readAppointment(ctx, c, s.opts.Keys, id, tokenHash, true)
		return err
	})
	return a, err
}

// findOrAddPatient returns the ID of the patient with p's health number,
// adding the patient with p's details when the number is new. A patient
// found is left exactly as stored: a booking never changes anyone's
// identity, contact details or guardian (the booking's details live on
// the appointment). Two bookings that add the same new number at once
// meet on the unique index: the second finds the first's row.
func findOrAddPatient(ctx context.Context, tx pgx.Tx, p rdv.Patient) (int64, error) {
	const find = `SELECT id FROM patients WHERE health_index = $1`
	var id int64
	k := keysOf(tx)
	index := k.Index(fieldcrypt.KindHealthNumber, p.HealthNumber)
	if p.HealthNumber == "" {
		// Without a number (a walk-in seen without a card, a newborn on
		// the parent's card, a guardian who gave none) a person gets a
		// row of their own that no look-up ever finds: a name alone never
		// files a booking under someone else.
		err := tx.QueryRow(ctx, `INSERT INTO patients (first_name, last_name, birth_date, health_number, phone, email, language, guardian_id)
			VALUES ($1, $2, $3, NULL, $4, $5, $6, $7) RETURNING id`,
			k.Seal(p.FirstName), k.Seal(p.LastName), nullText(k.Seal(birthText(p.BirthDate))), k.Seal(p.Phone), k.Seal(p.Email), p.Language,
			nullID(p.GuardianID)).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("add patient without a number: %w", err)
		}
		return id, nil
	}
	err := tx.QueryRow(ctx, find, index).Scan(&id)
	switch {
	case err == nil:
		return id, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return 0, fmt.Errorf("find patient: %w", err)
	}
	err = tx.QueryRow(ctx, `INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language, guardian_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (health_index) DO NOTHING RETURNING id`,
		k.Seal(p.FirstName), k.Seal(p.LastName), nullText(k.Seal(birthText(p.BirthDate))), nullText(k.Seal(p.HealthNumber)), index,
		k.Seal(p.Phone), k.Seal(p.Email), p.Language, nullID(p.GuardianID)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// Added by a booking that committed since the look-up: this
		// statement's snapshot is newer and sees it.
		err = tx.QueryRow(ctx, find, index).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("add patient: %w", err)
	}
	return id, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// rosterColumns are an entry of roster r with its patient p's identity,
// as stored.
const rosterColumns = `r.clinic_id, r.patient_id, p.first_name, p.last_name, p.birth_date, coalesce(p.health_number, ''), coalesce(r.added_by, 0), r.added_at`

func scanRosterEntry(k *fieldcrypt.Keys, r pgx.Row) (rdv.RosterEntry, error) {
	var e rdv.RosterEntry
	var birth string // a guardian's row may have none
	if err := r.Scan(&e.ClinicID, &e.PatientID, opened(k, &e.FirstName), opened(k, &e.LastName), opened(k, &birth), opened(k, &e.HealthNumber),
		&e.AddedBy, &e.AddedAt); err != nil {
		return rdv.RosterEntry{}, err
	}
	var err error
	if e.BirthDate, err = dateText(birth); err != nil {
		return rdv.RosterEntry{}, fmt.Errorf("patient %d: %w", e.PatientID, err)
	}
	e.AddedAt = e.AddedAt.UTC()
	return e, nil
}

// AddToRoster registers a patient with a clinic, finding the patient by
// health number or adding them as bookings do: a patient found is never
// changed. It returns the entry as Roster lists it; registering twice
// changes nothing and returns the first registration. e.AddedAt is the
// time of the write (zero: the clock's).
func (s *Store) AddToRoster(ctx context.Context, e rdv.RosterEntry) (rdv.RosterEntry, error) {
	if e.AddedAt.IsZero() {
		e.AddedAt = time.Now()
	}
	if err := e.Validate(rdv.DateOf(e.AddedAt)); err != nil {
		return rdv.RosterEntry{}, fmt.Errorf("add to roster: %w", err)
	}
	var out rdv.RosterEntry
	err := s.inTx(ctx, fmt.Sprintf("add to roster of clinic %d", e.ClinicID), func(tx pgx.Tx) error {
		if err := clinicExists(ctx, tx, e.ClinicID); err != nil {
			return err
		}
		id, err := findOrAddPatient(ctx, tx, rdv.Patient{FirstName: e.FirstName, LastName: e.LastName, BirthDate: e.BirthDate,
			HealthNumber: e.HealthNumber, Language: "fr"})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO roster (clinic_id, patient_id, added_by, added_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (clinic_id, patient_id) DO NOTHING`, e.ClinicID, id, nullID(e.AddedBy), dbTime(e.AddedAt)); err != nil {
			return fmt.Errorf("insert entry: %w", err)
		}
		out, err = scanRosterEntry(keysOf(tx), tx.QueryRow(ctx, `SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
			WHERE r.clinic_id = $1 AND r.patient_id = $2`, e.ClinicID, id))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditRosterChange, rdv.AuditRecords{Patients: []int64{id}}, e.AddedAt))
	})
	if err != nil {
		return rdv.RosterEntry{}, err
	}
	return out, nil
}

// RemoveFromRoster ends a patient's registration with a clinic; a patient
// not registered there is ENOTFOUND.
func (s *Store) RemoveFromRoster(ctx context.Context, clinicID, patientID int64) error {
	return s.inTx(ctx, fmt.Sprintf("remove patient %d from roster of clinic %d", patientID, clinicID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM roster WHERE clinic_id = $1 AND patient_id = $2`, clinicID, patientID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "patient %d on the roster", patientID)
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditRosterChange, rdv.AuditRecords{Patients: []int64{patientID}}, time.Now()))
	})
}

// Roster lists a clinic's registered patients by name (rdv.SortRoster:
// names are sealed, so they sort once opened, not in SQL).
func (s *Store) Roster(ctx context.Context, clinicID int64) ([]rdv.RosterEntry, error) {
	out, err := s.rosterEntries(ctx, fmt.Sprintf("roster of clinic %d", clinicID), `r.clinic_id = $1`, clinicID)
	rdv.SortRoster(out)
	return out, err
}

// RosteredClinics returns, by ID, the clinics where one of these people
// is registered: the entries of their health numbers, kept when the
// patient registered is the person (rdv.RosteredAmong).
func (s *Store) RosteredClinics(ctx context.Context, people []rdv.Person) ([]int64, error) {
	indexes := []string{}
	for _, hn := range rdv.HealthNumbersOf(people) {
		indexes = append(indexes, s.opts.Keys.Index(fieldcrypt.KindHealthNumber, hn))
	}
	entries, err := s.rosterEntries(ctx, "rostered clinics", `p.health_index = ANY($1::text[]) ORDER BY r.clinic_id`, indexes)
	if err != nil {
		return nil, err
	}
	return rdv.RosteredAmong(entries, people), nil
}

// rosterEntries reads the roster entries, with their patients, that
// where (a condition and an order) selects.
func (s *Store) rosterEntries(ctx context.Context, what, where string, args ...any) ([]rdv.RosterEntry, error) {
	var out []rdv.RosterEntry
	err := s.withConn(ctx, what, func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
			WHERE `+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanRosterEntry(s.opts.Keys, rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

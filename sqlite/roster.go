package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// rosterColumns are an entry of roster r with its patient p's identity,
// as stored.
const rosterColumns = `r.clinic_id, r.patient_id, p.first_name, p.last_name, p.birth_date, coalesce(p.health_number, ''), coalesce(r.added_by, 0), r.added_at`

func scanRosterEntry(k *fieldcrypt.Keys, sc scanner) (rdv.RosterEntry, error) {
	var e rdv.RosterEntry
	var birth string
	var added int64
	if err := sc.Scan(&e.ClinicID, &e.PatientID, opened(k, &e.FirstName), opened(k, &e.LastName), opened(k, &birth), opened(k, &e.HealthNumber),
		&e.AddedBy, &added); err != nil {
		return rdv.RosterEntry{}, err
	}
	if birth != "" { // a guardian's row may have none
		var err error
		if e.BirthDate, err = rdv.ParseDate(birth); err != nil {
			return rdv.RosterEntry{}, fmt.Errorf("patient %d: %w", e.PatientID, err)
		}
	}
	e.AddedAt = fromMillis(added)
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
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var n int
		if err := tx.row(`SELECT count(*) FROM clinics WHERE id = ?`, e.ClinicID).Scan(&n); err != nil {
			return mapError(err)
		}
		if n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "clinic %d", e.ClinicID)
		}
		id, err := findOrAddPatient(tx, rdv.Patient{FirstName: e.FirstName, LastName: e.LastName, BirthDate: e.BirthDate,
			HealthNumber: e.HealthNumber, Language: "fr"})
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO roster (clinic_id, patient_id, added_by, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (clinic_id, patient_id) DO NOTHING`, e.ClinicID, id, nullID(e.AddedBy), millis(e.AddedAt)); err != nil {
			return fmt.Errorf("insert entry: %w", mapError(err))
		}
		out, err = scanRosterEntry(tx.keys, tx.row(`SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
			WHERE r.clinic_id = ? AND r.patient_id = ?`, e.ClinicID, id))
		tx.auditChange(ctx, rdv.AuditRosterChange, rdv.AuditRecords{Patients: []int64{id}}, e.AddedAt)
		return mapError(err)
	}})
	if err != nil {
		return rdv.RosterEntry{}, fmt.Errorf("add to roster of clinic %d: %w", e.ClinicID, err)
	}
	return out, nil
}

// RemoveFromRoster ends a patient's registration with a clinic; a patient
// not registered there is ENOTFOUND.
func (s *Store) RemoveFromRoster(ctx context.Context, clinicID, patientID int64) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM roster WHERE clinic_id = ? AND patient_id = ?`, clinicID, patientID)
		if err != nil {
			return mapError(err)
		}
		tx.auditChange(ctx, rdv.AuditRosterChange, rdv.AuditRecords{Patients: []int64{patientID}}, time.Now())
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "patient %d on the roster", patientID)
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("remove patient %d from roster of clinic %d: %w", patientID, clinicID, err)
	}
	return nil
}

// Roster lists a clinic's registered patients by name (rdv.SortRoster:
// names are sealed, so they sort once opened, not in SQL).
func (s *Store) Roster(ctx context.Context, clinicID int64) ([]rdv.RosterEntry, error) {
	rows, err := s.r(ctx).query(`SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
		WHERE r.clinic_id = ?`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("roster of clinic %d: %w", clinicID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.RosterEntry
	for rows.Next() {
		e, err := scanRosterEntry(s.keys, rows)
		if err != nil {
			return nil, fmt.Errorf("roster of clinic %d: %w", clinicID, mapError(err))
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roster of clinic %d: %w", clinicID, mapError(err))
	}
	rdv.SortRoster(out)
	return out, nil
}

// RosteredClinics returns, by ID, the clinics where one of these people
// is registered: the entries of their health numbers, kept when the
// patient registered is the person (rdv.RosteredAmong).
func (s *Store) RosteredClinics(ctx context.Context, people []rdv.Person) ([]int64, error) {
	indexes := []string{}
	for _, hn := range rdv.HealthNumbersOf(people) {
		indexes = append(indexes, s.keys.Index(fieldcrypt.KindHealthNumber, hn))
	}
	list, err := json.Marshal(indexes)
	if err != nil {
		return nil, fmt.Errorf("rostered clinics: %w", err)
	}
	rows, err := s.r(ctx).query(`SELECT `+rosterColumns+` FROM roster r JOIN patients p ON p.id = r.patient_id
		WHERE p.health_index IN (SELECT value FROM json_each(?)) ORDER BY r.clinic_id`, string(list))
	if err != nil {
		return nil, fmt.Errorf("rostered clinics: %w", mapError(err))
	}
	defer rows.Close()
	var entries []rdv.RosterEntry
	for rows.Next() {
		e, err := scanRosterEntry(s.keys, rows)
		if err != nil {
			return nil, fmt.Errorf("rostered clinics: %w", mapError(err))
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rostered clinics: %w", mapError(err))
	}
	return rdv.RosteredAmong(entries, people), nil
}

package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

func (s *Store) r(ctx context.Context) rtx { return rtx{ctx: ctx, stmts: s.reads, keys: s.keys} }

// Empty reports whether no network has been loaded.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var any bool
	if err := s.r(ctx).row(`SELECT EXISTS (SELECT 1 FROM clinics)`).Scan(&any); err != nil {
		return false, fmt.Errorf("is the store empty: %w", mapError(err))
	}
	return !any, nil
}

// Clinics returns every clinic by ID.
func (s *Store) Clinics(ctx context.Context) ([]rdv.Clinic, error) {
	rows, err := s.r(ctx).query(`SELECT id, name, address, city, lat, lon, phone, services, languages, time_zone FROM clinics ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read clinics: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.Clinic
	for rows.Next() {
		var c rdv.Clinic
		var services, languages []byte
		if err := rows.Scan(&c.ID, &c.Name, &c.Address, &c.City, &c.Lat, &c.Lon, &c.Phone, &services, &languages, &c.TimeZone); err != nil {
			return nil, fmt.Errorf("read clinics: %w", err)
		}
		if err := unmarshalAll(services, &c.Services, languages, &c.Languages); err != nil {
			return nil, fmt.Errorf("read clinic %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read clinics: %w", mapError(err))
	}
	return out, nil
}

// Practitioners returns every practitioner by ID.
func (s *Store) Practitioners(ctx context.Context) ([]rdv.Practitioner, error) {
	rows, err := s.r(ctx).query(`SELECT id, clinic_id, name, services, languages, accepts_new FROM practitioners ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read practitioners: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.Practitioner
	for rows.Next() {
		var p rdv.Practitioner
		var services, languages []byte
		if err := rows.Scan(&p.ID, &p.ClinicID, &p.Name, &services, &languages, &p.AcceptsNew); err != nil {
			return nil, fmt.Errorf("read practitioners: %w", err)
		}
		if err := unmarshalAll(services, &p.Services, languages, &p.Languages); err != nil {
			return nil, fmt.Errorf("read practitioner %d: %w", p.ID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read practitioners: %w", mapError(err))
	}
	return out, nil
}

// Plans returns the working plans of a clinic by ID (of every clinic when
// clinicID is 0).
func (s *Store) Plans(ctx context.Context, clinicID int64) ([]rdv.WorkingPlan, error) {
	rows, err := s.r(ctx).query(`SELECT id, practitioner_id, clinic_id, blocks, exceptions FROM plans
		WHERE ?1 = 0 OR clinic_id = ?1 ORDER BY id`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("read plans of clinic %d: %w", clinicID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.WorkingPlan
	for rows.Next() {
		var p rdv.WorkingPlan
		var blocks, exceptions []byte
		if err := rows.Scan(&p.ID, &p.PractitionerID, &p.ClinicID, &blocks, &exceptions); err != nil {
			return nil, fmt.Errorf("read plans of clinic %d: %w", clinicID, err)
		}
		if err := unmarshalAll(blocks, &p.Blocks, exceptions, &p.Exceptions); err != nil {
			return nil, fmt.Errorf("read plan %d: %w", p.ID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read plans of clinic %d: %w", clinicID, mapError(err))
	}
	return out, nil
}

// unmarshalAll decodes pairs of (JSON, destination).
func unmarshalAll(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := json.Unmarshal(pairs[i].([]byte), pairs[i+1]); err != nil {
			return fmt.Errorf("decode JSON column: %w", err)
		}
	}
	return nil
}

const slotColumns = `id, clinic_id, practitioner_id, service, start_utc, end_utc, audience, state, coalesce(hold_id, ''), hold_expires`

// slotColumnsOf is slotColumns qualified by a table alias.
func slotColumnsOf(alias string) string {
	a := alias + "."
	return a + "id, " + a + "clinic_id, " + a + "practitioner_id, " + a + "service, " + a + "start_utc, " + a + "end_utc, " +
		a + "audience, " + a + "state, coalesce(" + a + "hold_id, ''), " + a + "hold_expires"
}

type scanner interface{ Scan(dest ...any) error }

// scanPlus scans a row of slot columns followed by more columns into
// extra (one pointer, or a []any of pointers).
type scanPlus struct {
	sc    scanner
	extra any
}

func (s scanPlus) Scan(dest ...any) error {
	if more, ok := s.extra.([]any); ok {
		return s.sc.Scan(append(dest, more...)...)
	}
	return s.sc.Scan(append(dest, s.extra)...)
}

func scanSlot(sc scanner) (rdv.Slot, error) {
	var s rdv.Slot
	var start, end, holdExpires int64
	if err := sc.Scan(&s.ID, &s.ClinicID, &s.PractitionerID, &s.Service, &start, &end, &s.Audience, &s.State, &s.HoldID, &holdExpires); err != nil {
		return rdv.Slot{}, err
	}
	s.Start = time.Unix(start, 0).UTC()
	s.End = time.Unix(end, 0).UTC()
	if s.State == rdv.SlotHeld {
		s.HoldExpires = fromMillis(holdExpires)
	}
	return s, nil
}

// slotScanner scans slots from rows without allocating for the columns
// that take a few known values: a scan of a million slots otherwise spends
// its time making and collecting three small strings a row.
type slotScanner struct {
	service, audience, state, holdID sql.RawBytes
}

func (sc *slotScanner) scan(rows *sql.Rows) (rdv.Slot, error) {
	var s rdv.Slot
	var start, end, holdExpires int64
	if err := rows.Scan(&s.ID, &s.ClinicID, &s.PractitionerID, &sc.service, &start, &end, &sc.audience, &sc.state, &sc.holdID, &holdExpires); err != nil {
		return rdv.Slot{}, err
	}
	s.Service = rdv.Service(intern(sc.service))
	s.Audience = rdv.Audience(intern(sc.audience))
	s.State = rdv.SlotState(intern(sc.state))
	s.HoldID = string(sc.holdID)
	s.Start = time.Unix(start, 0).UTC()
	s.End = time.Unix(end, 0).UTC()
	if s.State == rdv.SlotHeld {
		s.HoldExpires = fromMillis(holdExpires)
	}
	return s, nil
}

// interned holds the codes that slots repeat.
var interned = func() map[string]string {
	m := map[string]string{}
	for _, v := range rdv.Services {
		m[string(v)] = string(v)
	}
	for _, v := range []string{string(rdv.Public), string(rdv.Rostered), string(rdv.SlotFree), string(rdv.SlotHeld), string(rdv.SlotBooked), string(rdv.SlotBlocked)} {
		m[v] = v
	}
	return m
}()

// intern returns a known code without allocating, any other as a copy.
func intern(b []byte) string {
	if s, ok := interned[string(b)]; ok { // the lookup does not allocate
		return s
	}
	return string(b)
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// optionalMillis is millis for an instant that may be none: 0 for the zero
// time.
func optionalMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

// getSlot reads one slot; a missing slot is ENOTFOUND.
func getSlot(q querier, id int64) (rdv.Slot, error) {
	s, err := scanSlot(q.row(`SELECT `+slotColumns+` FROM slots WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rdv.Slot{}, rdv.Errorf(rdv.ENOTFOUND, "slot %d", id)
	}
	if err != nil {
		return rdv.Slot{}, fmt.Errorf("read slot %d: %w", id, mapError(err))
	}
	return s, nil
}

// Slot returns one slot.
func (s *Store) Slot(ctx context.Context, id int64) (rdv.Slot, error) {
	return getSlot(s.r(ctx), id)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// holdRow is a hold with the status the domain type leaves out.
type holdRow struct {
	rdv.Hold
	Status string
}

func getHold(q querier, id string) (holdRow, error) {
	var h holdRow
	var expires int64
	err := q.row(`SELECT id, slot_id, client_key, expires_at, status FROM holds WHERE id = ?`, id).
		Scan(&h.ID, &h.SlotID, &h.ClientKey, &expires, &h.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return holdRow{}, rdv.Errorf(rdv.ENOTFOUND, "hold %s", id)
	}
	if err != nil {
		return holdRow{}, fmt.Errorf("read hold %s: %w", id, mapError(err))
	}
	h.ExpiresAt = fromMillis(expires)
	return h, nil
}

// Hold returns one hold, whatever its status.
func (s *Store) Hold(ctx context.Context, id string) (rdv.Hold, error) {
	h, err := getHold(s.r(ctx), id)
	return h.Hold, err
}

// Patient returns a patient's record as stored.
func (s *Store) Patient(ctx context.Context, id int64) (rdv.Patient, error) {
	var p rdv.Patient
	var birth string
	k := s.keys
	err := s.r(ctx).row(`SELECT id, first_name, last_name, birth_date, coalesce(health_number, ''), phone, email, language, coalesce(guardian_id, 0)
		FROM patients WHERE id = ?`, id).Scan(&p.ID, opened(k, &p.FirstName), opened(k, &p.LastName), opened(k, &birth),
		opened(k, &p.HealthNumber), opened(k, &p.Phone), opened(k, &p.Email), &p.Language, &p.GuardianID)
	if isNoRows(err) {
		return rdv.Patient{}, rdv.Errorf(rdv.ENOTFOUND, "patient %d", id)
	}
	if err != nil {
		return rdv.Patient{}, fmt.Errorf("read patient %d: %w", id, mapError(err))
	}
	if birth == "" {
		return p, nil // a guardian who gave no birth date
	}
	if p.BirthDate, err = rdv.ParseDate(birth); err != nil {
		return rdv.Patient{}, fmt.Errorf("read patient %d: %w", id, err)
	}
	return p, nil
}

// peopleColumns are the people of appointment a as its booking gave them,
// with the health numbers of the patient rows p and g it is filed under
// (peopleJoins). Nothing else is read from a patient row: a stored
// patient's details never stand for what a booking said. Every column is
// coalesced so that the agenda's slots without an appointment scan too.
const peopleColumns = `coalesce(a.patient_id, 0), coalesce(a.first_name, ''), coalesce(a.last_name, ''), coalesce(a.birth_date, ''),
	coalesce(p.health_number, ''), coalesce(a.phone, ''), coalesce(a.email, ''), coalesce(a.language, ''), coalesce(a.guardian_id, 0),
	coalesce(a.guardian_first_name, ''), coalesce(a.guardian_last_name, ''), coalesce(a.guardian_birth_date, ''),
	coalesce(g.health_number, ''), coalesce(a.guardian_phone, ''), coalesce(a.guardian_email, ''), coalesce(a.guardian_language, ''),
	coalesce(a.guardian_relationship, ''), coalesce(a.card, '')`

const peopleJoins = ` LEFT JOIN patients p ON p.id = a.patient_id LEFT JOIN patients g ON g.id = a.guardian_id`

// peopleScan holds the destinations of peopleColumns.
type peopleScan struct {
	patient, guardian    rdv.Patient
	birth, guardianBirth string
	relationship, card   string
}

func (x *peopleScan) dest(k *fieldcrypt.Keys) []any {
	p, g := &x.patient, &x.guardian
	return []any{&p.ID, opened(k, &p.FirstName), opened(k, &p.LastName), opened(k, &x.birth), opened(k, &p.HealthNumber),
		opened(k, &p.Phone), opened(k, &p.Email), &p.Language, &p.GuardianID,
		opened(k, &g.FirstName), opened(k, &g.LastName), opened(k, &x.guardianBirth), opened(k, &g.HealthNumber),
		opened(k, &g.Phone), opened(k, &g.Email), &g.Language, &x.relationship, &x.card}
}

// fill sets the appointment's patient and guardian from the scan.
func (x *peopleScan) fill(a *rdv.Appointment) error {
	var err error
	a.Patient = x.patient
	// A removed patient's appointment keeps no birth date (CloseAccount).
	if x.birth != "" {
		if a.Patient.BirthDate, err = rdv.ParseDate(x.birth); err != nil {
			return fmt.Errorf("birth date of appointment %d: %w", a.ID, err)
		}
	}
	a.Guardian, a.Relationship, a.Card = nil, "", rdv.Card(x.card)
	if a.Patient.GuardianID != 0 {
		a.Relationship = rdv.Relationship(x.relationship)
		g := x.guardian
		g.ID = a.Patient.GuardianID
		if x.guardianBirth != "" {
			if g.BirthDate, err = rdv.ParseDate(x.guardianBirth); err != nil {
				return fmt.Errorf("guardian's birth date of appointment %d: %w", a.ID, err)
			}
		}
		a.Guardian = &g
	}
	return nil
}

// getAppointment reads an appointment with its slot and its people as
// the booking gave them, and the hash of its cancel token.
func getAppointment(q querier, id int64) (rdv.Appointment, string, error) {
	var a rdv.Appointment
	var slotID, created int64
	var hash string
	var people peopleScan
	err := q.row(`SELECT a.id, a.slot_id, a.status, a.booked_by, a.channel, a.fee_cents, a.cancel_token_hash, a.created_at, a.revision,
			a.notify_email, a.notify_sms, coalesce(a.account_id, 0), `+peopleColumns+`
		FROM appointments a`+peopleJoins+` WHERE a.id = ?`, id).
		Scan(append([]any{&a.ID, &slotID, &a.Status, &a.BookedBy, &a.Channel, &a.FeeCents, &hash, &created, &a.Revision,
			&a.Notify.Email, &a.Notify.SMS, &a.AccountID}, people.dest(q.crypt())...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return rdv.Appointment{}, "", rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	if err != nil {
		return rdv.Appointment{}, "", fmt.Errorf("read appointment %d: %w", id, mapError(err))
	}
	a.CreatedAt = fromMillis(created)
	if err := people.fill(&a); err != nil {
		return rdv.Appointment{}, "", fmt.Errorf("read appointment %d: %w", id, err)
	}
	if a.Slot, err = getSlot(q, slotID); err != nil {
		return rdv.Appointment{}, "", fmt.Errorf("read appointment %d: %w", id, err)
	}
	return a, hash, nil
}

// Appointment returns one appointment, without its cancel token.
func (s *Store) Appointment(ctx context.Context, id int64) (rdv.Appointment, error) {
	a, _, err := getAppointment(s.r(ctx), id)
	return a, err
}

// AppointmentByToken returns the appointment only to the holder of its
// token, and ENOTFOUND otherwise, so that IDs cannot be probed.
func (s *Store) AppointmentByToken(ctx context.Context, id int64, tokenHash string) (rdv.Appointment, error) {
	a, hash, err := getAppointment(s.r(ctx), id)
	if err != nil {
		return rdv.Appointment{}, err
	}
	if !tokenMatches(hash, tokenHash) {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	return a, nil
}

// tokenMatches compares hashes in constant time. An appointment without a
// token (one written by the network load) matches nothing.
func tokenMatches(stored, given string) bool {
	return stored != "" && subtle.ConstantTimeCompare([]byte(stored), []byte(given)) == 1
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

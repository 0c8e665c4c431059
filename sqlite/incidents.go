package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"rdv"
)

// DeclareIncident records an outage and, in the same transaction, writes
// an outage notice per chosen channel for every appointment booked in its
// window at its clinics. Under an idempotency key it declares once: a
// retry answers with the first incident and writes nothing.
func (s *Store) DeclareIncident(ctx context.Context, in rdv.Incident) (rdv.Incident, error) {
	if err := in.Validate(); err != nil {
		return rdv.Incident{}, fmt.Errorf("declare incident: %w", err)
	}
	key := in.Idem
	in.ID, in.Notified, in.Idem = 0, 0, nil
	in.From, in.To, in.DeclaredAt = fromMillis(millis(in.From)), fromMillis(millis(in.To)), fromMillis(millis(in.DeclaredAt))
	var out rdv.Incident
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := idempotent(tx, key, in.DeclaredAt, &out, func() (err error) {
			out, err = declareIncident(ctx, tx, in)
			return err
		})
		return err
	}})
	if err != nil {
		return rdv.Incident{}, fmt.Errorf("declare incident: %w", err)
	}
	return out, nil
}

func declareIncident(ctx context.Context, tx *wtx, in rdv.Incident) (rdv.Incident, error) {
	clinics := make([]string, len(in.ClinicIDs))
	for i, id := range in.ClinicIDs {
		clinics[i] = strconv.FormatInt(id, 10)
	}
	if err := tx.row(`INSERT INTO incidents (clinic_ids, starts_at, ends_at, text_fr, text_en, declared_by, declared_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		strings.Join(clinics, ","), millis(in.From), millis(in.To), in.TextFR, in.TextEN, nullID(in.DeclaredBy), millis(in.DeclaredAt)).Scan(&in.ID); err != nil {
		return rdv.Incident{}, fmt.Errorf("write incident: %w", mapError(err))
	}
	touched, err := bookedIn(tx, in)
	if err != nil {
		return rdv.Incident{}, err
	}
	var notices []rdv.Message
	for _, a := range touched {
		for _, m := range a.Notices(rdv.MessageOutage, "", in.DeclaredAt, in.DeclaredAt) {
			m.IncidentID = in.ID
			notices = append(notices, m)
		}
	}
	if err := insertMessages(tx, notices); err != nil {
		return rdv.Incident{}, err
	}
	in.Notified = len(notices)
	if _, err := tx.exec(`UPDATE incidents SET notified = ? WHERE id = ?`, in.Notified, in.ID); err != nil {
		return rdv.Incident{}, fmt.Errorf("count notices of incident %d: %w", in.ID, mapError(err))
	}
	if len(touched) > 0 {
		tx.auditChange(ctx, rdv.AuditIncidentNotify, rdv.AppointmentRecords(touched...), in.DeclaredAt)
	}
	return in, nil
}

// bookedIn reads what the notices of an incident need of every booked
// appointment whose slot starts in its window at its clinics: who to tell
// and how they chose to hear. DeclareIncident reads them in its write,
// IncidentReach on the read pool.
func bookedIn(tx querier, in rdv.Incident) ([]rdv.Appointment, error) {
	list := []byte("[]") // every clinic
	if len(in.ClinicIDs) > 0 {
		var err error
		if list, err = json.Marshal(in.ClinicIDs); err != nil {
			return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, err)
		}
	}
	// Slot instants are whole seconds: [From, To) is [ceil From, ceil To).
	rows, err := tx.query(`SELECT a.id, a.patient_id, a.revision, a.notify_email, a.notify_sms, a.email, a.phone, a.language,
			coalesce(a.guardian_id, 0), a.guardian_email, a.guardian_phone, a.guardian_language
		FROM slots s JOIN appointments a ON a.slot_id = s.id AND a.status = 'booked'
		WHERE s.start_utc >= ?1 AND s.start_utc < ?2
		  AND (?3 = '[]' OR s.clinic_id IN (SELECT value FROM json_each(?3)))
		ORDER BY a.id`, ceilUnix(in.From), ceilUnix(in.To), string(list))
	if err != nil {
		return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Appointment
	for rows.Next() {
		var a rdv.Appointment
		var g rdv.Patient
		k := tx.crypt()
		if err := rows.Scan(&a.ID, &a.Patient.ID, &a.Revision, &a.Notify.Email, &a.Notify.SMS, opened(k, &a.Patient.Email), opened(k, &a.Patient.Phone), &a.Patient.Language,
			&g.ID, opened(k, &g.Email), opened(k, &g.Phone), &g.Language); err != nil {
			return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, mapError(err))
		}
		if g.ID != 0 {
			a.Guardian = &g
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, mapError(err))
	}
	return out, nil
}

// Incidents lists the incidents declared, newest first.
func (s *Store) Incidents(ctx context.Context) ([]rdv.Incident, error) {
	rows, err := s.r(ctx).query(`SELECT id, clinic_ids, starts_at, ends_at, text_fr, text_en, coalesce(declared_by, 0), declared_at, notified
		FROM incidents ORDER BY declared_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.Incident
	for rows.Next() {
		var in rdv.Incident
		var clinics string
		var from, to, declared int64
		if err := rows.Scan(&in.ID, &clinics, &from, &to, &in.TextFR, &in.TextEN, &in.DeclaredBy, &declared, &in.Notified); err != nil {
			return nil, fmt.Errorf("list incidents: %w", mapError(err))
		}
		in.From, in.To, in.DeclaredAt = fromMillis(from), fromMillis(to), fromMillis(declared)
		for c := range strings.SplitSeq(clinics, ",") {
			if c == "" {
				continue
			}
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("incident %d: clinic %q: %w", in.ID, c, err)
			}
			in.ClinicIDs = append(in.ClinicIDs, id)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list incidents: %w", mapError(err))
	}
	return out, nil
}

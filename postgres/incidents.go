package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	in.From, in.To, in.DeclaredAt = dbTime(in.From), dbTime(in.To), dbTime(in.DeclaredAt)
	clinics := in.ClinicIDs
	if clinics == nil {
		clinics = []int64{} // every clinic; the column holds no NULL
	}
	out, _, err := idempotentTx(ctx, s, "declare incident", key, in.DeclaredAt, func(tx pgx.Tx, _ *rdv.SlotChanges) (rdv.Incident, error) {
		out := in
		if err := tx.QueryRow(ctx, `INSERT INTO incidents (clinic_ids, starts_at, ends_at, text_fr, text_en, declared_by, declared_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			clinics, in.From, in.To, in.TextFR, in.TextEN, nullID(in.DeclaredBy), in.DeclaredAt).Scan(&out.ID); err != nil {
			return rdv.Incident{}, fmt.Errorf("write incident: %w", err)
		}
		touched, err := bookedIn(ctx, tx, out, clinics)
		if err != nil {
			return rdv.Incident{}, err
		}
		var notices []rdv.Message
		for _, a := range touched {
			for _, m := range a.Notices(rdv.MessageOutage, "", in.DeclaredAt, in.DeclaredAt) {
				m.IncidentID = out.ID
				notices = append(notices, m)
			}
		}
		if err := insertMessages(ctx, tx, notices); err != nil {
			return rdv.Incident{}, err
		}
		out.Notified = len(notices)
		if _, err := tx.Exec(ctx, `UPDATE incidents SET notified = $2 WHERE id = $1`, out.ID, out.Notified); err != nil {
			return rdv.Incident{}, fmt.Errorf("count notices of incident %d: %w", out.ID, err)
		}
		if len(touched) > 0 {
			if err := appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditIncidentNotify, rdv.AppointmentRecords(touched...), in.DeclaredAt)); err != nil {
				return rdv.Incident{}, err
			}
		}
		return out, nil
	})
	if err != nil {
		return rdv.Incident{}, err
	}
	return out, nil
}

// bookedIn reads what the notices of an incident need of every booked
// appointment whose slot starts in its window at its clinics: who to tell
// and how they chose to hear.
func bookedIn(ctx context.Context, tx pgx.Tx, in rdv.Incident, clinics []int64) ([]rdv.Appointment, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.patient_id, a.revision, a.notify_email, a.notify_sms, a.email, a.phone, a.language,
			a.guardian_id, a.guardian_email, a.guardian_phone, a.guardian_language
		FROM slots s JOIN appointments a ON a.slot_id = s.id AND a.status = 'booked'
		WHERE s.start_at >= $1 AND s.start_at < $2 AND (cardinality($3::bigint[]) = 0 OR s.clinic_id = ANY($3))
		ORDER BY a.id`, in.From, in.To, clinics)
	if err != nil {
		return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, err)
	}
	defer rows.Close()
	var out []rdv.Appointment
	for rows.Next() {
		var a rdv.Appointment
		var g rdv.Patient
		var guardianID *int64
		k := keysOf(tx)
		if err := rows.Scan(&a.ID, &a.Patient.ID, &a.Revision, &a.Notify.Email, &a.Notify.SMS, opened(k, &a.Patient.Email), opened(k, &a.Patient.Phone), &a.Patient.Language,
			&guardianID, opened(k, &g.Email), opened(k, &g.Phone), &g.Language); err != nil {
			return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, err)
		}
		if guardianID != nil {
			g.ID = *guardianID
			a.Guardian = &g
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointments of incident %d: %w", in.ID, err)
	}
	return out, nil
}

// Incidents lists the incidents declared, newest first.
func (s *Store) Incidents(ctx context.Context) ([]rdv.Incident, error) {
	var out []rdv.Incident
	err := s.withConn(ctx, "incidents", func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT id, clinic_ids, starts_at, ends_at, text_fr, text_en, coalesce(declared_by, 0), declared_at, notified
			FROM incidents ORDER BY declared_at DESC, id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var in rdv.Incident
			if err := rows.Scan(&in.ID, &in.ClinicIDs, &in.From, &in.To, &in.TextFR, &in.TextEN, &in.DeclaredBy, &in.DeclaredAt, &in.Notified); err != nil {
				return err
			}
			if len(in.ClinicIDs) == 0 {
				in.ClinicIDs = nil
			}
			in.From, in.To, in.DeclaredAt = in.From.UTC(), in.To.UTC(), in.DeclaredAt.UTC()
			out = append(out, in)
		}
		return rows.Err()
	})
	return out, err
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// insertEventSQL writes the webhook event of a change only when its
// clinic has a live endpoint that wants it: one probe of the index of
// live endpoints by clinic, in the statement that writes it.
const insertEventSQL = `INSERT INTO webhook_events (type, clinic_id, appointment_id, practitioner_id, service, start_at, end_at,
		previous_start, previous_end, status, occurred_at)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
	WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.clinic_id = $2 AND e.removed_at IS NULL AND $1 = ANY(e.events))`

// eventArgs are the arguments of insertEventSQL.
func eventArgs(e rdv.AppointmentEvent) []any {
	return []any{string(e.Type), e.ClinicID, e.AppointmentID, e.PractitionerID, string(e.Service), dbTime(e.Start), dbTime(e.End),
		nullTime(e.PreviousStart), nullTime(e.PreviousEnd), string(e.Status), dbTime(e.OccurredAt)}
}

// insertEvent writes the webhook event of a change in its transaction.
func insertEvent(ctx context.Context, tx pgx.Tx, e rdv.AppointmentEvent) error {
	if _, err := tx.Exec(ctx, insertEventSQL, eventArgs(e)...); err != nil {
		return fmt.Errorf("write %s event: %w", e.Type, err)
	}
	return nil
}

// nullTime is an instant that may be none.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return dbTime(t)
}

func eventNames(ts []rdv.EventType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// AddWebhookEndpoint stores a validated endpoint.
func (s *Store) AddWebhookEndpoint(ctx context.Context, e rdv.WebhookEndpoint) (rdv.WebhookEndpoint, error) {
	if err := e.Validate(); err != nil {
		return rdv.WebhookEndpoint{}, fmt.Errorf("add webhook endpoint: %w", err)
	}
	e.CreatedAt = dbTime(e.CreatedAt)
	err := s.inTx(ctx, fmt.Sprintf("add webhook endpoint of clinic %d", e.ClinicID), func(tx pgx.Tx) error {
		if err := clinicExists(ctx, tx, e.ClinicID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (clinic_id, url, events, secret, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.ClinicID, e.URL, eventNames(e.Events), s.opts.Keys.Seal(e.Secret), nullID(e.CreatedBy), e.CreatedAt).Scan(&e.ID)
	})
	if err != nil {
		return rdv.WebhookEndpoint{}, err
	}
	return e, nil
}

const endpointColumns = `e.id, e.clinic_id, e.url, e.events, e.secret, coalesce(e.created_by, 0), e.created_at, e.removed_at`

func scanEndpoint(r pgx.Row) (rdv.WebhookEndpoint, error) {
	var e rdv.WebhookEndpoint
	var events []string
	var removed *time.Time
	if err := r.Scan(&e.ID, &e.ClinicID, &e.URL, &events, &e.Secret, &e.CreatedBy, &e.CreatedAt, &removed); err != nil {
		return rdv.WebhookEndpoint{}, err
	}
	for _, t := range events {
		e.Events = append(e.Events, rdv.EventType(t))
	}
	e.CreatedAt = e.CreatedAt.UTC()
	if removed != nil {
		e.RemovedAt = removed.UTC()
	}
	return e, nil
}

// WebhookEndpoints lists a clinic's live endpoints without their secrets.
func (s *Store) WebhookEndpoints(ctx context.Context, clinicID int64) ([]rdv.WebhookEndpoint, error) {
	var out []rdv.WebhookEndpoint
	err := s.withConn(ctx, fmt.Sprintf("webhook endpoints of clinic %d", clinicID), func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e
			WHERE e.clinic_id = $1 AND e.removed_at IS NULL ORDER BY e.id`, clinicID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEndpoint(rows)
			if err != nil {
				return err
			}
			e.Secret = ""
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// RemoveWebhookEndpoint removes a live endpoint of the clinic and gives
// up its deliveries not yet made.
func (s *Store) RemoveWebhookEndpoint(ctx context.Context, clinicID, id int64, now time.Time) error {
	return s.inTx(ctx, fmt.Sprintf("remove webhook endpoint %d of clinic %d", id, clinicID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET removed_at = $1 WHERE id = $2 AND clinic_id = $3 AND removed_at IS NULL`,
			dbTime(now), id, clinicID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "webhook endpoint %d", id)
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint removed'
			WHERE endpoint_id = $1 AND status IN ('pending', 'retrying')`, id)
		return err
	})
}

// FanOutWebhookEvents makes the deliveries of up to limit events. The
// events are locked and skipped by another instance fanning out at the
// same time.
func (s *Store) FanOutWebhookEvents(ctx context.Context, limit int) (int, error) {
	var n int
	err := s.inTx(ctx, "fan out webhook events", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `WITH taken AS (
				SELECT id FROM webhook_events WHERE NOT fanned_out ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED),
			marked AS (
				UPDATE webhook_events ev SET fanned_out = true FROM taken WHERE ev.id = taken.id
				RETURNING ev.id, ev.clinic_id, ev.type, ev.occurred_at),
			made AS (
				INSERT INTO webhook_deliveries (event_id, endpoint_id, created_at)
				SELECT m.id, e.id, m.occurred_at FROM marked m JOIN webhook_endpoints e
					ON e.clinic_id = m.clinic_id AND e.removed_at IS NULL AND m.type = ANY(e.events)
				ORDER BY m.id, e.id
				ON CONFLICT (event_id, endpoint_id) DO NOTHING)
			SELECT id FROM marked`, limit)
		n = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// deliveryColumns are a delivery d with its event ev and endpoint e.
const deliveryColumns = `d.id, d.endpoint_id, d.status, d.attempts, d.last_code, d.last_error, d.created_at, d.last_attempt,
	ev.id, ev.type, ev.clinic_id, ev.appointment_id, ev.practitioner_id, ev.service, ev.start_at, ev.end_at,
	ev.previous_start, ev.previous_end, ev.status, ev.occurred_at, ` + endpointColumns

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id`

func scanDelivery(r pgx.Row) (rdv.WebhookDelivery, error) {
	var d rdv.WebhookDelivery
	var last, prevStart, prevEnd, removed *time.Time
	var events []string
	ev, ep := &d.Event, &d.Endpoint
	if err := r.Scan(&d.ID, &d.EndpointID, &d.Status, &d.Attempts, &d.LastCode, &d.LastError, &d.CreatedAt, &last,
		&ev.ID, &ev.Type, &ev.ClinicID, &ev.AppointmentID, &ev.PractitionerID, &ev.Service, &ev.Start, &ev.End,
		&prevStart, &prevEnd, &ev.Status, &ev.OccurredAt,
		&ep.ID, &ep.ClinicID, &ep.URL, &events, &ep.Secret, &ep.CreatedBy, &ep.CreatedAt, &removed); err != nil {
		return rdv.WebhookDelivery{}, err
	}
	d.CreatedAt, ev.Start, ev.End, ev.OccurredAt, ep.CreatedAt = d.CreatedAt.UTC(), ev.Start.UTC(), ev.End.UTC(), ev.OccurredAt.UTC(), ep.CreatedAt.UTC()
	if last != nil {
		d.LastAttempt = last.UTC()
	}
	if prevStart != nil && prevEnd != nil {
		ev.PreviousStart, ev.PreviousEnd = prevStart.UTC(), prevEnd.UTC()
	}
	if removed != nil {
		ep.RemovedAt = removed.UTC()
	}
	for _, t := range events {
		ep.Events = append(ep.Events, rdv.EventType(t))
	}
	return d, nil
}

func (s *Store) readDeliveries(ctx context.Context, what, where string, args ...any) ([]rdv.WebhookDelivery, error) {
	var out []rdv.WebhookDelivery
	err := s.withConn(ctx, what, func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, `SELECT `+deliveryColumns+deliveryFrom+` WHERE `+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			d.Endpoint.Secret = ""
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// UnqueuedWebhookDeliveries returns pending deliveries without a job.
func (s *Store) UnqueuedWebhookDeliveries(ctx context.Context, limit int) ([]rdv.WebhookDelivery, error) {
	return s.readDeliveries(ctx, "unqueued webhook deliveries", `NOT d.queued ORDER BY d.id LIMIT $1`, limit)
}

// MarkWebhookDeliveriesQueued records that jobs exist for these.
func (s *Store) MarkWebhookDeliveriesQueued(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.inTx(ctx, "mark webhook deliveries queued", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET queued = true WHERE id = ANY($1)`, ids)
		return err
	})
}

// WebhookDelivery returns a delivery with its endpoint's secret.
func (s *Store) WebhookDelivery(ctx context.Context, id int64) (rdv.WebhookDelivery, error) {
	var d rdv.WebhookDelivery
	err := s.withConn(ctx, fmt.Sprintf("webhook delivery %d", id), func(c *pgx.Conn) (err error) {
		d, err = scanDelivery(c.QueryRow(ctx, `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "webhook delivery %d", id)
		}
		return err
	})
	if err != nil {
		return d, err
	}
	if d.Endpoint.Secret, err = s.opts.Keys.Open(d.Endpoint.Secret); err != nil {
		return rdv.WebhookDelivery{}, fmt.Errorf("webhook delivery %d: the endpoint's secret: %w", id, err)
	}
	return d, nil
}

// RecordWebhookAttempt counts an attempt of a delivery still under way.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id int64, a rdv.WebhookAttempt) error {
	return s.inTx(ctx, fmt.Sprintf("record attempt of webhook delivery %d", id), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_code = $2, last_error = $3, last_attempt = $4
			WHERE id = $5 AND status IN ('pending', 'retrying')`, string(a.Status), a.Code, a.Error, dbTime(a.Now), id)
		return err
	})
}

// WebhookDeliveries lists a clinic's deliveries, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, clinicID int64, limit int) ([]rdv.WebhookDelivery, error) {
	limit = min(max(limit, 1), 500)
	return s.readDeliveries(ctx, fmt.Sprintf("webhook deliveries of clinic %d", clinicID),
		`e.clinic_id = $1 ORDER BY d.id DESC LIMIT $2`, clinicID, limit)
}

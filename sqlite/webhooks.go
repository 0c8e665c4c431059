package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"rdv"
)

// queueEvent queues the webhook event of a change in the batch's
// transaction, while some endpoint is live (the writer's flag): the
// batch writes its events in one statement before the commit, keeping
// those whose clinic has an endpoint that wants them.
func (t *wtx) queueEvent(e rdv.AppointmentEvent) {
	if t.webhooks != nil && t.webhooks.Load() {
		t.events = append(t.events, e)
	}
}

// insertEvents writes a batch's events, one statement for all of them,
// keeping only those that a live endpoint of their clinic wants.
func insertEvents(tx *wtx, es []rdv.AppointmentEvent) error {
	if len(es) == 0 {
		return nil
	}
	rows := make([][]any, len(es))
	for i, e := range es {
		rows[i] = []any{string(e.Type), e.ClinicID, e.AppointmentID, e.PractitionerID, string(e.Service), millis(e.Start), millis(e.End),
			optionalMillis(e.PreviousStart), optionalMillis(e.PreviousEnd), string(e.Status), millis(e.OccurredAt)}
	}
	list, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("write webhook events: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO webhook_events (type, clinic_id, appointment_id, practitioner_id, service, start_at, end_at,
			previous_start, previous_end, status, occurred_at)
		SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6,
			j.value->>7, j.value->>8, j.value->>9, j.value->>10
		FROM json_each(?) j
		WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.clinic_id = j.value->>1 AND e.removed_at = 0
			AND instr(e.events, ',' || (j.value->>0) || ',') > 0)
		ORDER BY j.key`, string(list)); err != nil {
		return fmt.Errorf("write %d webhook events: %w", len(es), mapError(err))
	}
	return nil
}

// loadWebhooksFlag sets the writer's flag from the endpoints stored.
func (s *Store) loadWebhooksFlag(ctx context.Context) error {
	var n int
	if err := s.r(ctx).row(`SELECT count(*) FROM webhook_endpoints WHERE removed_at = 0`).Scan(&n); err != nil {
		return fmt.Errorf("count webhook endpoints: %w", mapError(err))
	}
	s.writer.webhooks.Store(n > 0)
	return nil
}

// eventList is how an endpoint's events are stored: between commas, so
// that instr finds one by name alone.
func eventList(ts []rdv.EventType) string {
	var b strings.Builder
	b.WriteByte(',')
	for _, t := range ts {
		b.WriteString(string(t))
		b.WriteByte(',')
	}
	return b.String()
}

func parseEventList(s string) []rdv.EventType {
	var out []rdv.EventType
	for _, t := range strings.Split(strings.Trim(s, ","), ",") {
		if t != "" {
			out = append(out, rdv.EventType(t))
		}
	}
	return out
}

// AddWebhookEndpoint stores a validated endpoint. From its commit on,
// the booking writes write their events.
func (s *Store) AddWebhookEndpoint(ctx context.Context, e rdv.WebhookEndpoint) (rdv.WebhookEndpoint, error) {
	if err := e.Validate(); err != nil {
		return rdv.WebhookEndpoint{}, fmt.Errorf("add webhook endpoint: %w", err)
	}
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		if err := clinicExists(tx, e.ClinicID); err != nil {
			return err
		}
		// Set before the commit: a booking later in this very batch
		// already writes its event.
		s.writer.webhooks.Store(true)
		return mapError(tx.row(`INSERT INTO webhook_endpoints (clinic_id, url, events, secret, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, e.ClinicID, e.URL, eventList(e.Events), tx.keys.Seal(e.Secret), nullID(e.CreatedBy), millis(e.CreatedAt)).Scan(&e.ID))
	}})
	if err != nil {
		return rdv.WebhookEndpoint{}, fmt.Errorf("add webhook endpoint of clinic %d: %w", e.ClinicID, err)
	}
	e.CreatedAt = fromMillis(millis(e.CreatedAt))
	return e, nil
}

// clinicExists is ENOTFOUND for an unknown clinic.
func clinicExists(tx *wtx, id int64) error {
	var n int
	if err := tx.row(`SELECT count(*) FROM clinics WHERE id = ?`, id).Scan(&n); err != nil {
		return mapError(err)
	}
	if n == 0 {
		return rdv.Errorf(rdv.ENOTFOUND, "clinic %d", id)
	}
	return nil
}

const endpointColumns = `e.id, e.clinic_id, e.url, e.events, e.secret, coalesce(e.created_by, 0), e.created_at, e.removed_at`

func scanEndpoint(sc scanner) (rdv.WebhookEndpoint, error) {
	var e rdv.WebhookEndpoint
	var events string
	var created, removed int64
	if err := sc.Scan(&e.ID, &e.ClinicID, &e.URL, &events, &e.Secret, &e.CreatedBy, &created, &removed); err != nil {
		return rdv.WebhookEndpoint{}, err
	}
	e.Events, e.CreatedAt = parseEventList(events), fromMillis(created)
	if removed != 0 {
		e.RemovedAt = fromMillis(removed)
	}
	return e, nil
}

// WebhookEndpoints lists a clinic's live endpoints without their secrets.
func (s *Store) WebhookEndpoints(ctx context.Context, clinicID int64) ([]rdv.WebhookEndpoint, error) {
	rows, err := s.r(ctx).query(`SELECT `+endpointColumns+` FROM webhook_endpoints e
		WHERE e.clinic_id = ? AND e.removed_at = 0 ORDER BY e.id`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints of clinic %d: %w", clinicID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook endpoints of clinic %d: %w", clinicID, mapError(err))
		}
		e.Secret = ""
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

// RemoveWebhookEndpoint removes a live endpoint of the clinic and gives
// up its deliveries not yet made.
func (s *Store) RemoveWebhookEndpoint(ctx context.Context, clinicID, id int64, now time.Time) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE webhook_endpoints SET removed_at = ? WHERE id = ? AND clinic_id = ? AND removed_at = 0`, millis(now), id, clinicID)
		if err != nil {
			return mapError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return rdv.Errorf(rdv.ENOTFOUND, "webhook endpoint %d", id)
		}
		if _, err := tx.exec(`UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint removed'
			WHERE endpoint_id = ? AND status IN ('pending', 'retrying')`, id); err != nil {
			return mapError(err)
		}
		var live int
		if err := tx.row(`SELECT count(*) FROM webhook_endpoints WHERE removed_at = 0`).Scan(&live); err != nil {
			return mapError(err)
		}
		if live == 0 {
			s.writer.webhooks.Store(false)
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("remove webhook endpoint %d of clinic %d: %w", id, clinicID, err)
	}
	return nil
}

// FanOutWebhookEvents makes the deliveries of up to limit events.
func (s *Store) FanOutWebhookEvents(ctx context.Context, limit int) (int, error) {
	var n int
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		rows, err := tx.query(`SELECT id, occurred_at FROM webhook_events WHERE fanned_out = 0 ORDER BY id LIMIT ?`, limit)
		if err != nil {
			return mapError(err)
		}
		type waiting struct{ id, at int64 }
		var ws []waiting
		for rows.Next() {
			var w waiting
			if err := rows.Scan(&w.id, &w.at); err != nil {
				_ = rows.Close()
				return mapError(err)
			}
			ws = append(ws, w)
		}
		if err := rows.Close(); err != nil {
			return mapError(err)
		}
		for _, w := range ws {
			if _, err := tx.exec(`INSERT INTO webhook_deliveries (event_id, endpoint_id, created_at)
				SELECT ev.id, e.id, ev.occurred_at FROM webhook_events ev JOIN webhook_endpoints e
					ON e.clinic_id = ev.clinic_id AND e.removed_at = 0 AND instr(e.events, ',' || ev.type || ',') > 0
				WHERE ev.id = ? ORDER BY e.id
				ON CONFLICT (event_id, endpoint_id) DO NOTHING`, w.id); err != nil {
				return mapError(err)
			}
			if _, err := tx.exec(`UPDATE webhook_events SET fanned_out = 1 WHERE id = ?`, w.id); err != nil {
				return mapError(err)
			}
		}
		n = len(ws)
		return nil
	}})
	if err != nil {
		return 0, fmt.Errorf("fan out webhook events: %w", err)
	}
	return n, nil
}

// deliveryColumns are a delivery d with its event ev and endpoint e.
const deliveryColumns = `d.id, d.endpoint_id, d.status, d.attempts, d.last_code, d.last_error, d.created_at, d.last_attempt,
	ev.id, ev.type, ev.clinic_id, ev.appointment_id, ev.practitioner_id, ev.service, ev.start_at, ev.end_at,
	ev.previous_start, ev.previous_end, ev.status, ev.occurred_at, ` + endpointColumns

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id`

func scanDelivery(sc scanner) (rdv.WebhookDelivery, error) {
	var d rdv.WebhookDelivery
	var created, last, start, end, prevStart, prevEnd, occurred int64
	var events string
	var removed, epCreated int64
	ev, ep := &d.Event, &d.Endpoint
	if err := sc.Scan(&d.ID, &d.EndpointID, &d.Status, &d.Attempts, &d.LastCode, &d.LastError, &created, &last,
		&ev.ID, &ev.Type, &ev.ClinicID, &ev.AppointmentID, &ev.PractitionerID, &ev.Service, &start, &end,
		&prevStart, &prevEnd, &ev.Status, &occurred,
		&ep.ID, &ep.ClinicID, &ep.URL, &events, &ep.Secret, &ep.CreatedBy, &epCreated, &removed); err != nil {
		return rdv.WebhookDelivery{}, err
	}
	d.CreatedAt, ev.Start, ev.End, ev.OccurredAt = fromMillis(created), fromMillis(start), fromMillis(end), fromMillis(occurred)
	if last != 0 {
		d.LastAttempt = fromMillis(last)
	}
	if prevStart != 0 {
		ev.PreviousStart, ev.PreviousEnd = fromMillis(prevStart), fromMillis(prevEnd)
	}
	ep.Events, ep.CreatedAt = parseEventList(events), fromMillis(epCreated)
	if removed != 0 {
		ep.RemovedAt = fromMillis(removed)
	}
	return d, nil
}

func readDeliveries(q querier, query string, args ...any) ([]rdv.WebhookDelivery, error) {
	rows, err := q.query(query, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []rdv.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, mapError(err)
		}
		d.Endpoint.Secret = ""
		out = append(out, d)
	}
	return out, mapError(rows.Err())
}

// UnqueuedWebhookDeliveries returns pending deliveries without a job.
func (s *Store) UnqueuedWebhookDeliveries(ctx context.Context, limit int) ([]rdv.WebhookDelivery, error) {
	out, err := readDeliveries(s.r(ctx), `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.queued = 0 ORDER BY d.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("unqueued webhook deliveries: %w", err)
	}
	return out, nil
}

// MarkWebhookDeliveriesQueued records that jobs exist for these.
func (s *Store) MarkWebhookDeliveriesQueued(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	err = s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`UPDATE webhook_deliveries SET queued = 1 WHERE id IN (SELECT value FROM json_each(?))`, string(list))
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("mark %d webhook deliveries queued: %w", len(ids), err)
	}
	return nil
}

// WebhookDelivery returns a delivery with its endpoint's secret.
func (s *Store) WebhookDelivery(ctx context.Context, id int64) (rdv.WebhookDelivery, error) {
	d, err := scanDelivery(s.r(ctx).row(`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.id = ?`, id))
	if isNoRows(err) {
		return rdv.WebhookDelivery{}, rdv.Errorf(rdv.ENOTFOUND, "webhook delivery %d", id)
	}
	if err != nil {
		return rdv.WebhookDelivery{}, fmt.Errorf("read webhook delivery %d: %w", id, mapError(err))
	}
	if d.Endpoint.Secret, err = s.keys.Open(d.Endpoint.Secret); err != nil {
		return rdv.WebhookDelivery{}, fmt.Errorf("webhook delivery %d: the endpoint's secret: %w", id, err)
	}
	return d, nil
}

// RecordWebhookAttempt counts an attempt of a delivery still under way.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id int64, a rdv.WebhookAttempt) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		_, err := tx.exec(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_code = ?, last_error = ?, last_attempt = ?
			WHERE id = ? AND status IN ('pending', 'retrying')`, string(a.Status), a.Code, a.Error, millis(a.Now), id)
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("record attempt of webhook delivery %d: %w", id, err)
	}
	return nil
}

// WebhookDeliveries lists a clinic's deliveries, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, clinicID int64, limit int) ([]rdv.WebhookDelivery, error) {
	limit = min(max(limit, 1), 500)
	out, err := readDeliveries(s.r(ctx), `SELECT `+deliveryColumns+deliveryFrom+` WHERE e.clinic_id = ? ORDER BY d.id DESC LIMIT ?`, clinicID, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries of clinic %d: %w", clinicID, err)
	}
	return out, nil
}

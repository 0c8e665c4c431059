package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// messageColumns are a message's columns in the order messageScan reads.
const messageColumns = `m.id, m.kind, m.channel, m.destination, m.language, coalesce(m.appointment_id, 0), m.revision,
	coalesce(m.incident_id, 0), m.secret, m.due_at, m.status, m.attempts, m.last_error, m.subject, m.body, m.created_at, m.sent_at, m.reminder_at,
	coalesce(m.proposal_id, '')`

// messageScan holds the destinations of messageColumns; keys open the
// sealed ones.
type messageScan struct {
	keys     *fieldcrypt.Keys
	m        rdv.Message
	kind     string
	ch       string
	status   string
	sentAt   *time.Time
	remindAt *time.Time
}

func (x *messageScan) dest() []any {
	m := &x.m
	k := x.keys
	return []any{&m.ID, &x.kind, &x.ch, opened(k, &m.To), &m.Language, &m.AppointmentID, &m.Revision, &m.IncidentID, opened(k, &m.Secret),
		&m.DueAt, &x.status, &m.Attempts, opened(k, &m.LastError), opened(k, &m.Subject), opened(k, &m.Body), &m.CreatedAt, &x.sentAt, &x.remindAt,
		&m.ProposalID}
}

func (x *messageScan) message() rdv.Message {
	m := x.m
	m.Kind, m.Channel, m.Status = rdv.MessageKind(x.kind), rdv.MessageChannel(x.ch), rdv.MessageStatus(x.status)
	m.DueAt, m.CreatedAt = m.DueAt.UTC(), m.CreatedAt.UTC()
	if x.sentAt != nil {
		m.SentAt = x.sentAt.UTC()
	}
	if x.remindAt != nil {
		m.ReminderAt = x.remindAt.UTC()
	}
	return m
}

// messageColumnArrays are messages as the columns of an insert from unnest:
// one statement writes any number of them. The destinations and secrets
// are sealed, and the destinations' indexes computed.
type messageColumnArrays struct {
	kinds, channels, tos, indexes, langs, secrets []string
	proposals                                     []string // "": none
	appointments, incidents                       []int64
	revisions                                     []int32
	due, created                                  []time.Time
	reminders                                     []*time.Time // nil: none
}

func newMessageColumns(k *fieldcrypt.Keys, ms []rdv.Message) messageColumnArrays {
	n := len(ms)
	c := messageColumnArrays{kinds: make([]string, n), channels: make([]string, n), tos: make([]string, n), indexes: make([]string, n),
		langs: make([]string, n), secrets: make([]string, n), proposals: make([]string, n), appointments: make([]int64, n), incidents: make([]int64, n),
		revisions: make([]int32, n), due: make([]time.Time, n), created: make([]time.Time, n), reminders: make([]*time.Time, n)}
	for i, m := range ms {
		c.kinds[i], c.channels[i], c.langs[i] = string(m.Kind), string(m.Channel), m.Language
		c.tos[i], c.indexes[i], c.secrets[i] = k.Seal(m.To), destinationIndex(k, m.Channel, m.To), k.Seal(m.Secret)
		c.proposals[i] = m.ProposalID
		c.appointments[i], c.incidents[i], c.revisions[i] = m.AppointmentID, m.IncidentID, int32(m.Revision) // #nosec G115 -- an appointment's revision counts its changes, far below 2^31
		c.due[i], c.created[i] = dbTime(m.DueAt), dbTime(m.CreatedAt)
		if !m.ReminderAt.IsZero() {
			t := dbTime(m.ReminderAt)
			c.reminders[i] = &t
		}
	}
	return c
}

// insertMessages writes messages into the outbox, in the transaction of
// the change they tell, in one statement whatever their number.
func insertMessages(ctx context.Context, tx pgx.Tx, ms []rdv.Message) error {
	if len(ms) == 0 {
		return nil
	}
	sql, args := insertMessagesSQL(keysOf(tx), ms)
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("write %d %s messages: %w", len(ms), ms[0].Kind, err)
	}
	return nil
}

// insertMessagesSQL is the statement that writes messages, sealed with k,
// and its arguments.
func insertMessagesSQL(k *fieldcrypt.Keys, ms []rdv.Message) (string, []any) {
	c := newMessageColumns(k, ms)
	return `INSERT INTO messages (kind, channel, destination, language, appointment_id, revision, incident_id, secret, due_at, created_at, reminder_at, proposal_id,
			destination_index)
		SELECT k, ch, d, l, nullif(a, 0), r, nullif(i, 0), s, due, created, rem, nullif(p, ''), di
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::integer[], $7::bigint[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::text[],
				$13::text[])
			AS u(k, ch, d, l, a, r, i, s, due, created, rem, p, di)`,
		[]any{c.kinds, c.channels, c.tos, c.langs, c.appointments, c.revisions, c.incidents, c.secrets, c.due, c.created, c.reminders, c.proposals, c.indexes}
}

// readMessage reads one message, its Secret included, opened with k; lock
// is "" or a locking clause.
func readMessage(ctx context.Context, q querier, k *fieldcrypt.Keys, id int64, lock string) (rdv.Message, error) {
	x := messageScan{keys: k}
	err := q.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.id = $1 `+lock, id).Scan(x.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Message{}, rdv.Errorf(rdv.ENOTFOUND, "message %d", id)
	}
	if err != nil {
		return rdv.Message{}, fmt.Errorf("read message %d: %w", id, err)
	}
	return x.message(), nil
}

// listMessages reads the messages of a query, without their Secret: only
// Message, for the sender, returns it.
func (s *Store) listMessages(ctx context.Context, what, query string, args ...any) ([]rdv.Message, error) {
	var out []rdv.Message
	err := s.withConn(ctx, what, func(c *pgx.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		x := messageScan{keys: s.opts.Keys}
		dest := x.dest()
		for rows.Next() {
			x.sentAt = nil
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			m := x.message()
			m.Secret = ""
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// UndispatchedMessages returns up to limit undispatched messages due by
// before, the earliest due first (see rdv.MessageStore). The index of
// undispatched messages by due time reads only those due: the reminders
// of every booking ahead are never scanned.
func (s *Store) UndispatchedMessages(ctx context.Context, before time.Time, limit int) ([]rdv.Message, error) {
	return s.listMessages(ctx, "undispatched messages",
		`SELECT `+messageColumns+` FROM messages m WHERE NOT m.dispatched AND m.due_at <= $1 ORDER BY m.due_at, m.id LIMIT $2`, before, limit)
}

// urgentKinds are rdv.UrgentKinds as the partial index messages_urgent
// (migration 00026) names them, word for word.
const urgentKinds = `('signin_code', 'proposal')`

// UndispatchedUrgent returns up to limit undispatched messages of the
// urgent kinds due by before, the earliest due first (see
// rdv.MessageStore), from the partial index of those alone.
func (s *Store) UndispatchedUrgent(ctx context.Context, before time.Time, limit int) ([]rdv.Message, error) {
	return s.listMessages(ctx, "undispatched urgent messages", undispatchedUrgentQuery, before, limit)
}

const undispatchedUrgentQuery = `SELECT ` + messageColumns + ` FROM messages m
	WHERE NOT m.dispatched AND m.kind IN ` + urgentKinds + ` AND m.due_at <= $1 ORDER BY m.due_at, m.id LIMIT $2`

// MarkDispatched records that delivery jobs exist for these messages.
func (s *Store) MarkDispatched(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.inTx(ctx, "mark messages dispatched", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE messages SET dispatched = true WHERE id = ANY($1)`, ids)
		return err
	})
}

// Message returns one message with its Secret, for the sender.
func (s *Store) Message(ctx context.Context, id int64) (rdv.Message, error) {
	var m rdv.Message
	err := s.withConn(ctx, "message", func(c *pgx.Conn) (err error) {
		m, err = readMessage(ctx, c, s.opts.Keys, id, "")
		return err
	})
	return m, err
}

// uncertainError is what operators read on a message cut off mid-send.
const uncertainError = "cut off while sending: it may have been delivered"

// BeginSend starts a delivery attempt (see rdv.MessageStore). The
// message's row is locked, so two attempts at once start one after the
// other and the second finds the first's mark.
func (s *Store) BeginSend(ctx context.Context, id int64, now time.Time) (rdv.Message, error) {
	var m rdv.Message
	err := s.inTx(ctx, "begin sending message "+strconv.FormatInt(id, 10), func(tx pgx.Tx) (err error) {
		if m, err = readMessage(ctx, tx, keysOf(tx), id, "FOR UPDATE"); err != nil {
			return err
		}
		switch m.Status {
		case rdv.MessageQueued:
			_, err = tx.Exec(ctx, `UPDATE messages SET status = 'sending', attempts = attempts + 1 WHERE id = $1`, id)
		case rdv.MessageSending:
			// A crash cut the last attempt off after the message may have
			// left: never again by itself, and its secret is given up.
			if _, err = tx.Exec(ctx, `UPDATE messages SET status = 'uncertain', secret = '', last_error = $2, reminder_at = NULL WHERE id = $1`,
				id, keysOf(tx).Seal(uncertainError)); err != nil {
				return err
			}
			return writeFollowUp(ctx, tx, m, rdv.MessageUncertain, now)
		}
		return err
	})
	if err != nil {
		return rdv.Message{}, err
	}
	return m, nil
}

// FinishSend records how an attempt ended (see rdv.MessageStore). Only an
// attempt under way (sending) ends: a message marked uncertain meanwhile
// keeps that mark, ECONFLICT. A bounce marks the destination refused. The
// text sent and the server's answer are sealed: they name the patient,
// the appointment, the address.
func (s *Store) FinishSend(ctx context.Context, id int64, o rdv.SendOutcome) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("finish sending message %d: %w", id, err)
	}
	return s.inTx(ctx, "finish sending message "+strconv.FormatInt(id, 10), func(tx pgx.Tx) error {
		k := keysOf(tx)
		m, err := readMessage(ctx, tx, k, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if m.Status != rdv.MessageSending {
			return rdv.Errorf(rdv.ECONFLICT, "message %d is %s, not sending", id, m.Status)
		}
		_, err = tx.Exec(ctx, `UPDATE messages SET status = $2, last_error = $3,
				subject = CASE WHEN $4 THEN $5 ELSE subject END,
				body = CASE WHEN $4 THEN $6 ELSE body END,
				sent_at = CASE WHEN $4 THEN $7 ELSE sent_at END,
				secret = CASE WHEN $2 = 'queued' THEN secret ELSE '' END,
				reminder_at = CASE WHEN $2 = 'queued' THEN reminder_at END
			WHERE id = $1`,
			id, string(o.Status), k.Seal(o.Error), o.Status == rdv.MessageSent || o.Status == rdv.MessageKept, k.Seal(o.Subject), k.Seal(o.Body), dbTime(o.Now))
		if err != nil {
			return err
		}
		if o.Status == rdv.MessageBounced {
			return refuseDestination(ctx, tx, m, o)
		}
		return writeFollowUp(ctx, tx, m, o.Status, o.Now)
	})
}

// writeFollowUp writes the reminder m brings after it, if any, now that
// its delivery ended as status says (rdv.Message.FollowUp). The caller
// has cleared m's reminder_at in the same transaction: a message sent
// again by an operator brings no second reminder.
func writeFollowUp(ctx context.Context, tx pgx.Tx, m rdv.Message, status rdv.MessageStatus, now time.Time) error {
	r, ok := m.FollowUp(status, now)
	if !ok {
		return nil
	}
	return insertMessages(ctx, tx, []rdv.Message{r})
}

// Messages lists messages, newest first, without their Secret. The query
// names only the filters given, so that the planner picks the index each
// one has.
func (s *Store) Messages(ctx context.Context, f rdv.MessageFilter) ([]rdv.Message, error) {
	q := `SELECT ` + messageColumns + ` FROM messages m`
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.ClinicID != 0 {
		q += ` JOIN appointments a ON a.id = m.appointment_id JOIN slots s ON s.id = a.slot_id`
		arg(`s.clinic_id = $?`, f.ClinicID)
	}
	if f.AppointmentID != 0 {
		arg(`m.appointment_id = $?`, f.AppointmentID)
	}
	if f.Channel != "" {
		arg(`m.channel = $?`, string(f.Channel))
	}
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			statuses[i] = string(st)
		}
		arg(`m.status = ANY($?)`, statuses)
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	args = append(args, f.ListLimit())
	return s.listMessages(ctx, "list messages", q+` ORDER BY m.id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
}

// Resend queues a failed, bounced or uncertain message again, due now,
// and clears the mark of its destination: the operator asks to try it.
func (s *Store) Resend(ctx context.Context, id int64, now time.Time) error {
	return s.inTx(ctx, "resend message "+strconv.FormatInt(id, 10), func(tx pgx.Tx) error {
		var channel rdv.MessageChannel
		var to string
		// The records it is about: its appointment, or the request a
		// proposal's message offers a slot to.
		var appointment, request int64
		err := tx.QueryRow(ctx, `UPDATE messages m SET status = 'queued', dispatched = false, due_at = $2
			WHERE m.id = $1 AND m.status IN ('failed', 'bounced', 'uncertain')
			RETURNING m.channel, m.destination, coalesce(m.appointment_id, 0),
				coalesce((SELECT p.request_id FROM proposals p WHERE p.id = m.proposal_id), 0)`, id, dbTime(now)).
			Scan(&channel, opened(keysOf(tx), &to), &appointment, &request)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return rdv.Errorf(rdv.ENOTFOUND, "message %d to send again", id)
		case err != nil:
			return err
		}
		if err := appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditMessageResend, rdv.AuditRecords{Appointments: []int64{appointment}, Requests: []int64{request}}, now)); err != nil {
			return err
		}
		return clearRefusal(ctx, tx, channel, to)
	})
}

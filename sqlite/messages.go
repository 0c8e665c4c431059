package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// messageColumns are a message's columns in the order scanMessage reads.
const messageColumns = `m.id, m.kind, m.channel, m.destination, m.language, coalesce(m.appointment_id, 0), m.revision,
	coalesce(m.incident_id, 0), m.secret, m.due_at, m.status, m.attempts, m.last_error, m.subject, m.body, m.created_at, m.sent_at, m.reminder_at,
	coalesce(m.proposal_id, '')`

// scanMessage reads a message, its sealed columns opened with k.
func scanMessage(k *fieldcrypt.Keys, sc scanner) (rdv.Message, error) {
	var m rdv.Message
	var due, created, sent, remind int64
	if err := sc.Scan(&m.ID, &m.Kind, &m.Channel, opened(k, &m.To), &m.Language, &m.AppointmentID, &m.Revision, &m.IncidentID, opened(k, &m.Secret),
		&due, &m.Status, &m.Attempts, opened(k, &m.LastError), opened(k, &m.Subject), opened(k, &m.Body), &created, &sent, &remind, &m.ProposalID); err != nil {
		return rdv.Message{}, err
	}
	m.DueAt, m.CreatedAt = fromMillis(due), fromMillis(created)
	if sent != 0 {
		m.SentAt = fromMillis(sent)
	}
	if remind != 0 {
		m.ReminderAt = fromMillis(remind)
	}
	return m, nil
}

// insertMessages writes messages into the outbox, in the transaction of
// the change they tell. A booking's few messages go in one statement:
// statements, not rows, are what the booking path spends its time on.
// The destination and the secret are sealed, and the destination's index
// computed, as they are written: the text comes when the message leaves.
func insertMessages(tx *wtx, ms []rdv.Message) error {
	k := tx.keys
	for len(ms) > 0 {
		n := min(len(ms), messagesPerInsert)
		args := make([]any, 0, n*13)
		for _, m := range ms[:n] {
			args = append(args, string(m.Kind), string(m.Channel), k.Seal(m.To), k.Index(fieldcrypt.DestinationKind(string(m.Channel)), m.To),
				m.Language, nullID(m.AppointmentID), m.Revision, nullID(m.IncidentID), k.Seal(m.Secret), millis(m.DueAt), millis(m.CreatedAt),
				optionalMillis(m.ReminderAt), nullString(m.ProposalID))
		}
		if _, err := tx.exec(insertMessagesQuery(n), args...); err != nil {
			return fmt.Errorf("write %d %s messages: %w", n, ms[0].Kind, mapError(err))
		}
		ms = ms[n:]
	}
	return nil
}

// messagesPerInsert bounds the rows of one insert, and so the number of
// statements prepared for them (one per row count).
const messagesPerInsert = 64

// insertMessagesQuery is the insert of n messages.
func insertMessagesQuery(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO messages (kind, channel, destination, destination_index, language, appointment_id, revision, incident_id, secret,
		due_at, created_at, reminder_at, proposal_id) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// getMessage reads one message, its Secret included.
func getMessage(q querier, id int64) (rdv.Message, error) {
	m, err := scanMessage(q.crypt(), q.row(`SELECT `+messageColumns+` FROM messages m WHERE m.id = ?`, id))
	if isNoRows(err) {
		return rdv.Message{}, rdv.Errorf(rdv.ENOTFOUND, "message %d", id)
	}
	if err != nil {
		return rdv.Message{}, fmt.Errorf("read message %d: %w", id, mapError(err))
	}
	return m, nil
}

// readMessages reads the messages of a query, without their Secret: only
// Message, for the sender, returns it.
func readMessages(q querier, query string, args ...any) ([]rdv.Message, error) {
	rows, err := q.query(query, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []rdv.Message
	for rows.Next() {
		m, err := scanMessage(q.crypt(), rows)
		if err != nil {
			return nil, mapError(err)
		}
		m.Secret = ""
		out = append(out, m)
	}
	return out, mapError(rows.Err())
}

// UndispatchedMessages returns up to limit undispatched messages due by
// before, the earliest due first (see rdv.MessageStore). The index of
// undispatched messages by due time reads only those due: the reminders
// of every booking ahead are never scanned.
func (s *Store) UndispatchedMessages(ctx context.Context, before time.Time, limit int) ([]rdv.Message, error) {
	out, err := readMessages(s.r(ctx), `SELECT `+messageColumns+` FROM messages m
		WHERE m.dispatched = 0 AND m.due_at <= ? ORDER BY m.due_at, m.id LIMIT ?`, millis(before), limit)
	if err != nil {
		return nil, fmt.Errorf("read undispatched messages: %w", err)
	}
	return out, nil
}

// urgentKinds are rdv.UrgentKinds as the partial index messages_urgent
// (migration 00026) names them, word for word.
const urgentKinds = `('signin_code', 'proposal')`

// UndispatchedUrgent returns up to limit undispatched messages of the
// urgent kinds due by before, the earliest due first (see
// rdv.MessageStore). It reads the partial index of those alone, named:
// SQLite, without statistics, could as well walk the index of every
// undispatched message, confirmations and all.
func (s *Store) UndispatchedUrgent(ctx context.Context, before time.Time, limit int) ([]rdv.Message, error) {
	out, err := readMessages(s.r(ctx), undispatchedUrgentQuery, millis(before), limit)
	if err != nil {
		return nil, fmt.Errorf("read undispatched urgent messages: %w", err)
	}
	return out, nil
}

const undispatchedUrgentQuery = `SELECT ` + messageColumns + ` FROM messages m INDEXED BY messages_urgent
	WHERE m.dispatched = 0 AND m.kind IN ` + urgentKinds + ` AND m.due_at <= ? ORDER BY m.due_at, m.id LIMIT ?`

// MarkDispatched records that delivery jobs exist for these messages.
func (s *Store) MarkDispatched(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("mark messages dispatched: %w", err)
	}
	err = s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		// One statement whatever the number of IDs, prepared once.
		_, err := tx.exec(`UPDATE messages SET dispatched = 1 WHERE id IN (SELECT value FROM json_each(?))`, string(list))
		return mapError(err)
	}})
	if err != nil {
		return fmt.Errorf("mark %d messages dispatched: %w", len(ids), err)
	}
	return nil
}

// Message returns one message with its Secret, for the sender.
func (s *Store) Message(ctx context.Context, id int64) (rdv.Message, error) {
	return getMessage(s.r(ctx), id)
}

// uncertainError is what operators read on a message cut off mid-send.
const uncertainError = "cut off while sending: it may have been delivered"

// writeFollowUp writes the reminder m brings after it, if any, now that
// its delivery ended as status says (rdv.Message.FollowUp). The caller
// has cleared m's reminder_at in the same transaction: a message sent
// again by an operator brings no second reminder.
func writeFollowUp(tx *wtx, m rdv.Message, status rdv.MessageStatus, now time.Time) error {
	r, ok := m.FollowUp(status, now)
	if !ok {
		return nil
	}
	return insertMessages(tx, []rdv.Message{r})
}

// BeginSend starts a delivery attempt (see rdv.MessageStore).
func (s *Store) BeginSend(ctx context.Context, id int64, now time.Time) (rdv.Message, error) {
	var m rdv.Message
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		if m, err = getMessage(tx, id); err != nil {
			return err
		}
		switch m.Status {
		case rdv.MessageQueued:
			_, err = tx.exec(`UPDATE messages SET status = 'sending', attempts = attempts + 1 WHERE id = ?`, id)
		case rdv.MessageSending:
			// A crash cut the last attempt off after the message may have
			// left: never again by itself, and its secret is given up.
			if _, err = tx.exec(`UPDATE messages SET status = 'uncertain', secret = '', last_error = ?, reminder_at = 0 WHERE id = ?`,
				tx.keys.Seal(uncertainError), id); err != nil {
				return mapError(err)
			}
			return writeFollowUp(tx, m, rdv.MessageUncertain, now)
		}
		return mapError(err)
	}})
	if err != nil {
		return rdv.Message{}, fmt.Errorf("begin sending message %d: %w", id, err)
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
	// A message kept is recorded as one sent: its text, and when.
	sent := o.Status == rdv.MessageSent || o.Status == rdv.MessageKept
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		k := tx.keys
		m, err := getMessage(tx, id)
		if err != nil {
			return err
		}
		if m.Status != rdv.MessageSending {
			return rdv.Errorf(rdv.ECONFLICT, "message %d is %s, not sending", id, m.Status)
		}
		_, err = tx.exec(`UPDATE messages SET status = ?1, last_error = ?2,
				subject = CASE WHEN ?3 THEN ?4 ELSE subject END,
				body = CASE WHEN ?3 THEN ?5 ELSE body END,
				sent_at = CASE WHEN ?3 THEN ?6 ELSE sent_at END,
				secret = CASE WHEN ?1 = 'queued' THEN secret ELSE '' END,
				reminder_at = CASE WHEN ?1 = 'queued' THEN reminder_at ELSE 0 END
			WHERE id = ?7`,
			string(o.Status), k.Seal(o.Error), sent, k.Seal(o.Subject), k.Seal(o.Body), millis(o.Now), id)
		if err != nil {
			return mapError(err)
		}
		if o.Status == rdv.MessageBounced {
			return refuseDestination(tx, m, o)
		}
		return writeFollowUp(tx, m, o.Status, o.Now)
	}})
	if err != nil {
		return fmt.Errorf("finish sending message %d: %w", id, err)
	}
	return nil
}

// attentionStatuses are the statuses of the messages that need an
// operator, as the partial index messages_attention (migration 00017)
// names them, word for word.
const attentionStatuses = `('failed', 'bounced', 'uncertain')`

// needAttention reports whether every status of a filter is one of
// attentionStatuses.
func needAttention(statuses []rdv.MessageStatus) bool {
	for _, st := range statuses {
		switch st {
		case rdv.MessageFailed, rdv.MessageBounced, rdv.MessageUncertain:
		default:
			return false
		}
	}
	return true
}

// Messages lists messages, newest first, without their Secret. The query
// names only the filters given, so that SQLite picks the index each one
// has.
func (s *Store) Messages(ctx context.Context, f rdv.MessageFilter) ([]rdv.Message, error) {
	q, args, err := messagesQuery(f)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	out, err := readMessages(s.r(ctx), q, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return out, nil
}

// messagesQuery is the query of Messages under f, and its arguments.
func messagesQuery(f rdv.MessageFilter) (string, []any, error) {
	q := `SELECT ` + messageColumns + ` FROM messages m`
	var where []string
	var args []any
	if f.ClinicID != 0 {
		q += ` JOIN appointments a ON a.id = m.appointment_id JOIN slots s ON s.id = a.slot_id`
		where, args = append(where, `s.clinic_id = ?`), append(args, f.ClinicID)
	}
	if f.AppointmentID != 0 {
		where, args = append(where, `m.appointment_id = ?`), append(args, f.AppointmentID)
	}
	if f.Channel != "" {
		where, args = append(where, `m.channel = ?`), append(args, string(f.Channel))
	}
	if len(f.Statuses) > 0 {
		list, err := json.Marshal(f.Statuses)
		if err != nil {
			return "", nil, err
		}
		where, args = append(where, `m.status IN (SELECT value FROM json_each(?))`), append(args, string(list))
		if needAttention(f.Statuses) {
			// Implied by the one above: it lets SQLite use the index.
			where = append(where, `m.status IN `+attentionStatuses)
		}
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return q + ` ORDER BY m.id DESC LIMIT ?`, append(args, f.ListLimit()), nil
}

// Resend queues a failed, bounced or uncertain message again, due now,
// and clears the mark of its destination: the operator asks to try it.
func (s *Store) Resend(ctx context.Context, id int64, now time.Time) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		res, err := tx.exec(`UPDATE messages SET status = 'queued', dispatched = 0, due_at = ?
			WHERE id = ? AND status IN ('failed', 'bounced', 'uncertain')`, millis(now), id)
		if err != nil {
			return mapError(err)
		}
		switch n, err := res.RowsAffected(); {
		case err != nil:
			return mapError(err)
		case n == 1:
			m, err := getMessage(tx, id)
			if err != nil {
				return err
			}
			// The records it is about: its appointment, or the request a
			// proposal's message offers a slot to.
			var request int64
			if m.ProposalID != "" {
				if err := tx.row(`SELECT request_id FROM proposals WHERE id = ?`, m.ProposalID).Scan(&request); err != nil {
					return fmt.Errorf("read proposal %s: %w", m.ProposalID, mapError(err))
				}
			}
			tx.auditChange(ctx, rdv.AuditMessageResend, rdv.AuditRecords{Appointments: []int64{m.AppointmentID}, Requests: []int64{request}}, now)
			return clearRefusal(tx, m.Channel, m.To)
		}
		return rdv.Errorf(rdv.ENOTFOUND, "message %d to send again", id)
	}})
	if err != nil {
		return fmt.Errorf("resend message %d: %w", id, err)
	}
	return nil
}

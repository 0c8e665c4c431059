package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"rdv"
	"rdv/audit"
)

// auditChain is the one chain of the trail: the one writer orders every
// entry, so more chains would spread nothing.
const auditChain = 0

// queueAudit adds an audit event to the batch's transaction. Like the
// outbox, the batch's events are written together just before the commit
// (insertAudit): a write that fails drops its own, and the head is read
// and moved once per batch, not once per write.
func (t *wtx) queueAudit(e rdv.AuditEvent) { t.audits = append(t.audits, e) }

// auditChange queues the event of a change made in ctx's name.
func (t *wtx) auditChange(ctx context.Context, action rdv.AuditAction, records rdv.AuditRecords, now time.Time) {
	t.queueAudit(rdv.NewAuditEvent(ctx, action, records, now))
}

// insertAudit appends the batch's events to the chain and moves its head:
// a few statements per batch whatever its size, the rows written many at
// once as the outbox's are. The writer holds the only write connection,
// so the IDs after the largest are the events' own.
func insertAudit(tx *wtx, es []rdv.AuditEvent) error {
	if len(es) == 0 {
		return nil
	}
	head := rdv.AuditHead{Chain: auditChain}
	var last int64
	if err := tx.row(`SELECT seq, hash, (SELECT coalesce(max(id), 0) FROM audit_events) FROM audit_heads WHERE chain = ?`, auditChain).
		Scan(&head.Seq, &head.Hash, &last); err != nil {
		return fmt.Errorf("read audit head: %w", mapError(err))
	}
	var patients []any
	for i := range es {
		e := &es[i]
		e.ID, e.Chain, e.At = last+int64(i)+1, auditChain, e.At.UTC().Truncate(time.Millisecond) // what the hash covers
		audit.Seal(e, &head)
		head = rdv.AuditHead{Chain: auditChain, Seq: e.Seq, Hash: e.Hash}
		for _, p := range e.Records.Patients {
			patients = append(patients, p, e.ID)
		}
	}
	for rest := es; len(rest) > 0; {
		n := min(len(rest), auditRowsPerInsert)
		args := make([]any, 0, n*11)
		for _, e := range rest[:n] {
			args = append(args, e.ID, e.Chain, e.Seq, millis(e.At), string(e.Actor.Kind), e.Actor.ID, e.Actor.Address, string(e.Action),
				e.Records.String(), e.PrevHash, e.Hash)
		}
		if _, err := tx.exec(rowsQuery(`INSERT INTO audit_events (id, chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash) VALUES `,
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", n), args...); err != nil {
			return fmt.Errorf("write %d audit events: %w", n, mapError(err))
		}
		rest = rest[n:]
	}
	for len(patients) > 0 {
		n := min(len(patients)/2, auditRowsPerInsert)
		if _, err := tx.exec(rowsQuery(`INSERT OR IGNORE INTO audit_patients (patient_id, event_id) VALUES `, "(?, ?)", n), patients[:2*n]...); err != nil {
			return fmt.Errorf("write audit events' patients: %w", mapError(err))
		}
		patients = patients[2*n:]
	}
	if _, err := tx.exec(`UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = ?`, head.Seq, head.Hash, auditChain); err != nil {
		return fmt.Errorf("move audit head: %w", mapError(err))
	}
	return nil
}

// auditRowsPerInsert bounds the rows of one insert, and so the number of
// statements prepared for them (one per row count).
const auditRowsPerInsert = 64

// rowsQuery is insert followed by n times row, comma separated.
func rowsQuery(insert, row string, n int) string {
	var b strings.Builder
	b.WriteString(insert)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// RecordAudit appends a read's event, in a write of its own that shares
// its batch's commit with the others.
func (s *Store) RecordAudit(ctx context.Context, e rdv.AuditEvent) error {
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		tx.queueAudit(e)
		return nil
	}})
	if err != nil {
		return fmt.Errorf("record audit event %s: %w", e.Action, err)
	}
	return nil
}

const auditColumns = `id, chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash`

func scanAuditEvent(sc scanner) (rdv.AuditEvent, error) {
	var e rdv.AuditEvent
	var at int64
	var kind, action, records string
	if err := sc.Scan(&e.ID, &e.Chain, &e.Seq, &at, &kind, &e.Actor.ID, &e.Actor.Address, &action, &records, &e.PrevHash, &e.Hash); err != nil {
		return rdv.AuditEvent{}, err
	}
	e.At, e.Actor.Kind, e.Action = fromMillis(at), rdv.ActorKind(kind), rdv.AuditAction(action)
	r, err := rdv.ParseAuditRecords(records)
	if err != nil {
		// A record list that does not parse is a changed entry: the
		// walk hands it on as read, with nothing named, and its hash
		// tells.
		r = rdv.AuditRecords{}
	}
	e.Records = r
	return e, nil
}

// AuditEvents searches the trail, newest first.
func (s *Store) AuditEvents(ctx context.Context, q rdv.AuditQuery) ([]rdv.AuditEvent, error) {
	var where []string
	var args []any
	if len(q.Patients) > 0 {
		where = append(where, `id IN (SELECT event_id FROM audit_patients WHERE patient_id IN (?`+strings.Repeat(", ?", len(q.Patients)-1)+`))`)
		for _, p := range q.Patients {
			args = append(args, p)
		}
	}
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if q.ActorKind != "" {
		add(`actor_kind = ?`, string(q.ActorKind))
	}
	if q.ActorID != 0 {
		add(`actor_id = ?`, q.ActorID)
	}
	if q.Action != "" {
		add(`action = ?`, string(q.Action))
	}
	if !q.From.IsZero() {
		add(`at >= ?`, millis(q.From))
	}
	if !q.To.IsZero() {
		add(`at < ?`, millis(q.To))
	}
	if q.Before > 0 {
		add(`id < ?`, q.Before)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// #nosec G202 -- conditions written above and a number; every value is a bound argument
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, auditLimit(q.Limit))
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search audit trail: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.AuditEvent
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("search audit trail: %w", mapError(err))
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search audit trail: %w", mapError(err))
	}
	return out, nil
}

func auditLimit(n int) int {
	if n <= 0 || n > rdv.MaxAuditPage {
		return rdv.MaxAuditPage
	}
	return n
}

// AuditHeads returns the chain's head.
func (s *Store) AuditHeads(ctx context.Context) ([]rdv.AuditHead, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT chain, seq, hash FROM audit_heads ORDER BY chain`)
	if err != nil {
		return nil, fmt.Errorf("read audit heads: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.AuditHead
	for rows.Next() {
		var h rdv.AuditHead
		if err := rows.Scan(&h.Chain, &h.Seq, &h.Hash); err != nil {
			return nil, fmt.Errorf("read audit heads: %w", mapError(err))
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit heads: %w", mapError(err))
	}
	return out, nil
}

// WalkAuditChain reads the chain in its order and its head, in one read
// transaction: a batch that commits meanwhile moves neither.
func (s *Store) WalkAuditChain(ctx context.Context, chain int, fn func(rdv.AuditEvent) error) (rdv.AuditHead, error) {
	head, err := s.walkAuditChain(ctx, chain, fn)
	if err != nil {
		return rdv.AuditHead{}, fmt.Errorf("walk audit chain %d: %w", chain, err)
	}
	return head, nil
}

func (s *Store) walkAuditChain(ctx context.Context, chain int, fn func(rdv.AuditEvent) error) (rdv.AuditHead, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rdv.AuditHead{}, mapError(err)
	}
	defer tx.Rollback()
	head := rdv.AuditHead{Chain: chain}
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE chain = ?`, chain).Scan(&head.Seq, &head.Hash); err != nil {
		if isNoRows(err) {
			return rdv.AuditHead{}, rdv.Errorf(rdv.ENOTFOUND, "audit chain %d", chain)
		}
		return rdv.AuditHead{}, mapError(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE chain = ? ORDER BY seq, id`, chain)
	if err != nil {
		return rdv.AuditHead{}, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return rdv.AuditHead{}, mapError(err)
		}
		if err := fn(e); err != nil {
			return rdv.AuditHead{}, err
		}
	}
	if err := rows.Err(); err != nil {
		return rdv.AuditHead{}, mapError(err)
	}
	return head, nil
}

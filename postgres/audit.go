package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/audit"
)

// auditChains is how many chains the trail is cut into: the head rows the
// migration made (00027_audit_trail.sql says why).
const auditChains = 16

// appendAudit appends e to a chain picked at random, in tx, in one
// statement: it moves the chain's head (locking its row until tx ends)
// and links the entry there, so it is best run last in tx.
func appendAudit(ctx context.Context, tx pgx.Tx, e rdv.AuditEvent) error {
	chain := rand.IntN(auditChains) // #nosec G404 -- the pick only spreads the writers over the chains' head rows
	if _, err := tx.Exec(ctx, appendAuditSQL, auditArgs(chain, e)...); err != nil {
		return fmt.Errorf("write audit event %s: %w", e.Action, err)
	}
	return nil
}

// appendAuditSQL appends an event to a chain (auditArgs): it moves the
// chain's head and links the entry there.
const appendAuditSQL = `WITH h AS (
		UPDATE audit_heads SET seq = seq + 1, prev_hash = hash, hash = sha256(hash || $2::bytea)
		WHERE chain = $1 RETURNING seq, prev_hash, hash),
	e AS (
		INSERT INTO audit_events (chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash)
		SELECT $1, seq, $3, $4, $5, $6, $7, $8, prev_hash, hash FROM h RETURNING id)
	INSERT INTO audit_patients (patient_id, event_id) SELECT p, e.id FROM e, unnest($9::bigint[]) AS p`

// auditArgs are the arguments of appendAuditSQL that append e to chain.
func auditArgs(chain int, e rdv.AuditEvent) []any {
	e.At = e.At.UTC().Truncate(time.Millisecond) // what the hash covers
	patients := e.Records.Patients
	if patients == nil {
		patients = []int64{}
	}
	return []any{chain, audit.ContentHash(e), e.At, string(e.Actor.Kind), e.Actor.ID, e.Actor.Address,
		string(e.Action), e.Records.String(), patients}
}

// appendAuditsSQL appends events to a chain in their order, in one
// statement (auditsArgs): each links to the one before as appendAuditSQL
// links one, and the chain's head moves once, to the last.
const appendAuditsSQL = `WITH RECURSIVE e AS (
		SELECT * FROM unnest($2::bytea[], $3::timestamptz[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])
			WITH ORDINALITY AS e(content, at, actor_kind, actor_id, address, action, records, n)),
	head AS (SELECT seq, hash FROM audit_heads WHERE chain = $1 FOR UPDATE),
	links (n, seq, prev_hash, hash) AS (
		SELECT 0::bigint, seq, NULL::bytea, hash FROM head
		UNION ALL
		SELECT l.n + 1, l.seq + 1, l.hash, sha256(l.hash || e.content) FROM links l JOIN e ON e.n = l.n + 1),
	moved AS (
		UPDATE audit_heads SET seq = l.seq, prev_hash = l.prev_hash, hash = l.hash
		FROM (SELECT * FROM links ORDER BY n DESC LIMIT 1) l WHERE chain = $1 AND l.n > 0),
	added AS (
		INSERT INTO audit_events (chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash)
		SELECT $1, l.seq, e.at, e.actor_kind, e.actor_id, e.address, e.action, e.records, l.prev_hash, l.hash
		FROM links l JOIN e ON e.n = l.n ORDER BY l.n
		RETURNING id, seq)
	INSERT INTO audit_patients (patient_id, event_id)
	SELECT p.patient, a.id FROM added a JOIN unnest($9::bigint[], $10::bigint[]) AS p(n, patient) ON a.seq = (SELECT seq FROM head) + p.n`

// auditsArgs are the arguments of appendAuditsSQL that append events to
// chain.
func auditsArgs(chain int, events []rdv.AuditEvent) []any {
	n := len(events)
	contents, ats := make([][]byte, n), make([]time.Time, n)
	kinds, actors, addresses, actions, records := make([]string, n), make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
	var ofEvent, patients []int64
	for i, e := range events {
		e.At = e.At.UTC().Truncate(time.Millisecond) // what the hash covers
		contents[i], ats[i] = audit.ContentHash(e), e.At
		kinds[i], actors[i], addresses[i] = string(e.Actor.Kind), e.Actor.ID, e.Actor.Address
		actions[i], records[i] = string(e.Action), e.Records.String()
		for _, p := range e.Records.Patients {
			ofEvent, patients = append(ofEvent, int64(i+1)), append(patients, p)
		}
	}
	return []any{chain, contents, ats, kinds, actors, addresses, actions, records, ofEvent, patients}
}

// audited wraps a write run by idempotentTx so that, once it succeeds,
// the same transaction records its audit event, naming what it returns
// and the request it answers (0: none).
func audited(ctx context.Context, action rdv.AuditAction, now time.Time, requestID int64,
	write func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Appointment, error)) func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Appointment, error) {
	return func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Appointment, error) {
		a, err := write(tx, ch)
		if err != nil {
			return a, err
		}
		return a, appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, action, rdv.BookingRecords(a, requestID), now))
	}
}

// RecordAudit appends a read's event in a transaction of its own.
func (s *Store) RecordAudit(ctx context.Context, e rdv.AuditEvent) error {
	return s.inTx(ctx, "record audit event", func(tx pgx.Tx) error { return appendAudit(ctx, tx, e) })
}

const auditColumns = `id, chain, seq, at, actor_kind, actor_id, address, action, records, prev_hash, hash`

func scanAuditEvent(row pgx.Row) (rdv.AuditEvent, error) {
	var e rdv.AuditEvent
	var kind, action, records string
	if err := row.Scan(&e.ID, &e.Chain, &e.Seq, &e.At, &kind, &e.Actor.ID, &e.Actor.Address, &action, &records, &e.PrevHash, &e.Hash); err != nil {
		return rdv.AuditEvent{}, err
	}
	e.At, e.Actor.Kind, e.Action = e.At.UTC(), rdv.ActorKind(kind), rdv.AuditAction(action)
	// A record list that does not parse is a changed entry: it is handed
	// on with nothing named, and its hash tells.
	e.Records, _ = rdv.ParseAuditRecords(records)
	return e, nil
}

// AuditEvents searches the trail, newest first.
func (s *Store) AuditEvents(ctx context.Context, q rdv.AuditQuery) ([]rdv.AuditEvent, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if len(q.Patients) > 0 {
		add(`id IN (SELECT event_id FROM audit_patients WHERE patient_id = ANY($%d))`, q.Patients)
	}
	if q.ActorKind != "" {
		add(`actor_kind = $%d`, string(q.ActorKind))
	}
	if q.ActorID != 0 {
		add(`actor_id = $%d`, q.ActorID)
	}
	if q.Action != "" {
		add(`action = $%d`, string(q.Action))
	}
	if !q.From.IsZero() {
		add(`at >= $%d`, q.From)
	}
	if !q.To.IsZero() {
		add(`at < $%d`, q.To)
	}
	if q.Before > 0 {
		add(`id < $%d`, q.Before)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, auditLimit(q.Limit))
	var out []rdv.AuditEvent
	err := s.withConn(ctx, "search audit trail", func(c *pgx.Conn) error {
		out = nil
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAuditEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

func auditLimit(n int) int {
	if n <= 0 || n > rdv.MaxAuditPage {
		return rdv.MaxAuditPage
	}
	return n
}

// AuditHeads returns every chain's head.
func (s *Store) AuditHeads(ctx context.Context) ([]rdv.AuditHead, error) {
	var out []rdv.AuditHead
	err := s.withConn(ctx, "read audit heads", func(c *pgx.Conn) error {
		out = nil
		rows, err := c.Query(ctx, `SELECT chain, seq, hash FROM audit_heads ORDER BY chain`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h rdv.AuditHead
			if err := rows.Scan(&h.Chain, &h.Seq, &h.Hash); err != nil {
				return err
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}

// WalkAuditChain reads one chain in its order and its head in one
// repeatable-read snapshot: an entry and its head's move commit together,
// so the snapshot sees both or neither.
func (s *Store) WalkAuditChain(ctx context.Context, chain int, fn func(rdv.AuditEvent) error) (rdv.AuditHead, error) {
	head := rdv.AuditHead{Chain: chain}
	var fnErr error
	err := s.withConn(ctx, fmt.Sprintf("walk audit chain %d", chain), func(c *pgx.Conn) error {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE chain = $1`, chain).Scan(&head.Seq, &head.Hash); err != nil {
			if err == pgx.ErrNoRows {
				return rdv.Errorf(rdv.ENOTFOUND, "audit chain %d", chain)
			}
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE chain = $1 ORDER BY seq, id`, chain)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAuditEvent(rows)
			if err != nil {
				return err
			}
			if fnErr = fn(e); fnErr != nil {
				return nil
			}
		}
		return rows.Err()
	})
	if err != nil {
		return rdv.AuditHead{}, err
	}
	if fnErr != nil {
		return rdv.AuditHead{}, fnErr
	}
	return head, nil
}

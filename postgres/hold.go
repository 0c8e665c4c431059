package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// dbTime rounds t to what PostgreSQL keeps (microseconds, UTC), so that an
// answer and a later read of the same row agree.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// PlaceHold holds a free slot. The slot is taken by one conditional UPDATE
// whose WHERE clause is the whole rule (free, or held by a hold that ran
// out; not started; audience allowed), so two racing holds cannot both win:
// the second waits for the first's row lock and re-checks the rule against
// the committed row.
func (s *Store) PlaceHold(ctx context.Context, r rdv.HoldRequest) (rdv.Hold, rdv.SlotChanges, error) {
	h, ch, err := idempotentTx(ctx, s, "place hold", r.Idem, r.Now, func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Hold, error) {
		now := dbTime(r.Now)
		if r.MaxLiveHolds > 0 {
			if err := checkLiveHolds(ctx, tx, r.ClientKey, r.MaxLiveHolds, now); err != nil {
				return rdv.Hold{}, err
			}
		}
		h := rdv.Hold{ID: r.HoldID, SlotID: r.SlotID, ClientKey: r.ClientKey, ExpiresAt: dbTime(r.Now.Add(r.TTL))}
		var x slotScan
		err := tx.QueryRow(ctx, `WITH held AS (
				UPDATE slots s SET state = 'held', hold_id = $2, hold_expires = $3
				WHERE s.id = $1 AND s.start_at > $4 AND (s.audience = 'public' OR $5)
				  AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= $4))
				RETURNING `+slotColumns+`),
			hold AS (INSERT INTO holds (id, slot_id, client_key, expires_at) SELECT $2, id, $6, $3 FROM held),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
			SELECT * FROM held`,
			r.SlotID, r.HoldID, h.ExpiresAt, now, r.AllowRostered, r.ClientKey).Scan(x.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Hold{}, whyNotHeld(ctx, tx, r, now)
		}
		if err != nil {
			return rdv.Hold{}, err
		}
		ch.Taken = []rdv.Slot{x.slot()}
		return h, nil
	})
	if err != nil {
		return rdv.Hold{}, rdv.SlotChanges{}, err
	}
	if len(ch.Taken) > 0 {
		s.changed()
	}
	return h, ch, nil
}

// checkLiveHolds refuses a hold beyond the client's cap. The advisory lock
// on the client's key makes concurrent holds of one client count one after
// the other, so the cap holds under concurrency too.
func checkLiveHolds(ctx context.Context, tx pgx.Tx, clientKey string, max int, now time.Time) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, clientKey); err != nil {
		return fmt.Errorf("lock client holds: %w", err)
	}
	var live int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM holds WHERE client_key = $1 AND NOT ended AND expires_at > $2`, clientKey, now).Scan(&live); err != nil {
		return fmt.Errorf("count live holds: %w", err)
	}
	if live >= max {
		return rdv.Errorf(rdv.ETOOMANYHOLDS, "client has %d live holds", live)
	}
	return nil
}

// whyNotHeld explains why the conditional update took no slot.
func whyNotHeld(ctx context.Context, tx pgx.Tx, r rdv.HoldRequest, now time.Time) error {
	sl, err := readSlot(ctx, tx, r.SlotID, "")
	if err != nil {
		return err
	}
	switch {
	case !sl.Start.After(now):
		return rdv.Errorf(rdv.ECONFLICT, "slot %d has started", r.SlotID)
	case sl.Audience == rdv.Rostered && !r.AllowRostered:
		return rdv.Errorf(rdv.EFORBIDDEN, "slot %d is for rostered patients", r.SlotID)
	default:
		return rdv.Errorf(rdv.ESLOTTAKEN, "slot %d is %s", r.SlotID, sl.State)
	}
}

// idemWindow is how long an idempotency key is remembered.
const idemWindow = 24 * time.Hour

// ExpireHolds frees the slots whose holds ran out before now, and forgets
// idempotency keys older than a day.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time) (rdv.SlotChanges, error) {
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "expire holds", func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		rows, err := tx.Query(ctx, `WITH freed AS (
				UPDATE slots s SET state = 'free', hold_id = NULL, hold_expires = NULL
				WHERE s.state = 'held' AND s.hold_expires <= $1
				RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM freed)
			SELECT * FROM freed`, dbTime(now))
		if err != nil {
			return err
		}
		if ch.Freed, err = scanSlots(rows); err != nil {
			return err
		}
		// A retry comes within minutes; a day covers any client.
		_, err = tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, now.Add(-idemWindow))
		return err
	})
	if err != nil {
		return rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed()
	}
	return ch, nil
}

func scanSlots(rows pgx.Rows) ([]rdv.Slot, error) {
	defer rows.Close()
	var out []rdv.Slot
	var x slotScan
	dest := x.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, x.slot())
	}
	return out, rows.Err()
}

// idempotentTx runs write in a transaction under idempotency key k
// (invariant 3): a key already used with the same body answers with the
// saved result, marked Replayed, and writes nothing; otherwise write's
// result is saved under k in the same transaction. write sees fresh changes
// on every attempt of the transaction, and what it records in them is
// returned with its result.
func idempotentTx[T any](ctx context.Context, s *Store, what string, k *rdv.IdemKey, now time.Time,
	write func(tx pgx.Tx, ch *rdv.SlotChanges) (T, error)) (T, rdv.SlotChanges, error) {
	var out T
	var ch rdv.SlotChanges
	err := s.inTx(ctx, what, func(tx pgx.Tx) error {
		var zero T
		out, ch = zero, rdv.SlotChanges{}
		replay, err := claimKey(ctx, tx, k, now)
		if err != nil {
			return err
		}
		if replay != nil {
			ch.Replayed = true
			return json.Unmarshal(replay, &out)
		}
		if out, err = write(tx, &ch); err != nil {
			return err
		}
		return saveAnswer(ctx, tx, k, out)
	})
	if err != nil {
		var zero T
		return zero, rdv.SlotChanges{}, err
	}
	return out, ch, nil
}

// claimKey records an idempotency key at the start of a write. It returns
// the stored answer when the key was already used with the same body. A
// concurrent write with the same key waits on the key's row until the
// first commits (then replays it) or rolls back (then runs itself).
func claimKey(ctx context.Context, tx pgx.Tx, k *rdv.IdemKey, now time.Time) ([]byte, error) {
	if k == nil {
		return nil, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, body_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		k.Scope, k.Key, k.BodyHash, dbTime(now))
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var bodyHash string
	var answer []byte
	err = tx.QueryRow(ctx, `SELECT body_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`, k.Scope, k.Key).Scan(&bodyHash, &answer)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if bodyHash != k.BodyHash {
		return nil, rdv.Errorf(rdv.EIDEMPOTENCY, "key %q was used with another body", k.Key)
	}
	if answer == nil {
		return nil, rdv.Errorf(rdv.ECONFLICT, "key %q has no answer", k.Key)
	}
	return answer, nil
}

// saveAnswer stores the answer of a write under its idempotency key.
func saveAnswer(ctx context.Context, tx pgx.Tx, k *rdv.IdemKey, answer any) error {
	if k == nil {
		return nil
	}
	b, err := json.Marshal(answer)
	if err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND key = $2`, k.Scope, k.Key, b); err != nil {
		return fmt.Errorf("save answer: %w", err)
	}
	return nil
}

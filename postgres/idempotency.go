package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/replay"
)

// idempotentTx runs write in a transaction under idempotency key k
// (invariant 3): a key already used with the same body answers with the
// saved result, marked Replayed, and writes nothing; otherwise write's
// result is saved under k in the same transaction. write sees fresh changes
// on every attempt of the transaction, and what it records in them is
// returned with its result.
//
// The row is filed under a name derived from the key and keeps the answer
// sealed with it (package replay): the table reads nothing without the
// key.
func idempotentTx[T any](ctx context.Context, s *Store, what string, k *rdv.IdemKey, now time.Time,
	write func(tx pgx.Tx, ch *rdv.SlotChanges) (T, error)) (T, rdv.SlotChanges, error) {
	var out T
	var ch rdv.SlotChanges
	var rk *replay.Key
	if k != nil {
		var err error
		if rk, err = replay.New(k); err != nil {
			return out, ch, fmt.Errorf("%s: %w", what, err)
		}
	}
	err := s.inTx(ctx, what, func(tx pgx.Tx) error {
		var zero T
		out, ch = zero, rdv.SlotChanges{}
		replayed, err := claimKey(ctx, tx, k, rk, now, &out)
		if err != nil || replayed {
			ch.Replayed = replayed
			return err
		}
		if out, err = write(tx, &ch); err != nil {
			return err
		}
		return saveAnswer(ctx, tx, rk, out)
	})
	if err != nil {
		var zero T
		return zero, rdv.SlotChanges{}, err
	}
	return out, ch, nil
}

// claimKey records an idempotency key at the start of a write. When the
// key was already used with the same body, it opens the stored answer into
// answer and reports a replay. A concurrent write with the same key waits
// on the key's row until the first commits (then replays it) or rolls back
// (then runs itself). k names the key in errors; rk is what is stored.
func claimKey(ctx context.Context, tx pgx.Tx, k *rdv.IdemKey, rk *replay.Key, now time.Time, answer any) (bool, error) {
	if rk == nil {
		return false, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (id, body_check, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		rk.ID(), rk.BodyCheck(), dbTime(now))
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return false, nil
	}
	var check, sealed []byte
	err = tx.QueryRow(ctx, `SELECT body_check, answer FROM idempotency_keys WHERE id = $1`, rk.ID()).Scan(&check, &sealed)
	if err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	if !rk.SameBody(check) {
		return false, rdv.Errorf(rdv.EIDEMPOTENCY, "key %q was used with another body", k.Key)
	}
	if sealed == nil {
		return false, rdv.Errorf(rdv.ECONFLICT, "key %q has no answer", k.Key)
	}
	if err := rk.Open(sealed, answer); err != nil {
		return false, fmt.Errorf("replay key %q of %s: %w", k.Key, k.Scope, err)
	}
	return true, nil
}

// saveAnswer stores the answer of a write, sealed, under its idempotency
// key.
func saveAnswer(ctx context.Context, tx pgx.Tx, rk *replay.Key, answer any) error {
	if rk == nil {
		return nil
	}
	sealed, err := rk.Seal(answer)
	if err != nil {
		return fmt.Errorf("save answer: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET answer = $2 WHERE id = $1`, rk.ID(), sealed); err != nil {
		return fmt.Errorf("save answer: %w", err)
	}
	return nil
}

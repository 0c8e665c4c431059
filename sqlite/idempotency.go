package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"rdv"
	"rdv/replay"
)

// idempotent runs do once per idempotency key (invariant 3). Inside the
// command's transaction it looks the key up: the same body replays the
// stored answer into result, another body is refused, and a new key runs
// do and stores result with it. When do fails its savepoint is rolled back
// with the key, so a failed write stores nothing.
//
// The row is filed under a name derived from the key and keeps the answer
// sealed with it (package replay): the table reads nothing without the
// key.
func idempotent(tx *wtx, key *rdv.IdemKey, now time.Time, result any, do func() error) (replayed bool, err error) {
	if key == nil {
		return false, do()
	}
	k, err := replay.New(key)
	if err != nil {
		return false, err
	}
	var check, sealed []byte
	err = tx.row(`SELECT body_check, answer FROM idempotency WHERE id = ?`, k.ID()).Scan(&check, &sealed)
	switch {
	case err == nil:
		if !k.SameBody(check) {
			return false, rdv.Errorf(rdv.EIDEMPOTENCY, "key %q of %s was used with another body", key.Key, key.Scope)
		}
		if err := k.Open(sealed, result); err != nil {
			return false, fmt.Errorf("replay key %q of %s: %w", key.Key, key.Scope, err)
		}
		return true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("look up idempotency key: %w", mapError(err))
	}
	if err := do(); err != nil {
		return false, err
	}
	if sealed, err = k.Seal(result); err != nil {
		return false, fmt.Errorf("record idempotency key: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO idempotency (id, body_check, answer, created_at) VALUES (?, ?, ?, ?)`,
		k.ID(), k.BodyCheck(), sealed, millis(now)); err != nil {
		return false, fmt.Errorf("record idempotency key: %w", mapError(err))
	}
	return false, nil
}

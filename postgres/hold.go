package postgres

import (
	"context"
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
//
// Holds of concurrent callers are taken together, a group in one
// transaction (writer.go); a hold the group does not take is run again
// here, alone, to be taken or refused with its reason.
func (s *Store) PlaceHold(ctx context.Context, r rdv.HoldRequest) (rdv.Hold, rdv.SlotChanges, error) {
	if s.writer != nil {
		res, alone, err := s.submitGroup(ctx, "place hold", &groupCmd{hold: &r}, r.Idem)
		if !alone {
			return res.h, res.ch, err
		}
	}
	h, ch, err := idempotentTx(ctx, s, "place hold", r.Idem, r.Now, func(tx pgx.Tx, ch *rdv.SlotChanges) (rdv.Hold, error) {
		now := dbTime(r.Now)
		if err := checkLiveHolds(ctx, tx, r, now); err != nil {
			return rdv.Hold{}, err
		}
		h := rdv.Hold{ID: r.HoldID, SlotID: r.SlotID, ClientKey: r.ClientKey, ExpiresAt: dbTime(r.Now.Add(r.TTL))}
		var x slotScan
		err := tx.QueryRow(ctx, `WITH held AS (
				UPDATE slots s SET state = 'held', hold_id = $2, hold_expires = $3
				WHERE s.id = $1 AND s.start_at > $4 AND (s.audience = 'public' OR $5)
				  AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= $4))
				RETURNING `+slotColumns+`),
			hold AS (INSERT INTO holds (id, slot_id, client_key, address_key, expires_at) SELECT $2, id, $6, $7, $3 FROM held),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
			SELECT * FROM held`,
			r.SlotID, r.HoldID, h.ExpiresAt, now, r.AllowRostered, r.ClientKey, r.AddressKey).Scan(x.dest()...)
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

// checkLiveHolds refuses a hold beyond the client's cap or the address's
// ceiling. Advisory locks on the keys make concurrent holds of one client
// or one address count one after the other, so both hold under
// concurrency too; the keys are locked in one statement, in the order of
// their lock numbers, so that two holds sharing an address cannot each
// wait for the other's lock.
func checkLiveHolds(ctx context.Context, tx pgx.Tx, r rdv.HoldRequest, now time.Time) error {
	keys := capKeys(r)
	byAddr := byAddress(r)
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, lockKeysSQL, keys); err != nil {
		return fmt.Errorf("lock client holds: %w", err)
	}
	var live, fromAddr int
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE client_key = $1), count(*) FILTER (WHERE address_key = $2 AND $3)
		FROM holds WHERE (client_key = $1 OR (address_key = $2 AND $3)) AND NOT ended AND expires_at > $4`,
		r.ClientKey, r.AddressKey, byAddr, now).Scan(&live, &fromAddr); err != nil {
		return fmt.Errorf("count live holds: %w", err)
	}
	if r.MaxLiveHolds > 0 && live >= r.MaxLiveHolds {
		return rdv.Errorf(rdv.ETOOMANYHOLDS, "client has %d live holds", live)
	}
	if byAddr && fromAddr >= r.MaxAddressHolds {
		return rdv.Errorf(rdv.ETOOMANYHOLDS, "address has %d live holds", fromAddr)
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

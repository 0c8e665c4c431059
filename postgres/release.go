package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// ReleaseHold ends a hold before it runs out and frees its slot, with a
// change row so that every instance's index offers the slot again.
func (s *Store) ReleaseHold(ctx context.Context, r rdv.ReleaseRequest) (rdv.SlotChanges, error) {
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "release hold", func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		var client string
		var ended bool
		err := tx.QueryRow(ctx, `SELECT client_key, ended FROM holds WHERE id = $1 FOR UPDATE`, r.HoldID).Scan(&client, &ended)
		switch {
		// Another client's hold reads as unknown: a hold's ID alone
		// opens nothing.
		case errors.Is(err, pgx.ErrNoRows) || err == nil && (client != r.ClientKey || r.ClientKey == ""):
			return rdv.Errorf(rdv.ENOTFOUND, "hold %s", r.HoldID)
		case err != nil:
			return fmt.Errorf("read hold %s: %w", r.HoldID, err)
		case ended:
			return nil // used or released already
		}
		rows, err := tx.Query(ctx, `WITH released AS (
				UPDATE holds SET ended = true WHERE id = $1 RETURNING slot_id),
			freed AS (
				UPDATE slots s SET state = 'free', hold_id = NULL, hold_expires = NULL
				FROM released WHERE s.id = released.slot_id AND s.state = 'held' AND s.hold_id = $1
				RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM freed)
			SELECT * FROM freed`, r.HoldID)
		if err != nil {
			return err
		}
		ch.Freed, err = scanSlots(rows)
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

package sqlite

import (
	"context"
	"fmt"

	"rdv"
)

// ReleaseHold ends a hold before it runs out and frees its slot.
func (s *Store) ReleaseHold(ctx context.Context, r rdv.ReleaseRequest) (rdv.SlotChanges, error) {
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		ch, err = releaseHold(tx, r)
		return err
	}})
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("release hold %s: %w", r.HoldID, err)
	}
	return ch, nil
}

func releaseHold(tx *wtx, r rdv.ReleaseRequest) (rdv.SlotChanges, error) {
	var status, client string
	var slotID int64
	err := tx.row(`SELECT status, client_key, slot_id FROM holds WHERE id = ?`, r.HoldID).Scan(&status, &client, &slotID)
	switch {
	// Another client's hold reads as unknown: a hold's ID alone opens
	// nothing.
	case isNoRows(err) || err == nil && (client != r.ClientKey || r.ClientKey == ""):
		return rdv.SlotChanges{}, rdv.Errorf(rdv.ENOTFOUND, "hold %s", r.HoldID)
	case err != nil:
		return rdv.SlotChanges{}, fmt.Errorf("read hold: %w", mapError(err))
	case status != "active":
		return rdv.SlotChanges{}, nil // used, released or run out already
	}
	if _, err := tx.exec(`UPDATE holds SET status = 'released' WHERE id = ?`, r.HoldID); err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("mark hold released: %w", mapError(err))
	}
	// Only a slot this very hold still holds is freed.
	slot, err := scanSlot(tx.row(`UPDATE slots SET state = 'free', hold_id = NULL, hold_expires = 0
		WHERE id = ? AND state = 'held' AND hold_id = ? RETURNING `+slotColumns, slotID, r.HoldID))
	if isNoRows(err) {
		return rdv.SlotChanges{}, nil
	}
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("free slot %d: %w", slotID, mapError(err))
	}
	return rdv.SlotChanges{Freed: []rdv.Slot{slot}}, nil
}

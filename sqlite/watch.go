package sqlite

import (
	"context"

	"rdv"
)

// WatchSlots waits until ctx ends and returns ctx.Err(), calling apply
// never. One rdv instance owns the SQLite file, and its booking engine
// applies to the index every change that it commits: there is no other
// instance whose changes a watcher would bring.
func (s *Store) WatchSlots(ctx context.Context, apply func(rdv.SlotChanges)) error {
	<-ctx.Done()
	return ctx.Err()
}

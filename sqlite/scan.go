package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

// ScanBookable calls fn for every slot that starts at or after from and
// can be held at now: free, or held by a hold that ran out. It is how the
// availability index is built at start, over a million slots.
func (s *Store) ScanBookable(ctx context.Context, from, now time.Time, fn func(rdv.Slot) error) error {
	// "+start_utc" keeps SQLite off the start index: the scan reads nearly
	// every row, and reading the table in order beats a lookup per row.
	rows, err := s.r(ctx).query(`SELECT `+slotColumns+` FROM slots
		WHERE +start_utc >= ? AND (state = 'free' OR (state = 'held' AND hold_expires <= ?))`,
		from.Unix()+boolInt(from.Nanosecond() > 0), millis(now))
	if err != nil {
		return fmt.Errorf("scan bookable slots: %w", mapError(err))
	}
	defer rows.Close()
	var sc slotScanner
	for rows.Next() {
		sl, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("scan bookable slots: %w", mapError(err))
		}
		if err := fn(sl); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan bookable slots: %w", mapError(err))
	}
	return nil
}

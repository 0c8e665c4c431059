package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"rdv"
)

// scanBatch is how many slots a scanning goroutine hands over at once.
const scanBatch = 4096

// ScanBookable calls fn for every slot that starts at or after from and
// can be held at now: free, or held by a hold that ran out. It is how the
// availability index is built at start, over a million slots, and the
// start must stay under two seconds: decoding rows is the cost, so the
// table is cut into ranges of IDs read side by side on as many read
// connections as there are cores, while fn runs on the caller's goroutine
// alone, one batch at a time.
func (s *Store) ScanBookable(ctx context.Context, from, now time.Time, fn func(rdv.Slot) error) error {
	var lo, hi sql.NullInt64
	if err := s.r(ctx).row(`SELECT min(id), max(id) FROM slots`).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("scan bookable slots: %w", mapError(err))
	}
	if !lo.Valid {
		return nil
	}
	parts := min(runtime.GOMAXPROCS(0), s.readConns)
	span := (hi.Int64-lo.Int64)/int64(parts) + 1
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []rdv.Slot, 2*parts)
	for i := range parts {
		first := lo.Int64 + int64(i)*span
		g.Go(func() error { return s.scanRange(gctx, first, first+span, from, now, batches) })
	}
	go func() { _ = g.Wait(); close(batches) }()
	var fnErr error
	for batch := range batches {
		for _, sl := range batch {
			if fnErr == nil {
				fnErr = fn(sl)
			}
		}
		if fnErr != nil {
			stop() // the readers stop; draining the channel lets them exit
		}
	}
	if fnErr != nil {
		return fnErr
	}
	return g.Wait()
}

// scanRange sends the bookable slots with IDs in [first, end) in batches.
func (s *Store) scanRange(ctx context.Context, first, end int64, from, now time.Time, out chan<- []rdv.Slot) error {
	// "+start_utc" keeps SQLite off any index on start: the scan reads
	// nearly every row of the range, in rowid order.
	rows, err := s.r(ctx).query(`SELECT `+slotColumns+` FROM slots
		WHERE id >= ? AND id < ? AND +start_utc >= ? AND (state = 'free' OR (state = 'held' AND hold_expires <= ?))`,
		first, end, from.Unix()+boolInt(from.Nanosecond() > 0), millis(now))
	if err != nil {
		return fmt.Errorf("scan bookable slots: %w", mapError(err))
	}
	defer rows.Close()
	var sc slotScanner
	batch := make([]rdv.Slot, 0, scanBatch)
	for rows.Next() {
		sl, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("scan bookable slots: %w", mapError(err))
		}
		if batch = append(batch, sl); len(batch) == scanBatch {
			select {
			case out <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]rdv.Slot, 0, scanBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan bookable slots: %w", mapError(err))
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rdv"
)

// notifyChannel is the LISTEN/NOTIFY channel that wakes watchers when the
// slot change log grows.
const notifyChannel = "rdv_slot_changes"

// Watcher timing. The tick is the safety net under notifications: a
// watcher reads the log at least this often even if every NOTIFY is lost.
const (
	watchTick       = time.Second
	minPollGap      = 20 * time.Millisecond // polls at most this often under a flood of notifications
	startOverlap    = time.Minute           // log replayed at start, covering the index build before it
	maxReconnectGap = 5 * time.Second
	resyncBatch     = 10_000
	maxPending      = 100_000 // log rows kept above the cursor before gaps are given up
)

// runNotifier sends one NOTIFY after commits that changed availability.
// It runs outside the booking transactions on purpose: NOTIFY takes a
// cluster-wide lock while its transaction commits, which would make every
// booking commit one after the other. Commits that happen while a NOTIFY
// is on its way are covered by the next one (the wake channel holds one
// signal), and a NOTIFY lost to a crash is covered by the watchers' tick.
// It also prunes the change log.
func (s *Store) runNotifier(ctx context.Context) {
	defer close(s.done)
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.notify:
			err := s.withConn(ctx, "notify", func(c *pgx.Conn) error {
				_, err := c.Exec(ctx, `SELECT pg_notify($1, '')`, notifyChannel)
				return err
			})
			if err != nil && ctx.Err() == nil {
				s.log.Warn("notify slot changes", "err", err)
			}
		case <-prune.C:
			err := s.withConn(ctx, "prune slot changes", func(c *pgx.Conn) error {
				_, err := c.Exec(ctx, `DELETE FROM slot_changes WHERE changed_at < now() - $1::interval`, s.opts.ChangeRetention)
				return err
			})
			if err != nil && ctx.Err() == nil {
				s.log.Warn("prune slot changes", "err", err)
			}
		}
	}
}

// WatchSlots calls apply with the current state of every slot whose
// availability any instance changed, until ctx is done. It holds one
// connection of its own that LISTENs; on each notification, and every
// second in any case, it reads the change log after the last entry it
// applied. When the connection drops it reconnects with backoff and
// resumes where it stopped, or resyncs every future slot when it was away
// longer than the log is kept.
func (s *Store) WatchSlots(ctx context.Context, apply func(rdv.SlotChanges)) error {
	w := &watcher{store: s, apply: apply, seen: map[int64]bool{}, gaps: map[int64]int64{}}
	attempt := 0
	for {
		err := w.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && !isConnError(err) {
			// The server refused a statement (say, the schema is
			// missing): trying again will not help.
			return fmt.Errorf("watch slots: %w", err)
		}
		if w.connected {
			attempt = 0
		}
		attempt++
		s.log.Warn("slot watcher disconnected, reconnecting", "err", err, "attempt", attempt)
		d := min(time.Duration(1<<min(attempt, 8))*50*time.Millisecond, maxReconnectGap)
		t := time.NewTimer(d/2 + rand.N(d/2+1)) // #nosec G404 -- jitter of a reconnection, not a secret
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// watcher is the state a WatchSlots keeps across reconnections.
type watcher struct {
	store *Store
	apply func(rdv.SlotChanges)

	started   bool
	connected bool            // the last session got as far as listening
	cursor    int64           // every log entry up to here is applied or will never commit
	seen      map[int64]bool  // entries above the cursor already applied
	gaps      map[int64]int64 // missing entries above the cursor → xmax when first missed
	lastPoll  time.Time       // when the log was last read successfully
}

// session connects, listens and follows the log until the connection or
// ctx fails.
func (w *watcher) session(ctx context.Context) error {
	w.connected = false
	// A connection outside the pool: it stays in LISTEN for the
	// watcher's lifetime and must not count against the bookings' limit.
	conn, err := pgx.ConnectConfig(ctx, w.store.pool.Config().ConnConfig)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	w.connected = true
	switch {
	case !w.started:
		if err := w.start(ctx, conn); err != nil {
			return err
		}
	case time.Since(w.lastPoll) > w.store.opts.ChangeRetention/2:
		// The entries missed may be pruned already: read every slot.
		if err := w.resync(ctx, conn); err != nil {
			return err
		}
	}
	for {
		if err := w.poll(ctx, conn); err != nil {
			return err
		}
		if wait := minPollGap - time.Since(w.lastPoll); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		wctx, cancel := context.WithTimeout(ctx, watchTick)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && conn.IsClosed() {
			return fmt.Errorf("wait for notification: %w", err)
		}
		drainNotifications(conn)
	}
}

// drainNotifications drops the notifications already received: the next
// poll reads everything they announce.
func drainNotifications(conn *pgx.Conn) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		n, _ := conn.WaitForNotification(done)
		if n == nil {
			return
		}
	}
}

// start places the cursor before the entries of the last startOverlap, so
// that changes committed while the caller built its index from a scan are
// applied again (applying a slot's current state twice is harmless).
func (w *watcher) start(ctx context.Context, conn *pgx.Conn) error {
	err := conn.QueryRow(ctx, `SELECT COALESCE(
			(SELECT min(seq) - 1 FROM slot_changes WHERE changed_at >= now() - $1::interval),
			(SELECT max(seq) FROM slot_changes), 0)`, startOverlap).Scan(&w.cursor)
	if err != nil {
		return fmt.Errorf("start of the change log: %w", err)
	}
	w.started = true
	return nil
}

// poll reads the log after the cursor in one snapshot, applies the slots'
// current state, and moves the cursor over entries that are applied or
// can no longer appear.
//
// Log entries take their numbers before they commit, so entry 7 may
// commit after entry 8: the cursor cannot simply jump to the highest entry
// read. A missing number is a gap to wait for until every transaction that
// was running when the gap was first seen has ended (the snapshot's xmin
// passed the xmax of that first sighting); then it is either read or was
// rolled back.
func (w *watcher) poll(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("poll: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var xmin, xmax int64
	err = tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
		pg_snapshot_xmax(pg_current_snapshot())::text::bigint`).Scan(&xmin, &xmax)
	if err != nil {
		return fmt.Errorf("poll snapshot: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT seq, slot_id FROM slot_changes WHERE seq > $1 ORDER BY seq`, w.cursor)
	if err != nil {
		return fmt.Errorf("poll log: %w", err)
	}
	var fresh []int64 // slot IDs to apply, in log order
	maxSeq := w.cursor
	for rows.Next() {
		var seq, slotID int64
		if err := rows.Scan(&seq, &slotID); err != nil {
			rows.Close()
			return fmt.Errorf("poll log: %w", err)
		}
		maxSeq = max(maxSeq, seq)
		if !w.seen[seq] {
			w.seen[seq] = true
			delete(w.gaps, seq)
			fresh = append(fresh, slotID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("poll log: %w", err)
	}
	if len(fresh) > 0 {
		if err := w.applyCurrent(ctx, tx, fresh); err != nil {
			return err
		}
	}
	w.lastPoll = time.Now()
	w.advance(maxSeq, xmin, xmax)
	return nil
}

// advance moves the cursor over applied entries and final gaps.
func (w *watcher) advance(maxSeq int64, xmin, xmax int64) {
	for seq := w.cursor + 1; seq <= maxSeq; seq++ {
		if !w.seen[seq] {
			if _, ok := w.gaps[seq]; !ok {
				w.gaps[seq] = xmax
			}
		}
	}
	giveUp := len(w.seen) > maxPending
	for w.cursor < maxSeq {
		next := w.cursor + 1
		if w.seen[next] {
			delete(w.seen, next)
		} else if firstXmax := w.gaps[next]; xmin >= firstXmax || giveUp {
			delete(w.gaps, next)
		} else {
			break
		}
		w.cursor = next
	}
}

// applyCurrent reads the current state of the slots and applies it: a slot
// that can be held now is freed, any other is taken.
func (w *watcher) applyCurrent(ctx context.Context, q pgx.Tx, ids []int64) error {
	rows, err := q.Query(ctx, `SELECT `+slotColumns+` FROM slots s WHERE s.id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("read changed slots: %w", err)
	}
	slots, err := scanSlots(rows)
	if err != nil {
		return fmt.Errorf("read changed slots: %w", err)
	}
	byID := make(map[int64]rdv.Slot, len(slots))
	for _, sl := range slots {
		byID[sl.ID] = sl
	}
	now := time.Now()
	var ch rdv.SlotChanges
	done := make(map[int64]bool, len(ids))
	for _, id := range ids {
		sl, ok := byID[id]
		if !ok || done[id] {
			continue
		}
		done[id] = true
		if sl.FreeAt(now) {
			ch.Freed = append(ch.Freed, sl)
		} else {
			ch.Taken = append(ch.Taken, sl)
		}
	}
	w.apply(ch)
	return nil
}

// resync applies the current state of every slot that has not started,
// in batches, and restarts the log from its end.
func (w *watcher) resync(ctx context.Context, conn *pgx.Conn) error {
	w.store.log.Warn("slot watcher resyncing every slot")
	now := time.Now()
	after := int64(0)
	for {
		rows, err := conn.Query(ctx, `SELECT `+slotColumns+` FROM slots s WHERE s.start_at >= $1 AND s.id > $2 ORDER BY s.id LIMIT $3`, now, after, resyncBatch)
		if err != nil {
			return fmt.Errorf("resync: %w", err)
		}
		slots, err := scanSlots(rows)
		if err != nil {
			return fmt.Errorf("resync: %w", err)
		}
		if len(slots) == 0 {
			break
		}
		var ch rdv.SlotChanges
		for _, sl := range slots {
			if sl.FreeAt(now) {
				ch.Freed = append(ch.Freed, sl)
			} else {
				ch.Taken = append(ch.Taken, sl)
			}
		}
		w.apply(ch)
		after = slots[len(slots)-1].ID
	}
	// Follow the log again from a minute back: entries committed while
	// the slots were read are applied again, which is harmless.
	w.seen, w.gaps = map[int64]bool{}, map[int64]int64{}
	return w.start(ctx, conn)
}

package spool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"rdv"
)

// Replay tuning: how many records one checkpoint covers, how long the
// replayer waits between attempts while the store is down, and when a
// fully replayed spool is emptied.
const (
	replayBatch    = 64
	retryFirst     = 50 * time.Millisecond
	retryMax       = 5 * time.Second
	compactAtBytes = 1 << 20
	idleCheck      = time.Second
)

// Run replays spooled requests into the store, in arrival order, until
// ctx is done. While the store fails it retries the same request with
// backoff: no request overtakes another. It returns nil when ctx ends.
func (s *Spool) Run(ctx context.Context) error {
	backoff := retryFirst
	tick := time.NewTicker(idleCheck)
	defer tick.Stop()
	for {
		n, err := s.replayOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.log.Warn("spool: replay into the store failed; will retry", "err", err, "pending", s.Pending(), "retry_in", backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, retryMax)
			continue
		case n > 0:
			backoff = retryFirst
			continue // more may have arrived meanwhile
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// replayOnce writes up to replayBatch spooled records into the store and
// checkpoints them. It returns how many it replayed.
func (s *Spool) replayOnce(ctx context.Context) (int, error) {
	s.mu.Lock()
	from, to, closed := s.done, s.size, s.closed
	s.mu.Unlock()
	if closed {
		return 0, rdv.Errorf(rdv.EUNAVAILABLE, "spool closed")
	}
	if from >= to {
		return 0, s.compact()
	}
	f, err := os.Open(s.path)
	if err != nil {
		return 0, fmt.Errorf("read spool: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0, fmt.Errorf("read spool: %w", err)
	}
	br := bufio.NewReader(io.LimitReader(f, to-from))
	n := 0
	at := from
	var replayErr error
	for n < replayBatch {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(line) == 0 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			replayErr = fmt.Errorf("read spool: %w", err)
			break
		}
		rec, err := decode(line)
		if err != nil {
			// Appends are synced whole before they count in size: a bad
			// record under size is damage, not a torn append.
			replayErr = fmt.Errorf("spool at byte %d: %w", at, err)
			break
		}
		r, err := openRequest(s.keys, rec)
		if err != nil {
			replayErr = fmt.Errorf("spool at byte %d: %w", at, err)
			break
		}
		by, err := filedBy(s.keys, rec)
		if err != nil {
			replayErr = fmt.Errorf("spool at byte %d: %w", at, err)
			break
		}
		stored, err := s.store.AddRequest(rdv.WithActor(ctx, by), r)
		if err != nil {
			replayErr = fmt.Errorf("replay request %s: %w", r.Reference, err)
			break
		}
		if !stored.ReceivedAt.Equal(r.ReceivedAt) || stored.HealthNumber != r.HealthNumber {
			s.log.Error("spool: a stored request already had this reference; the spooled one was not stored", "reference", r.Reference)
		}
		at += int64(len(line))
		n++
	}
	if n > 0 {
		if err := s.checkpoint(at, n); err != nil {
			return n, err
		}
	}
	return n, replayErr
}

// checkpoint records that the spool is replayed up to byte at.
func (s *Spool) checkpoint(at int64, n int) error {
	if err := writeCheckpoint(s.checkpointPath(), at); err != nil {
		return err
	}
	s.mu.Lock()
	s.done = at
	s.pending -= n
	s.mu.Unlock()
	return nil
}

// compact empties a spool that is fully replayed and has grown past
// compactAtBytes. Appends wait meanwhile, so none is lost: the file is cut
// first, and a crash before the checkpoint is reset leaves a checkpoint
// past the end of an empty file, which Open reads as zero.
func (s *Spool) compact() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.done != s.size || s.size < compactAtBytes {
		return nil
	}
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("compact spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("compact spool: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("compact spool: %w", err)
	}
	s.size, s.done = 0, 0
	return writeCheckpoint(s.checkpointPath(), 0)
}

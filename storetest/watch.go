package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"rdv"
)

// runWatch checks the part of rdv.SlotWatcher that every store keeps,
// shared or not: WatchSlots runs until its context ends and then returns
// ctx.Err(), so that a server can follow any store and still stop. What
// PostgreSQL's watcher brings from other instances is tested with it.
func runWatch(t *testing.T, open func(t *testing.T) rdv.Store) {
	f := newFixture(t, open)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.store.WatchSlots(ctx, func(rdv.SlotChanges) {}) }()
	select {
	case err := <-done:
		t.Fatalf("WatchSlots returned before its context ended: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("WatchSlots returned %v when its context ended, want %v", err, context.Canceled)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WatchSlots still runs 10 s after its context ended")
	}
}

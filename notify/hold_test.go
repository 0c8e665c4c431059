package notify

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
	"rdv/sqlite"
)

// The embedded store tells how busy its one writer is.
var _ busyWriter = (*sqlite.Store)(nil)

func TestWriterLoad(t *testing.T) {
	t.Parallel()
	var wall, busy atomic.Int64
	l := &writerLoad{log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		busy: func() time.Duration { return time.Duration(busy.Load()) },
		now:  func() time.Time { return time.Unix(0, wall.Load()) }}
	steps := []struct {
		name       string
		wall, busy time.Duration // since the last look
		want       bool
	}{
		{"the first look", 0, 0, false},
		{"idle", 100 * time.Millisecond, 0, false},
		{"busy half the time", 100 * time.Millisecond, 50 * time.Millisecond, false},
		{"busy most of the time", 100 * time.Millisecond, 90 * time.Millisecond, true},
		{"still", 100 * time.Millisecond, 100 * time.Millisecond, true},
		{"the burst has passed", 100 * time.Millisecond, 10 * time.Millisecond, false},
	}
	for _, s := range steps {
		wall.Add(int64(s.wall))
		busy.Add(int64(s.busy))
		if got := l.saturated(); got != s.want {
			t.Fatalf("%s: saturated %v, want %v", s.name, got, s.want)
		}
	}
	if (&writerLoad{}).saturated() {
		t.Fatal("a store without one writer is saturated")
	}
}

// TestDispatchHoldsBackWhileSaturated: while the writer is saturated, a
// confirmation gets no job until it has waited holdBack; once the writer
// has room, it gets its job at once.
func TestDispatchHoldsBackWhileSaturated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, saturated := range []bool{true, false} {
		d := loadDelivery(t, openSQLiteDelivery(t))
		var clock atomic.Int64 // the notifier's now
		clock.Store(time.Now().UnixNano())
		n := openDelivery(t, d, Config{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
		var wall, busy atomic.Int64
		n.load.now = func() time.Time { return time.Unix(0, wall.Load()) }
		n.load.busy = func() time.Duration { return time.Duration(busy.Load()) }
		n.load.saturated() // the first look
		look := func() {
			wall.Add(int64(100 * time.Millisecond))
			if saturated {
				busy.Add(int64(100 * time.Millisecond))
			}
		}
		a := d.book(t, "lea@example.org", 0)
		// The notifier's clock from the confirmation's due time on,
		// however long the booking took.
		due := d.messages(t, a.ID)[rdv.MessageConfirmed].DueAt
		clock.Store(due.UnixNano())
		look()
		want := 1
		if saturated {
			want = 0
		}
		if made, err := n.dispatch(ctx); err != nil || made != want {
			t.Fatalf("saturated %v: dispatched %d, %v; want %d", saturated, made, err, want)
		}
		if !saturated {
			continue
		}
		clock.Add(int64(holdBack - time.Millisecond))
		look()
		if made, err := n.dispatch(ctx); err != nil || made != 0 {
			t.Fatalf("just before holdBack: dispatched %d, %v; want none", made, err)
		}
		clock.Add(int64(time.Millisecond))
		look()
		if made, err := n.dispatch(ctx); err != nil || made != 1 {
			t.Fatalf("after holdBack: dispatched %d, %v; want the confirmation", made, err)
		}
	}
}

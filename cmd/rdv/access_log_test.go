package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The background handler writes every record, in order, with the
// attributes and groups of the logger that made it, once Close returns.
// The same with the lines gathered into fewer writes.
func TestBackgroundHandlerWritesInOrder(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched=%t", batched), func(t *testing.T) {
			var buf bytes.Buffer
			w := &countingWriter{w: &buf}
			var batch *batchWriter
			var out io.Writer = w
			if batched {
				batch = &batchWriter{w: w}
				out = batch
			}
			h := newBackgroundHandler(slog.NewTextHandler(out, nil), batch)
			log := slog.New(h)
			for i := range 1000 {
				log.With("instance", "a").WithGroup("req").Info("request", "n", i)
			}
			h.Close()
			h.Close() // a second Close is harmless
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 1000 {
				t.Fatalf("%d lines, want 1000", len(lines))
			}
			for i, l := range lines {
				if !strings.Contains(l, fmt.Sprintf("instance=a req.n=%d", i)) {
					t.Fatalf("line %d: %s", i, l)
				}
			}
			if !batched && w.writes != 1000 {
				t.Errorf("%d writes, want one a line", w.writes)
			}
			if h.Dropped() != 0 {
				t.Errorf("dropped %d", h.Dropped())
			}
			log.Info("after Close") // dropped or queued, never a panic
		})
	}
}

type countingWriter struct {
	w      io.Writer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.w.Write(p)
}

// A held batch writer keeps what it is given, in order, and writes it
// in one call at release; released, it writes at once.
func TestBatchWriter(t *testing.T) {
	var buf bytes.Buffer
	w := &countingWriter{w: &buf}
	b := &batchWriter{w: w}
	fmt.Fprint(b, "a")
	b.hold()
	fmt.Fprint(b, "b")
	fmt.Fprint(b, "c")
	if buf.String() != "a" || w.writes != 1 {
		t.Fatalf("held: %q in %d writes, want \"a\" in 1", buf.String(), w.writes)
	}
	b.release()
	fmt.Fprint(b, "d")
	if buf.String() != "abcd" || w.writes != 3 {
		t.Errorf("released: %q in %d writes, want \"abcd\" in 3", buf.String(), w.writes)
	}
	b.hold()
	big := strings.Repeat("x", batchFlush)
	fmt.Fprint(b, big)
	if buf.Len() != 4+batchFlush {
		t.Errorf("held past %d bytes: %d written, want everything", batchFlush, buf.Len())
	}
	b.release()
	var none *batchWriter
	none.hold() // no batch: nothing to hold
	none.release()
}

// blocking is a handler whose Handle waits until release is closed.
type blocking struct {
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func (b *blocking) Enabled(context.Context, slog.Level) bool { return true }
func (b *blocking) Handle(context.Context, slog.Record) error {
	<-b.release
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	return nil
}
func (b *blocking) WithAttrs([]slog.Attr) slog.Handler { return b }
func (b *blocking) WithGroup(string) slog.Handler      { return b }

// A writer that falls behind never holds a request up: past the queue's
// room, lines are dropped and counted.
func TestBackgroundHandlerDropsWhenBehind(t *testing.T) {
	inner := &blocking{release: make(chan struct{})}
	h := newBackgroundHandler(inner, nil)
	log := slog.New(h)
	const extra = 10
	log.Info("request") // taken by the writer, which is stuck on it
	for len(h.q.records) > 0 {
		runtime.Gosched()
	}
	for range accessLogQueue + extra {
		log.Info("request")
	}
	if got := h.Dropped(); got != extra {
		t.Errorf("dropped %d, want %d", got, extra)
	}
	close(inner.release)
	h.Close()
	if inner.n != accessLogQueue+1 {
		t.Errorf("wrote %d, want %d", inner.n, accessLogQueue+1)
	}
}

// The request log batches only the writes of the logger NewMain made:
// under another logger, the batch writer is not the one its lines go to.
func TestAccessBatchFollowsTheLog(t *testing.T) {
	m := NewMain()
	if m.accessBatch() == nil {
		t.Fatal("NewMain's own log: no batch")
	}
	m.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if m.accessBatch() != nil {
		t.Error("a log of another writer: batched all the same")
	}
}

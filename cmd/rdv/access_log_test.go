package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The background handler writes every record, in order, with the
// attributes and groups of the logger that made it, once Close returns.
func TestBackgroundHandlerWritesInOrder(t *testing.T) {
	var buf bytes.Buffer
	h := newBackgroundHandler(slog.NewTextHandler(&buf, nil))
	log := slog.New(h)
	for i := range 100 {
		log.With("instance", "a").WithGroup("req").Info("request", "n", i)
	}
	h.Close()
	h.Close() // a second Close is harmless
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 100 {
		t.Fatalf("%d lines, want 100", len(lines))
	}
	for i, l := range lines {
		if !strings.Contains(l, fmt.Sprintf("instance=a req.n=%d", i)) {
			t.Fatalf("line %d: %s", i, l)
		}
	}
	if h.Dropped() != 0 {
		t.Errorf("dropped %d", h.Dropped())
	}
	log.Info("after Close") // dropped or queued, never a panic
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
	h := newBackgroundHandler(inner)
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

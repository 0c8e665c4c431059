package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
)

// accessLogQueue is how many request lines wait for the writer at most;
// past it, lines are dropped and counted rather than slow the requests.
const accessLogQueue = 8192

// backgroundHandler hands log records to a goroutine that writes them
// with the handler it wraps: formatting a request's line and its write
// system call leave the request path (about a fifth of a cheap request's
// CPU, measured on /healthz). Records keep their order. When the writer
// falls behind by accessLogQueue lines, new ones are dropped and counted
// (Dropped): a flood must not make every request wait for the log.
type backgroundHandler struct {
	inner slog.Handler
	q     *logQueue
}

// logQueue is the queue and the writer shared by a handler and those
// WithAttrs and WithGroup derive from it.
type logQueue struct {
	records chan queued
	dropped atomic.Int64
	done    chan struct{}
	close   sync.Once
}

// queued is a record and the handler to write it with; a nil handler
// asks the writer to stop.
type queued struct {
	h slog.Handler
	r slog.Record
}

// logBatchMax is how many records the writer formats into one write at
// most, so that a line waits behind a few hundred others, not thousands.
const logBatchMax = 256

// newBackgroundHandler starts the writer of inner's records; Close
// writes those queued, then stops it. When batch is the writer under
// inner (nil: none), the records waiting together are written in one
// system call rather than one each: under load, that call was a tenth
// of a search's CPU.
func newBackgroundHandler(inner slog.Handler, batch *batchWriter) *backgroundHandler {
	q := &logQueue{records: make(chan queued, accessLogQueue), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for rec := range q.records {
			batch.hold()
			stop := false
			for n := 0; ; n++ {
				if rec.h == nil {
					stop = true
					break
				}
				_ = rec.h.Handle(context.Background(), rec.r)
				if n == logBatchMax {
					break
				}
				select {
				case rec = <-q.records:
					continue
				default:
				}
				break
			}
			batch.release()
			if stop {
				return
			}
		}
	}()
	return &backgroundHandler{inner: inner, q: q}
}

// batchWriter writes to w, at once, except while held: then what is
// written waits in a buffer, written whole at release. The request
// log's writer holds it while it formats the lines waiting; anything
// else logged meanwhile joins the same write, microseconds later.
type batchWriter struct {
	w    io.Writer
	mu   sync.Mutex
	held bool
	buf  []byte
}

// batchFlush is how much a held writer keeps before it writes anyway.
const batchFlush = 64 << 10

func (b *batchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.held {
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= batchFlush {
		b.flush()
	}
	return len(p), nil
}

func (b *batchWriter) hold() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.held = true
	b.mu.Unlock()
}

func (b *batchWriter) release() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held = false
	b.flush()
}

// flush writes the buffer; a failed write loses those lines, as a line
// written at once would be (the log has nowhere to report it).
func (b *batchWriter) flush() {
	if len(b.buf) > 0 {
		_, _ = b.w.Write(b.buf)
		b.buf = b.buf[:0]
	}
}

func (h *backgroundHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle queues a copy of r (its attributes may be reused by the caller
// once Handle returns).
func (h *backgroundHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.q.records <- queued{h.inner, r.Clone()}:
	default:
		h.q.dropped.Add(1)
	}
	return nil
}

func (h *backgroundHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &backgroundHandler{inner: h.inner.WithAttrs(as), q: h.q}
}

func (h *backgroundHandler) WithGroup(name string) slog.Handler {
	return &backgroundHandler{inner: h.inner.WithGroup(name), q: h.q}
}

// Dropped is how many records the queue had no room for.
func (h *backgroundHandler) Dropped() int64 { return h.q.dropped.Load() }

// Close writes the records queued, then stops the writer; records
// handled after it are dropped. The channel is never closed, so that a
// late request's line cannot panic.
func (h *backgroundHandler) Close() {
	h.q.close.Do(func() { h.q.records <- queued{} })
	<-h.q.done
}

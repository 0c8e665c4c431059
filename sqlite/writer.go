package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// command is one write handed to the writer goroutine. Either run (a write
// that joins a batch, inside its own savepoint) or exclusive (work that
// needs the write connection alone, outside any batch: the network load) is
// set. The writer answers on done exactly once.
type command struct {
	ctx       context.Context
	run       func(tx *wtx) error
	exclusive func(ctx context.Context, conn *sql.Conn) error
	done      chan error
	// transient marks a write whose loss in a restore loses no booking
	// (a hold, which lives minutes): it does not wait for afterCommit.
	transient bool
	// checked marks a run that writes nothing it would have to undo:
	// it checks every refusal before its first write and answers it
	// itself. It runs without a savepoint, and an error it returns rolls
	// the whole batch back.
	checked bool
}

// writer owns the write connection. Commands arrive on an unbuffered
// channel: a command is either taken by the writer, which will answer it,
// or refused because the store is closing; none is ever stranded.
type writer struct {
	keys    *fieldcrypt.Keys
	conn    *sql.Conn
	stmts   *stmtCache
	max     int
	cmds    chan *command
	closing chan struct{}
	exited  chan struct{}
	stopped sync.Once
	err     error

	// ctx is the writer's own and never done: statements never run under
	// a caller's context, because interrupting a statement would roll back
	// the whole batch, other callers' writes included. A context that can
	// never be done also spares database/sql and the driver a watcher
	// goroutine per statement.
	ctx context.Context

	batches  atomic.Int64 // transactions committed or attempted
	commands atomic.Int64 // batched commands run
	largest  atomic.Int64 // most commands in one batch
	busy     atomic.Int64 // nanoseconds spent running batches

	lastBatch int // size of the previous batch, a hint of concurrency

	// afterCommit, when set, is what a write waits for once committed
	// and before its caller hears of it (Store.AfterCommit).
	afterCommit atomic.Pointer[func(context.Context) error]

	// webhooks is set while some clinic has a live webhook endpoint: only
	// then do the booking writes queue their events (queueEvent), so that
	// a network without endpoints pays nothing for them.
	webhooks atomic.Bool
}

func startWriter(conn *sql.Conn, maxBatch int, keys *fieldcrypt.Keys) *writer {
	w := &writer{
		keys:    keys,
		conn:    conn,
		stmts:   newStmtCache(conn),
		max:     maxBatch,
		cmds:    make(chan *command),
		closing: make(chan struct{}),
		exited:  make(chan struct{}),
		ctx:     context.Background(),
	}
	go w.loop()
	return w
}

// errClosed answers writes handed to a closed store.
var errClosed = rdv.Errorf(rdv.EUNAVAILABLE, "store closed")

// submit hands run to the writer and waits for its answer. Once the writer
// has taken the command the caller waits for the answer even if ctx ends:
// the writer skips a command whose ctx is done before running it, and once
// running, its outcome must reach the caller.
func (w *writer) submit(ctx context.Context, c *command) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.ctx = ctx
	c.done = make(chan error, 1)
	select {
	case w.cmds <- c:
	case <-w.closing:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	err := <-c.done
	if wait := w.afterCommit.Load(); err == nil && wait != nil && !c.transient {
		// Outside the writer: the next batch commits meanwhile.
		if err = (*wait)(ctx); err != nil {
			err = rdv.Errorf(rdv.EUNAVAILABLE, "written, but not yet copied to the replica: %v", err)
		}
	}
	return err
}

func (w *writer) loop() {
	defer close(w.exited)
	batch := make([]*command, 0, w.max)
	for {
		var first *command
		select {
		case first = <-w.cmds:
		case <-w.closing:
			// Answer whoever is already handing a command over.
			for {
				select {
				case c := <-w.cmds:
					w.dispatch(append(batch[:0], c))
				default:
					return
				}
			}
		}
		w.dispatch(w.gather(append(batch[:0], first)))
	}
}

// gather adds to batch the commands already waiting. When others are
// waiting it yields the processor a few times first: the callers answered
// by the last commit are waking up to send their next write, and letting
// them in costs microseconds where a second commit costs an fsync.
func (w *writer) gather(batch []*command) []*command {
	if batch[0].exclusive != nil {
		return batch
	}
	for round := 0; len(batch) < w.max; round++ {
		before := len(batch)
	take:
		for len(batch) < w.max {
			select {
			case c := <-w.cmds:
				batch = append(batch, c)
				if c.exclusive != nil {
					return batch
				}
			default:
				break take
			}
		}
		// Alone now and alone last time: nobody else is coming.
		if w.lastBatch <= 1 && len(batch) == 1 || len(batch) == before && round > 0 || round == gatherRounds {
			break
		}
		runtime.Gosched()
	}
	w.lastBatch = len(batch)
	return batch
}

// gatherRounds bounds how many times gather yields.
const gatherRounds = 4

// dispatch runs a batch: the plain commands together, an exclusive one
// (always last) alone.
func (w *writer) dispatch(batch []*command) {
	began := time.Now()
	defer func() { w.busy.Add(int64(time.Since(began))) }()
	if last := batch[len(batch)-1]; last.exclusive != nil {
		if len(batch) > 1 {
			w.runBatch(batch[:len(batch)-1])
		}
		if err := last.ctx.Err(); err != nil {
			last.done <- err
			return
		}
		last.done <- last.exclusive(last.ctx, w.conn)
		return
	}
	w.runBatch(batch)
}

// runBatch runs the commands in one transaction, each in its own savepoint,
// commits once and answers each. If the commit fails, every command of the
// batch fails.
func (w *writer) runBatch(batch []*command) {
	live := make([]*command, 0, len(batch))
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.done <- err
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	w.batches.Add(1)
	w.commands.Add(int64(len(live)))
	if n := int64(len(live)); n > w.largest.Load() {
		w.largest.Store(n)
	}
	errs := make([]error, len(live))
	if err := w.exec("BEGIN IMMEDIATE"); err != nil {
		w.failAll(live, fmt.Errorf("begin: %w", err))
		return
	}
	tx := &wtx{ctx: w.ctx, stmts: w.stmts, keys: w.keys, webhooks: &w.webhooks}
	for i, c := range live {
		if c.checked {
			if err := mapError(c.run(tx)); err != nil {
				w.abort(live, err)
				return
			}
			continue
		}
		if err := w.exec("SAVEPOINT cmd"); err != nil {
			w.abort(live, fmt.Errorf("savepoint: %w", err))
			return
		}
		queued, events, audits := len(tx.outbox), len(tx.events), len(tx.audits)
		errs[i] = mapError(c.run(tx))
		if errs[i] == nil {
			if err := w.exec("RELEASE cmd"); err != nil {
				w.abort(live, fmt.Errorf("release savepoint: %w", err))
				return
			}
			continue
		}
		tx.outbox = tx.outbox[:queued] // the failed write's messages go with it
		tx.events = tx.events[:events]
		tx.audits = tx.audits[:audits]
		if err := w.exec("ROLLBACK TO cmd"); err != nil {
			w.abort(live, fmt.Errorf("roll back to savepoint: %w", err))
			return
		}
		if err := w.exec("RELEASE cmd"); err != nil {
			w.abort(live, fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := insertMessages(tx, tx.outbox); err != nil {
		w.abort(live, err)
		return
	}
	if err := insertEvents(tx, tx.events); err != nil {
		w.abort(live, err)
		return
	}
	if err := insertAudit(tx, tx.audits); err != nil {
		w.abort(live, err)
		return
	}
	if err := w.exec("COMMIT"); err != nil {
		w.abort(live, fmt.Errorf("commit: %w", err))
		return
	}
	for i, c := range live {
		c.done <- errs[i]
	}
}

// abort rolls the transaction back and fails every command of the batch.
func (w *writer) abort(batch []*command, err error) {
	if rerr := w.exec("ROLLBACK"); rerr != nil {
		err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
	}
	w.failAll(batch, err)
}

func (w *writer) failAll(batch []*command, err error) {
	for _, c := range batch {
		c.done <- err
	}
}

func (w *writer) exec(q string) error {
	_, err := w.stmts.exec(w.ctx, q)
	return mapError(err)
}

// stop makes new writes fail, waits for the writer to answer the ones it
// took and to exit, then releases the write connection.
func (w *writer) stop() error {
	w.stopped.Do(func() {
		close(w.closing)
		<-w.exited
		err := w.stmts.close()
		if cerr := w.conn.Close(); err == nil {
			err = cerr
		}
		w.err = err
	})
	return w.err
}

// wtx is the view of the batch transaction that a command runs in.
type wtx struct {
	ctx   context.Context
	stmts *stmtCache
	keys  *fieldcrypt.Keys // seal what the write keeps of patients
	// outbox is the messages the batch's writes queued (queueMessages),
	// written together just before the commit.
	outbox []rdv.Message
	// events are the webhook events the batch's writes queued
	// (queueEvent), written like outbox.
	events   []rdv.AppointmentEvent
	webhooks *atomic.Bool
	// audits are the audit events the batch's writes queued
	// (queueAudit), appended to the trail like outbox.
	audits []rdv.AuditEvent
}

// queueMessages adds messages to the outbox in the batch's transaction.
// They are written with the other writes' in one statement before the
// commit, so that a booking's messages cost it a share of one insert: a
// write that fails drops its own, and a batch that fails writes none.
func (t *wtx) queueMessages(ms []rdv.Message) { t.outbox = append(t.outbox, ms...) }

func (t *wtx) exec(q string, args ...any) (sql.Result, error) {
	return t.stmts.exec(t.ctx, q, args...)
}

func (t *wtx) row(q string, args ...any) row { return t.stmts.row(t.ctx, q, args...) }

func (t *wtx) query(q string, args ...any) (*sql.Rows, error) {
	return t.stmts.query(t.ctx, q, args...)
}

// rtx runs reads on the read pool under the caller's context.
type rtx struct {
	ctx   context.Context
	stmts *stmtCache
	keys  *fieldcrypt.Keys
}

func (t rtx) crypt() *fieldcrypt.Keys { return t.keys }

func (t *wtx) crypt() *fieldcrypt.Keys { return t.keys }

func (t rtx) row(q string, args ...any) row { return t.stmts.row(t.ctx, q, args...) }

func (t rtx) query(q string, args ...any) (*sql.Rows, error) {
	return t.stmts.query(t.ctx, q, args...)
}

// querier is what reads need, in a write's transaction or on the read pool.
type querier interface {
	row(q string, args ...any) row
	query(q string, args ...any) (*sql.Rows, error)
	crypt() *fieldcrypt.Keys // opens the patient data read
}

// preparer is a *sql.DB or a *sql.Conn.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// stmtCache prepares each query once: preparing costs more than running
// the small statements of a booking.
type stmtCache struct {
	db    preparer
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db preparer) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[q]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", q, err)
	}
	c.stmts[q] = st
	return st, nil
}

func (c *stmtCache) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := c.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtCache) row(ctx context.Context, q string, args ...any) row {
	st, err := c.get(ctx, q)
	if err != nil {
		return row{err: err}
	}
	return row{r: st.QueryRowContext(ctx, args...)}
}

func (c *stmtCache) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := c.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// row is a *sql.Row that may carry the error of preparing its statement.
type row struct {
	r   *sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

package postgres

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rdv"
	"rdv/replay"
)

// The writer runs the holds and confirmations of concurrent callers
// together, a group in one transaction, as the SQLite store's writer
// does: what a booking costs PostgreSQL is less its rows than its
// statements, round trips and commits, each of which wakes one of dozens
// of backends that share the processors. A group takes two round trips
// and one commit whatever its size, on one connection: the first sends
// BEGIN, the caps' locks, one statement for all the holds and one per
// confirmation at once (pgx pipelines a batch); the second, the rows that
// follow from the answers (idempotency keys, the outbox, the audit
// trail), each kind in one statement, and COMMIT.
//
// Each write's statement is the whole rule of the write and writes
// nothing when the rule says no (a slot taken, a hold run out, a cap
// reached, a key already used): so a member that fails leaves the others
// untouched, without a savepoint. Such a member, and every member of a
// group that fails for any other reason (an error of the server, a
// deadlock, a lost connection before COMMIT), is answered "alone": its
// caller runs it again in a transaction of its own, the store's ordinary
// path, which decides and explains the refusal. Only a group whose COMMIT
// was sent and not answered is reported unavailable, its outcome being
// unknown, as the ordinary path does.
//
// Within a group, statements that lock go in one order (the caps'
// advisory locks, holds by slot, confirmations by hold, the audit chain
// last), so that two groups wait for each other at most one way.
type writer struct {
	s       *Store
	max     int
	cmds    chan *groupCmd
	closing chan struct{}
	done    sync.WaitGroup
	stop    sync.Once

	groups  atomic.Int64 // groups run
	members atomic.Int64 // writes handed to groups
	alone   atomic.Int64 // of which run again alone
}

// groupTimeout bounds a group whose callers set no deadline.
const groupTimeout = 30 * time.Second

// groupCmd is one caller's write handed to the writer: a hold or a
// confirmation. The writer answers on done exactly once.
type groupCmd struct {
	ctx     context.Context
	hold    *rdv.HoldRequest
	confirm *rdv.ConfirmRequest
	rk      *replay.Key // nil: no idempotency key
	done    chan groupResult

	// What the group's first round trip found.
	ok   bool
	h    rdv.Hold
	a    rdv.Appointment
	slot rdv.Slot
}

// groupResult answers a groupCmd: alone, the caller runs the write on its
// own; otherwise err or the write's result.
type groupResult struct {
	alone bool
	h     rdv.Hold
	a     rdv.Appointment
	ch    rdv.SlotChanges
	err   error
}

func startWriter(s *Store, writers, maxGroup int) *writer {
	w := &writer{s: s, max: maxGroup, cmds: make(chan *groupCmd), closing: make(chan struct{})}
	for range writers {
		w.done.Go(w.loop)
	}
	return w
}

// close stops the writer's goroutines once their groups are answered.
func (w *writer) close() {
	w.stop.Do(func() { close(w.closing) })
	w.done.Wait()
}

// submit hands c to the writer and waits for its answer. Once taken, the
// command is answered even if ctx ends meanwhile: the group's outcome must
// reach the caller.
func (w *writer) submit(ctx context.Context, c *groupCmd) groupResult {
	if err := ctx.Err(); err != nil {
		return groupResult{err: err}
	}
	c.ctx = ctx
	c.done = make(chan groupResult, 1)
	select {
	case w.cmds <- c:
	case <-w.closing:
		return groupResult{alone: true}
	case <-ctx.Done():
		return groupResult{err: ctx.Err()}
	}
	return <-c.done
}

// submitGroup hands a hold or a confirmation with idempotency key k to
// the writer. alone reports that the caller is to run it itself.
func (s *Store) submitGroup(ctx context.Context, what string, c *groupCmd, k *rdv.IdemKey) (res groupResult, alone bool, err error) {
	if k != nil {
		if c.rk, err = replay.New(k); err != nil {
			return groupResult{}, false, fmt.Errorf("%s: %w", what, err)
		}
	}
	res = s.writer.submit(ctx, c)
	if res.err != nil {
		return groupResult{}, false, mapError(fmt.Errorf("%s: %w", what, res.err))
	}
	return res, res.alone, nil
}

func (w *writer) loop() {
	group := make([]*groupCmd, 0, w.max)
	for {
		select {
		case c := <-w.cmds:
			w.run(w.gather(append(group[:0], c)))
		case <-w.closing:
			return
		}
	}
}

// gather adds to group the commands already waiting, yielding the
// processor a few times for callers that are about to send theirs: a
// member more costs microseconds, a group more a commit.
func (w *writer) gather(group []*groupCmd) []*groupCmd {
	for round := 0; len(group) < w.max && round < gatherRounds; round++ {
		before := len(group)
	take:
		for len(group) < w.max {
			select {
			case c := <-w.cmds:
				group = append(group, c)
			default:
				break take
			}
		}
		if len(group) == before && round > 0 {
			break
		}
		runtime.Gosched()
	}
	return group
}

// gatherRounds bounds how many times gather yields.
const gatherRounds = 3

// run runs a group and answers every member.
func (w *writer) run(group []*groupCmd) {
	w.members.Add(int64(len(group)))
	live := group[:0]
	var again []*groupCmd
	seen := map[string]bool{}
	slots, capped := map[int64]bool{}, map[string]bool{}
	for _, c := range group {
		switch {
		case c.ctx.Err() != nil:
			c.done <- groupResult{err: c.ctx.Err()}
		case c.rk != nil && seen[string(c.rk.ID())],
			c.hold != nil && !groupable(*c.hold, slots, capped):
			// A key twice in a group (a request sent again before its
			// answer), or a hold of a slot or against a cap that another
			// hold of the group has: it runs alone once the group has
			// ended, and replays the first's answer, or finds the slot
			// taken or the cap reached as it would after it.
			again = append(again, c)
		default:
			if c.rk != nil {
				seen[string(c.rk.ID())] = true
			}
			live = append(live, c)
		}
	}
	defer func() {
		w.alone.Add(int64(len(again)))
		for _, c := range again {
			c.done <- groupResult{alone: true}
		}
	}()
	if len(live) == 0 {
		return
	}
	ctx, cancel := groupContext(live)
	defer cancel()
	w.groups.Add(1)
	committing, err := w.s.runGroup(ctx, live)
	switch {
	case err != nil && committing && !safeToRetry(err):
		err = mapError(fmt.Errorf("commit a group of %d bookings: %w", len(live), err))
		for _, c := range live {
			c.done <- groupResult{err: err}
		}
	case err != nil:
		level := slog.LevelDebug
		if isConnError(err) {
			level = slog.LevelWarn
		}
		w.s.log.Log(ctx, level, "bookings of a failed group run again one by one", "size", len(live), "err", err)
		w.alone.Add(int64(len(live)))
		for _, c := range live {
			c.done <- groupResult{alone: true}
		}
	default:
		taken := false
		for _, c := range live {
			switch {
			case !c.ok:
				w.alone.Add(1)
				c.done <- groupResult{alone: true}
			case c.hold != nil:
				taken = true
				c.done <- groupResult{h: c.h, ch: rdv.SlotChanges{Taken: []rdv.Slot{c.slot}}}
			default:
				c.done <- groupResult{a: c.a}
			}
		}
		if taken {
			w.s.changed()
		}
	}
}

// groupContext is the context a group runs under: none of its callers'
// own, since ending one would abort the others' writes, but the latest of
// their deadlines.
func groupContext(group []*groupCmd) (context.Context, context.CancelFunc) {
	var last time.Time
	for _, c := range group {
		d, ok := c.ctx.Deadline()
		if !ok {
			last = time.Time{}
			break
		}
		if d.After(last) {
			last = d
		}
	}
	if last.IsZero() {
		last = time.Now().Add(groupTimeout)
	}
	return context.WithDeadline(context.Background(), last)
}

// runGroup runs the members of a group in one transaction, sets ok and
// the result of those that wrote, and commits. committing reports whether
// an error came from the round trip that carried COMMIT.
func (s *Store) runGroup(ctx context.Context, group []*groupCmd) (committing bool, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			endFailedTx(ctx, conn)
		}
		conn.Release()
	}()
	// Holds by slot, then confirmations by hold: the order of their locks.
	slices.SortStableFunc(group, func(a, b *groupCmd) int {
		switch {
		case a.hold != nil && b.hold != nil:
			return cmp.Compare(a.hold.SlotID, b.hold.SlotID)
		case a.confirm != nil && b.confirm != nil:
			return strings.Compare(a.confirm.HoldID, b.confirm.HoldID)
		case a.hold != nil:
			return -1
		case b.hold != nil:
			return 1
		}
		return 0
	})
	if err := s.groupWrites(ctx, conn.Conn(), group); err != nil {
		return false, err
	}
	return true, s.groupFollowUps(ctx, conn.Conn(), group)
}

// groupWrites is the group's first round trip: BEGIN, the caps' locks
// and every member's statement.
func (s *Store) groupWrites(ctx context.Context, c *pgx.Conn, group []*groupCmd) error {
	b := &pgx.Batch{}
	b.Queue("begin")
	var keys []string
	for _, g := range group {
		if g.hold != nil {
			keys = append(keys, capKeys(*g.hold)...)
		}
	}
	if len(keys) > 0 {
		b.Queue(lockKeysSQL, keys)
	}
	holds, confirms := splitGroup(group)
	queueGroupHolds(b, holds)
	for _, g := range confirms {
		queueGroupConfirm(b, s.opts.Keys, g)
	}
	br := c.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return err
	}
	if len(keys) > 0 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("lock client holds: %w", err)
		}
	}
	if err := readGroupHolds(br, holds); err != nil {
		_ = br.Close()
		return err
	}
	for _, g := range confirms {
		if err := readGroupConfirm(br, g); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// splitGroup splits a sorted group into its holds and its confirmations.
func splitGroup(group []*groupCmd) (holds, confirms []*groupCmd) {
	i := 0
	for i < len(group) && group[i].hold != nil {
		i++
	}
	return group[:i], group[i:]
}

// groupFollowUps is the group's second round trip: what the members that
// wrote bring after them, then COMMIT.
func (s *Store) groupFollowUps(ctx context.Context, c *pgx.Conn, group []*groupCmd) error {
	var ids, checks, answers [][]byte
	var created []time.Time
	var ms []rdv.Message
	var events []rdv.AuditEvent
	for _, g := range group {
		if !g.ok {
			continue
		}
		var answer any
		var now time.Time
		if r := g.hold; r != nil {
			answer, now = g.h, r.Now
		} else {
			r := g.confirm
			answer, now = g.a, r.Now
			ms = append(ms, g.a.Confirmations(rdv.MessageConfirmed, r.RemindBefore, r.CancelToken, dbTime(now))...)
			events = append(events, rdv.NewAuditEvent(g.ctx, rdv.AuditAppointmentBook, rdv.BookingRecords(g.a, 0), now))
		}
		if g.rk == nil {
			continue
		}
		sealed, err := g.rk.Seal(answer)
		if err != nil {
			return fmt.Errorf("save answer: %w", err)
		}
		ids, checks = append(ids, g.rk.ID()), append(checks, g.rk.BodyCheck())
		answers, created = append(answers, sealed), append(created, dbTime(now))
	}
	b := &pgx.Batch{}
	if len(ids) > 0 {
		b.Queue(`INSERT INTO idempotency_keys (id, body_check, answer, created_at)
			SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::timestamptz[])`, ids, checks, answers, created)
	}
	if len(ms) > 0 {
		sql, args := insertMessagesSQL(s.opts.Keys, ms)
		b.Queue(sql, args...)
	}
	// One chain for the whole group: one head row locked, last.
	chain := rand.IntN(auditChains) // #nosec G404 -- the pick only spreads the writers over the chains' head rows
	if len(events) > 0 {
		b.Queue(appendAuditsSQL, auditsArgs(chain, events)...)
	}
	b.Queue("commit")
	br := c.SendBatch(ctx, b)
	for range b.Len() - 1 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
	}
	tag, err := br.Exec()
	if err == nil && tag.String() != "COMMIT" {
		err = pgx.ErrTxCommitRollback
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// endFailedTx leaves the connection of a failed group out of its
// transaction, or closes it so that the pool drops it.
func endFailedTx(ctx context.Context, conn *pgxpool.Conn) {
	pc := conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "rollback"); err != nil {
		_ = conn.Conn().Close(ctx)
	}
}

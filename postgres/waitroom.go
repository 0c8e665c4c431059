package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// waitroomRoom names the queue's row in waitroom_admitted. Numbers come
// from the waitroom_tickets sequence: drawing one takes no lock that
// another visitor waits on.
const waitroomRoom = "main"

// IssueTicket draws the next first-come number. A sequence never gives a
// number twice, even to a transaction that rolls back, so a retried draw
// leaves a gap, never a duplicate.
func (s *Store) IssueTicket(ctx context.Context) (int64, error) {
	var seq int64
	err := s.withConn(ctx, "issue waiting-room ticket", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT nextval('waitroom_tickets')`).Scan(&seq)
	})
	return seq, err
}

// AdvanceWaitroom admits tickets in order at perSecond since the last
// advance. The row is locked for the transaction, so instances advancing
// at the same time take turns and admit no more than one would.
func (s *Store) AdvanceWaitroom(ctx context.Context, now time.Time, perSecond float64) (rdv.WaitroomState, error) {
	var st rdv.WaitroomState
	err := s.inTx(ctx, "advance waiting room", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO waitroom_admitted (room, through) VALUES ($1, 0) ON CONFLICT (room) DO NOTHING`, waitroomRoom); err != nil {
			return err
		}
		var err error
		if st, err = readWaitroom(ctx, tx, " FOR UPDATE"); err != nil {
			return err
		}
		st = st.Advance(now, perSecond)
		_, err = tx.Exec(ctx, `UPDATE waitroom_admitted SET through = $2, advanced_at = $3 WHERE room = $1`,
			waitroomRoom, st.AdmittedThrough, st.AdvancedAt.UTC().Truncate(time.Microsecond))
		return err
	})
	if err != nil {
		return rdv.WaitroomState{}, err
	}
	return st, nil
}

// WaitroomState reads the queue's state.
func (s *Store) WaitroomState(ctx context.Context) (rdv.WaitroomState, error) {
	var st rdv.WaitroomState
	err := s.withConn(ctx, "read waiting room", func(c *pgx.Conn) error {
		var err error
		st, err = readWaitroom(ctx, c, "")
		return err
	})
	return st, err
}

// readWaitroom reads the last number issued and the admitted row (absent
// before the first advance: the zero state).
func readWaitroom(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, lock string) (rdv.WaitroomState, error) {
	var st rdv.WaitroomState
	var last int64
	var called bool
	if err := q.QueryRow(ctx, `SELECT last_value, is_called FROM waitroom_tickets`).Scan(&last, &called); err != nil {
		return st, err
	}
	if called {
		st.Issued = last
	}
	var at *time.Time
	err := q.QueryRow(ctx, `SELECT through, advanced_at FROM waitroom_admitted WHERE room = $1`+lock, waitroomRoom).Scan(&st.AdmittedThrough, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if at != nil {
		st.AdvancedAt = at.UTC()
	}
	return st, nil
}

// Modes returns the operators' switches, the zero Modes when none is set.
func (s *Store) Modes(ctx context.Context) (rdv.Modes, error) {
	return readSetting[rdv.Modes](ctx, s, "modes")
}

// SetModes replaces the operators' switches.
func (s *Store) SetModes(ctx context.Context, m rdv.Modes) error {
	return s.writeSetting(ctx, "modes", m)
}

package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

// The waiting room's queue is one row: the ticket counter, the highest
// admitted number and the instant admission is accounted up to. Drawing a
// number is a one-row update through the group-commit writer, so a crowd
// of new visitors costs one transaction per batch, not one per visitor.
const waitroomRoom = "main"

// IssueTicket draws the next first-come number.
func (s *Store) IssueTicket(ctx context.Context) (int64, error) {
	var seq int64
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		return mapError(tx.row(`INSERT INTO waitroom_admitted (room, through, issued, advanced_at) VALUES (?, 0, 1, 0)
			ON CONFLICT (room) DO UPDATE SET issued = issued + 1 RETURNING issued`, waitroomRoom).Scan(&seq))
	}})
	if err != nil {
		return 0, fmt.Errorf("issue waiting-room ticket: %w", err)
	}
	return seq, nil
}

// AdvanceWaitroom admits tickets in order at perSecond since the last
// advance. The writer serialises every advance, so instances sharing the
// file cannot admit twice for the same time.
func (s *Store) AdvanceWaitroom(ctx context.Context, now time.Time, perSecond float64) (rdv.WaitroomState, error) {
	var st rdv.WaitroomState
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		var err error
		if st, err = readWaitroom(tx.row(waitroomQuery, waitroomRoom)); err != nil {
			return err
		}
		st = st.Advance(now, perSecond)
		_, err = tx.exec(`INSERT INTO waitroom_admitted (room, through, issued, advanced_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (room) DO UPDATE SET through = excluded.through, advanced_at = excluded.advanced_at`,
			waitroomRoom, st.AdmittedThrough, st.Issued, millis(st.AdvancedAt))
		return mapError(err)
	}})
	if err != nil {
		return rdv.WaitroomState{}, fmt.Errorf("advance waiting room: %w", err)
	}
	return st, nil
}

// WaitroomState reads the queue's state.
func (s *Store) WaitroomState(ctx context.Context) (rdv.WaitroomState, error) {
	st, err := readWaitroom(s.r(ctx).row(waitroomQuery, waitroomRoom))
	if err != nil {
		return rdv.WaitroomState{}, fmt.Errorf("read waiting room: %w", err)
	}
	return st, nil
}

const waitroomQuery = `SELECT through, issued, advanced_at FROM waitroom_admitted WHERE room = ?`

// readWaitroom scans the queue's row; before the first ticket there is
// none, which is the zero state, not an error.
func readWaitroom(r interface{ Scan(...any) error }) (rdv.WaitroomState, error) {
	var st rdv.WaitroomState
	var at int64
	err := r.Scan(&st.AdmittedThrough, &st.Issued, &at)
	if isNoRows(err) {
		return rdv.WaitroomState{}, nil
	}
	if err != nil {
		return rdv.WaitroomState{}, mapError(err)
	}
	if at != 0 {
		st.AdvancedAt = fromMillis(at)
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

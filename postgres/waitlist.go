package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// The waitlist of one's own clinic (rdv's waitlist.go): a request that
// moves an appointment earlier. Its accepted proposal is the
// appointment's reschedule, and the writes that cancel or move the
// appointment otherwise end it in their own transactions.

// stillBooked is the condition, on a row of requests, that its
// appointment to move is booked at the time the request's range ends:
// not cancelled, not moved since.
const stillBooked = `EXISTS (SELECT 1 FROM appointments a JOIN slots s ON s.id = a.slot_id
	WHERE a.id = requests.moves_appointment_id AND a.status = 'booked' AND s.start_at = requests.until_at)`

// checkMoveAdded applies rdv's CheckMove to a place on the waitlist about
// to be added, and names its appointment for the trail; a reference
// stored already is a replay, which AddRequest answers as stored.
func checkMoveAdded(ctx context.Context, tx pgx.Tx, r rdv.AppointmentRequest) (rdv.AuditRecords, error) {
	if !r.IsMove() {
		return rdv.AuditRecords{}, nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM requests WHERE reference = $1`, r.Reference).Scan(&one)
	switch {
	case err == nil:
		return rdv.AuditRecords{}, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return rdv.AuditRecords{}, err
	}
	a, err := checkMoveOpen(ctx, tx, r, dbTime(r.ReceivedAt))
	return rdv.AppointmentRecords(a), err
}

// checkMoveOpen applies rdv's CheckMove to the appointment of a place on
// the waitlist, locked against a cancellation or a move until the write
// that reads it commits, and returns the appointment.
func checkMoveOpen(ctx context.Context, tx pgx.Tx, r rdv.AppointmentRequest, now time.Time) (rdv.Appointment, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM appointments WHERE id = $1 FOR SHARE`, r.MovesAppointment).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", r.MovesAppointment)
	} else if err != nil {
		return rdv.Appointment{}, fmt.Errorf("lock appointment %d: %w", r.MovesAppointment, err)
	}
	a, err := readAppointment(ctx, tx, keysOf(tx), r.MovesAppointment, "", false)
	if err != nil {
		return rdv.Appointment{}, err
	}
	return a, r.CheckMove(a, now)
}

// acceptMove moves the appointment of a place on the waitlist to the slot
// of its live proposal p: the request is booked with the appointment
// first, so that the reschedule, which ends the appointment's waiting
// places, leaves this one as booked; then the reschedule books the new
// slot through the proposal's hold, frees the old one and writes the
// notice of the new time with its reminder. No fee: the waitlist is free.
func acceptMove(ctx context.Context, tx pgx.Tx, req rdv.AppointmentRequest, p rdv.Proposal, r rdv.AcceptProposalRequest, ch *rdv.SlotChanges) (rdv.Appointment, error) {
	now := dbTime(r.Now)
	if _, err := checkMoveOpen(ctx, tx, req, now); err != nil {
		return rdv.Appointment{}, err
	}
	if _, err := tx.Exec(ctx, `WITH prop AS (UPDATE proposals SET status = 'accepted', appointment_id = $1 WHERE id = $2)
		UPDATE requests SET status = 'booked', appointment_id = $1, handled_at = $3 WHERE id = $4`,
		req.MovesAppointment, p.ID, now, req.ID); err != nil {
		return rdv.Appointment{}, fmt.Errorf("mark proposal %s accepted: %w", p.ID, err)
	}
	return reschedule(ctx, tx, rdv.RescheduleRequest{AppointmentID: req.MovesAppointment, AccountID: req.AccountID,
		HoldID: p.ID, RemindBefore: r.RemindBefore, Now: now}, ch)
}

// endWaitlist ends the waiting places on the waitlist of appointment
// apptID, which a write cancels or moves: closed, their live proposal
// declined and its slot freed (reported for the index).
func endWaitlist(ctx context.Context, tx pgx.Tx, apptID int64, now time.Time) (rdv.SlotChanges, error) {
	rows, err := tx.Query(ctx, `UPDATE requests SET status = 'closed', close_reason = $3, handled_at = $2
		WHERE moves_appointment_id = $1 AND status IN ('open', 'proposed') RETURNING id`,
		apptID, now, string(rdv.CloseAppointmentChanged))
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end the waitlist of appointment %d: %w", apptID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end the waitlist of appointment %d: %w", apptID, err)
	}
	var ch rdv.SlotChanges
	for _, id := range ids {
		p, err := liveProposal(ctx, tx, id)
		if rdv.ErrorCode(err) == rdv.ENOTFOUND {
			continue
		} else if err != nil {
			return rdv.SlotChanges{}, fmt.Errorf("end the waitlist of appointment %d: %w", apptID, err)
		}
		freed, err := endProposal(ctx, tx, p.ID, rdv.ProposalDeclined)
		if err != nil {
			return rdv.SlotChanges{}, err
		}
		ch.Freed = append(ch.Freed, freed.Freed...)
	}
	return ch, nil
}

// expireWaitlist closes the open places on the waitlist whose appointment
// is no longer booked at their time: the sweep's catch for a change that
// ended none (an appointment marked arrived early, say).
func expireWaitlist(ctx context.Context, tx pgx.Tx, now time.Time) ([]int64, error) {
	rows, err := tx.Query(ctx, `UPDATE requests SET status = 'closed', close_reason = $2, handled_at = $1
		WHERE status = 'open' AND moves_appointment_id IS NOT NULL AND NOT `+stillBooked+` RETURNING id`,
		dbTime(now), string(rdv.CloseAppointmentChanged))
	if err != nil {
		return nil, fmt.Errorf("end the waitlist of changed appointments: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("end the waitlist of changed appointments: %w", err)
	}
	return ids, nil
}

// WaitlistRequests returns the waiting places on the waitlist of an
// account's appointments, oldest first.
func (s *Store) WaitlistRequests(ctx context.Context, accountID int64) ([]rdv.AppointmentRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests
		WHERE moves_appointment_id IS NOT NULL AND status IN ('open', 'proposed') AND account_id = $1
		ORDER BY received_at, id`, accountID)
	if err != nil {
		return nil, mapError(fmt.Errorf("list the waitlist of account %d: %w", accountID, err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(s.opts.Keys, rows)
		if err != nil {
			return nil, mapError(fmt.Errorf("list the waitlist of account %d: %w", accountID, err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(fmt.Errorf("list the waitlist of account %d: %w", accountID, err))
	}
	return out, nil
}

// requestToWithdraw reads and locks the request a withdrawal names: by
// its own token, or as the signed-in account it belongs to.
func requestToWithdraw(ctx context.Context, tx pgx.Tx, r rdv.WithdrawRequestInput) (rdv.AppointmentRequest, error) {
	if r.AccountID == 0 {
		return requestByToken(ctx, tx, keysOf(tx), r.Reference, r.TokenHash, "FOR UPDATE")
	}
	req, err := scanRequest(keysOf(tx), tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1 FOR UPDATE`, r.Reference))
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	if req.AccountID != r.AccountID {
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.ENOTFOUND, "request %s", r.Reference)
	}
	return req, nil
}

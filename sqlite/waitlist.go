package sqlite

import (
	"context"
	"fmt"
	"time"

	"rdv"
)

// The waitlist of one's own clinic (rdv's waitlist.go): a request that
// moves an appointment earlier. Its accepted proposal is the
// appointment's reschedule, and the writes that cancel or move the
// appointment otherwise end it in their own transactions.

// stillBooked is the condition, on a row of requests, that its
// appointment to move is booked at the time the request's range ends: not
// cancelled, not moved since (start_utc is in seconds, until_at in
// milliseconds).
const stillBooked = `EXISTS (SELECT 1 FROM appointments a JOIN slots s ON s.id = a.slot_id
	WHERE a.id = requests.moves_appointment_id AND a.status = 'booked' AND s.start_utc * 1000 = requests.until_at)`

// checkMoveAdded applies rdv's CheckMove to a place on the waitlist about
// to be added, and names its appointment for the trail; a reference
// stored already is a replay, which AddRequest answers as stored.
func checkMoveAdded(tx *wtx, r rdv.AppointmentRequest) (rdv.AuditRecords, error) {
	if !r.IsMove() {
		return rdv.AuditRecords{}, nil
	}
	var one int
	err := tx.row(`SELECT 1 FROM requests WHERE reference = ?`, r.Reference).Scan(&one)
	switch {
	case err == nil:
		return rdv.AuditRecords{}, nil
	case !isNoRows(err):
		return rdv.AuditRecords{}, mapError(err)
	}
	a, _, err := getAppointment(tx, r.MovesAppointment)
	if err != nil {
		return rdv.AuditRecords{}, err
	}
	return rdv.AppointmentRecords(a), r.CheckMove(a, r.ReceivedAt)
}

// checkMoveOpen applies rdv's CheckMove to the appointment of a place on
// the waitlist, inside a write that proposes it a slot.
func checkMoveOpen(tx *wtx, r rdv.AppointmentRequest, now time.Time) error {
	a, _, err := getAppointment(tx, r.MovesAppointment)
	if err != nil {
		return err
	}
	return r.CheckMove(a, now)
}

// acceptMove moves the appointment of a place on the waitlist to the slot
// of its live proposal p: the request is booked with the appointment
// first, so that the reschedule, which ends the appointment's waiting
// places, leaves this one as booked; then the reschedule books the new
// slot through the proposal's hold, frees the old one and writes the
// notice of the new time with its reminder. No fee: the waitlist is free.
func acceptMove(tx *wtx, req rdv.AppointmentRequest, p rdv.Proposal, r rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	if err := checkMoveOpen(tx, req, r.Now); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if _, err := tx.exec(`UPDATE proposals SET status = 'accepted', appointment_id = ? WHERE id = ?`, req.MovesAppointment, p.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("mark proposal %s accepted: %w", p.ID, mapError(err))
	}
	if _, err := tx.exec(`UPDATE requests SET status = 'booked', appointment_id = ?, handled_at = ? WHERE id = ?`,
		req.MovesAppointment, millis(r.Now), req.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("mark request %d booked: %w", req.ID, mapError(err))
	}
	return reschedule(tx, rdv.RescheduleRequest{AppointmentID: req.MovesAppointment, AccountID: req.AccountID,
		HoldID: p.ID, RemindBefore: r.RemindBefore, Now: r.Now})
}

// endWaitlist ends the waiting places on the waitlist of appointment
// apptID, which a write cancels or moves: closed, their live proposal
// declined and its slot freed (reported for the index).
func endWaitlist(tx *wtx, apptID int64, now time.Time) (rdv.SlotChanges, error) {
	rows, err := tx.query(`UPDATE requests SET status = 'closed', close_reason = ?, handled_at = ?
		WHERE moves_appointment_id = ? AND status IN ('open', 'proposed') RETURNING id`,
		string(rdv.CloseAppointmentChanged), millis(now), apptID)
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end the waitlist of appointment %d: %w", apptID, mapError(err))
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end the waitlist of appointment %d: %w", apptID, err)
	}
	var ch rdv.SlotChanges
	for _, id := range ids {
		p, err := liveProposal(tx, id)
		if rdv.ErrorCode(err) == rdv.ENOTFOUND {
			continue
		} else if err != nil {
			return rdv.SlotChanges{}, fmt.Errorf("end the waitlist of appointment %d: %w", apptID, err)
		}
		freed, err := endProposal(tx, p.ID, rdv.ProposalDeclined)
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
func expireWaitlist(tx *wtx, now time.Time) ([]int64, error) {
	rows, err := tx.query(`UPDATE requests SET status = 'closed', close_reason = ?, handled_at = ?
		WHERE status = 'open' AND moves_appointment_id IS NOT NULL AND NOT `+stillBooked+` RETURNING id`,
		string(rdv.CloseAppointmentChanged), millis(now))
	if err != nil {
		return nil, fmt.Errorf("end the waitlist of changed appointments: %w", mapError(err))
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("end the waitlist of changed appointments: %w", err)
	}
	return ids, nil
}

// WaitlistRequests returns the waiting places on the waitlist of an
// account's appointments, oldest first.
func (s *Store) WaitlistRequests(ctx context.Context, accountID int64) ([]rdv.AppointmentRequest, error) {
	rows, err := s.r(ctx).query(`SELECT `+requestColumns+` FROM requests
		WHERE moves_appointment_id IS NOT NULL AND status IN ('open', 'proposed') AND account_id = ?
		ORDER BY received_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list the waitlist of account %d: %w", accountID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(s.keys, rows)
		if err != nil {
			return nil, fmt.Errorf("list the waitlist of account %d: %w", accountID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the waitlist of account %d: %w", accountID, mapError(err))
	}
	return out, nil
}

// requestToWithdraw reads the request a withdrawal names: by its own
// token, or as the signed-in account it belongs to.
func requestToWithdraw(tx *wtx, r rdv.WithdrawRequestInput) (rdv.AppointmentRequest, error) {
	if r.AccountID == 0 {
		return requestByToken(tx, r.Reference, r.TokenHash)
	}
	req, err := scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE reference = ?`, r.Reference))
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	if req.AccountID != r.AccountID {
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.ENOTFOUND, "request %s", r.Reference)
	}
	return req, nil
}

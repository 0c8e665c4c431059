package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"rdv"
)

// The answers to a proposal, and its ends: each one transaction that
// moves the proposal, its hold and slot, and its request together.

// AcceptProposal books the live proposal's slot for the request's patient.
func (s *Store) AcceptProposal(ctx context.Context, r rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	var a rdv.Appointment
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		var req rdv.AppointmentRequest
		if a, ch, req, err = acceptProposal(tx, r); err == nil && !ch.Replayed {
			// The booking or the move, with the request it answers.
			tx.auditChange(ctx, rdv.AuditProposalAccept, rdv.AppointmentRecords(a).With(rdv.RequestRecords(req)), r.Now)
		}
		return err
	}})
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("accept proposal of request %s: %w", r.Reference, err)
	}
	return a, ch, nil
}

// acceptProposal answers the request it accepted for, with the
// appointment; ch.Replayed when it was accepted before.
func acceptProposal(tx *wtx, r rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, rdv.AppointmentRequest, error) {
	req, proposalID, err := requestForAnswer(tx, r.Reference, r.TokenHash, r.ProposalID)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, req, err
	}
	if req.Status == rdv.RequestBooked && req.AppointmentID != 0 &&
		(proposalID == "" || proposalEnded(tx, req.ID, proposalID, rdv.ProposalAccepted)) {
		// Accepted before (a retry, or a second click): the same booking.
		a, _, err := getAppointment(tx, req.AppointmentID)
		return a, rdv.SlotChanges{Replayed: true}, req, err
	}
	a, ch, err := acceptLive(tx, req, proposalID, r)
	return a, ch, req, err
}

// acceptLive accepts the request's live proposal (proposalID, unless "").
func acceptLive(tx *wtx, req rdv.AppointmentRequest, proposalID string, r rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	p, err := answerable(tx, req, proposalID)
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if !r.Now.Before(p.ExpiresAt) {
		return rdv.Appointment{}, rdv.SlotChanges{}, rdv.Errorf(rdv.EGONE, "proposal %s ran out at %v", p.ID, p.ExpiresAt)
	}
	if req.IsMove() {
		return acceptMove(tx, req, p, r)
	}
	// Booked as any booking is, through the proposal's hold: the same
	// rules, the same confirmation and reminder.
	a, ch, err := confirmHold(tx, rdv.ConfirmRequest{
		HoldID: p.ID, Patient: req.Patient(), Card: rdv.OwnCard,
		BookedBy: rdv.ByMatcher, Channel: rdv.Request,
		CancelToken: r.CancelToken, CancelTokenHash: r.CancelTokenHash,
		Notify: r.Notify, RemindBefore: r.RemindBefore, AccountID: req.AccountID, Now: r.Now,
	})
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if _, err := tx.exec(`UPDATE proposals SET status = 'accepted', appointment_id = ? WHERE id = ?`, a.ID, p.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("mark proposal %s accepted: %w", p.ID, mapError(err))
	}
	if _, err := tx.exec(`UPDATE requests SET status = 'booked', appointment_id = ?, handled_at = ? WHERE id = ?`,
		a.ID, millis(r.Now), req.ID); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, fmt.Errorf("mark request %d booked: %w", req.ID, mapError(err))
	}
	if err := takeFee(tx, req.ID, a, r.Now); err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	return a, ch, nil
}

// takeFee captures the finder fee of request requestID, booked as
// appointment a, in the booking's transaction, and queues its receipt
// with it: a fee is taken exactly when a proposal is accepted, and every
// fee taken has its receipt. A free request (its own clinic's) has
// nothing to take.
func takeFee(tx *wtx, requestID int64, a rdv.Appointment, now time.Time) error {
	_, err := captureCharge(tx, requestID, now)
	switch {
	case rdv.IsNoCharge(err):
		return nil
	case err != nil:
		return fmt.Errorf("take the fee of request %d: %w", requestID, err)
	}
	tx.queueMessages(a.FeeReceipts(now))
	return nil
}

// releaseFee voids the finder fee of request requestID, which a write
// ends without an accepted proposal, in that write's transaction: the fee
// pays for a finding the person accepted, and nothing else. A free
// request has nothing to release.
func releaseFee(tx *wtx, requestID int64, now time.Time) error {
	if _, err := voidCharge(tx, requestID, now); err != nil && !rdv.IsNoCharge(err) {
		return fmt.Errorf("release the fee of request %d: %w", requestID, err)
	}
	return nil
}

// answerable returns the request's live proposal, which an answer names
// (proposalID, unless ""): a request without one, or with another, is a
// conflict.
func answerable(q querier, req rdv.AppointmentRequest, proposalID string) (rdv.Proposal, error) {
	if req.Status != rdv.RequestProposed {
		return rdv.Proposal{}, rdv.Errorf(rdv.ECONFLICT, "request %d is %s: no proposal to answer", req.ID, req.Status)
	}
	p, err := liveProposal(q, req.ID)
	if err != nil {
		if rdv.ErrorCode(err) == rdv.ENOTFOUND {
			return rdv.Proposal{}, rdv.Errorf(rdv.ECONFLICT, "request %d has no live proposal", req.ID)
		}
		return rdv.Proposal{}, err
	}
	if proposalID != "" && proposalID != p.ID {
		return rdv.Proposal{}, rdv.Errorf(rdv.ECONFLICT, "proposal %s is no longer request %d's", proposalID, req.ID)
	}
	return p, nil
}

// DeclineProposal frees the live proposal's slot and opens the request
// again.
func (s *Store) DeclineProposal(ctx context.Context, r rdv.DeclineProposalRequest) (rdv.AppointmentRequest, rdv.SlotChanges, error) {
	var out rdv.AppointmentRequest
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		req, proposalID, err := requestForAnswer(tx, r.Reference, r.TokenHash, r.ProposalID)
		if err != nil {
			return err
		}
		if req.Status == rdv.RequestOpen && proposalID != "" && proposalEnded(tx, req.ID, proposalID, rdv.ProposalDeclined) {
			out = req // declined before: nothing more to do
			return nil
		}
		p, err := answerable(tx, req, proposalID)
		if err != nil {
			return err
		}
		if ch, err = endProposal(tx, p.ID, rdv.ProposalDeclined); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE requests SET status = 'open' WHERE id = ?`, req.ID); err != nil {
			return fmt.Errorf("open request %d again: %w", req.ID, mapError(err))
		}
		tx.auditChange(ctx, rdv.AuditProposalDecline, rdv.RequestRecords(req), r.Now)
		out, err = scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, req.ID))
		return err
	}})
	if err != nil {
		return rdv.AppointmentRequest{}, rdv.SlotChanges{}, fmt.Errorf("decline proposal of request %s: %w", r.Reference, err)
	}
	return out, ch, nil
}

// proposalEnded reports whether proposal id of the request ended as want.
func proposalEnded(q querier, requestID int64, id string, want rdv.ProposalStatus) bool {
	var status string
	err := q.row(`SELECT status FROM proposals WHERE id = ? AND request_id = ?`, id, requestID).Scan(&status)
	return err == nil && rdv.ProposalStatus(status) == want
}

// endProposal ends a live proposal as status, releases its hold and frees
// its slot if the hold still holds it (a hold that ran out may have let
// another take the slot).
func endProposal(tx *wtx, id string, status rdv.ProposalStatus) (rdv.SlotChanges, error) {
	if _, err := tx.exec(`UPDATE proposals SET status = ? WHERE id = ? AND status = 'live'`, string(status), id); err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end proposal %s: %w", id, mapError(err))
	}
	if _, err := tx.exec(`UPDATE holds SET status = 'released' WHERE id = ? AND status = 'active'`, id); err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("release proposal %s's hold: %w", id, mapError(err))
	}
	// The slot by its key: slots have no index on hold_id, and a scan of
	// them all per answer cost more than the rest of the write.
	slot, err := scanSlot(tx.row(`UPDATE slots SET state = 'free', hold_id = NULL, hold_expires = 0
		WHERE id = (SELECT slot_id FROM proposals WHERE id = ?) AND hold_id = ? AND state = 'held' RETURNING `+slotColumns, id, id))
	switch {
	case isNoRows(err):
		return rdv.SlotChanges{}, nil
	case err != nil:
		return rdv.SlotChanges{}, fmt.Errorf("free proposal %s's slot: %w", id, mapError(err))
	}
	return rdv.SlotChanges{Freed: []rdv.Slot{slot}}, nil
}

// WithdrawRequest ends a waiting request at its person's word.
func (s *Store) WithdrawRequest(ctx context.Context, r rdv.WithdrawRequestInput) (rdv.AppointmentRequest, rdv.SlotChanges, error) {
	var out rdv.AppointmentRequest
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		req, err := requestToWithdraw(tx, r)
		switch {
		case err != nil:
			return err
		case req.Status == rdv.RequestWithdrawn:
			out = req
			return nil
		case !req.Status.Waiting():
			return rdv.ErrRequestNotOpen(req.ID)
		}
		if p, err := liveProposal(tx, req.ID); err == nil {
			if ch, err = endProposal(tx, p.ID, rdv.ProposalDeclined); err != nil {
				return err
			}
		} else if rdv.ErrorCode(err) != rdv.ENOTFOUND {
			return err
		}
		if _, err := tx.exec(`UPDATE requests SET status = 'withdrawn', handled_at = ? WHERE id = ?`, millis(r.Now), req.ID); err != nil {
			return fmt.Errorf("withdraw request %d: %w", req.ID, mapError(err))
		}
		if err := releaseFee(tx, req.ID, r.Now); err != nil {
			return err
		}
		tx.auditChange(ctx, rdv.AuditRequestWithdraw, rdv.RequestRecords(req), r.Now)
		out, err = scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, req.ID))
		return err
	}})
	if err != nil {
		return rdv.AppointmentRequest{}, rdv.SlotChanges{}, fmt.Errorf("withdraw request %s: %w", r.Reference, err)
	}
	return out, ch, nil
}

// ExpireProposals ends the live proposals that ran out by now.
func (s *Store) ExpireProposals(ctx context.Context, now time.Time) ([]int64, rdv.SlotChanges, error) {
	var opened []int64
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		opened, ch = nil, rdv.SlotChanges{}
		type ran struct {
			id      string
			request int64
		}
		rows, err := tx.query(`SELECT id, request_id FROM proposals WHERE status = 'live' AND expires_at <= ?`, millis(now))
		if err != nil {
			return mapError(err)
		}
		var out []ran
		for rows.Next() {
			var r ran
			if err := rows.Scan(&r.id, &r.request); err != nil {
				_ = rows.Close()
				return mapError(err)
			}
			out = append(out, r)
		}
		if err := rows.Close(); err != nil {
			return mapError(err)
		}
		for _, r := range out {
			freed, err := endProposal(tx, r.id, rdv.ProposalExpired)
			if err != nil {
				return err
			}
			ch.Freed = append(ch.Freed, freed.Freed...)
			if _, err := tx.exec(`UPDATE requests SET status = 'open' WHERE id = ? AND status = 'proposed'`, r.request); err != nil {
				return fmt.Errorf("open request %d again: %w", r.request, mapError(err))
			}
			opened = append(opened, r.request)
		}
		if len(opened) > 0 {
			tx.auditChange(ctx, rdv.AuditProposalExpire, rdv.RequestIDRecords(opened...), now)
		}
		return nil
	}})
	if err != nil {
		return nil, rdv.SlotChanges{}, fmt.Errorf("expire proposals: %w", err)
	}
	return opened, ch, nil
}

// ExpireRequests ends the open requests whose range ended by now.
func (s *Store) ExpireRequests(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) error {
		rows, err := tx.query(`UPDATE requests SET status = 'expired', handled_at = ?
			WHERE status = 'open' AND until_at <> 0 AND until_at <= ? RETURNING id`, millis(now), millis(now))
		if err != nil {
			return mapError(err)
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return err
		}
		// Their fees are released with them: an expired request paid for
		// nothing.
		for _, id := range ids {
			if err := releaseFee(tx, id, now); err != nil {
				return err
			}
		}
		closed, err := expireWaitlist(tx, now)
		if err != nil {
			return err
		}
		if ids = append(ids, closed...); len(ids) > 0 {
			tx.auditChange(ctx, rdv.AuditRequestExpire, rdv.RequestIDRecords(ids...), now)
		}
		n = len(ids)
		return nil
	}})
	if err != nil {
		return 0, fmt.Errorf("expire requests: %w", err)
	}
	return n, nil
}

// scanIDs reads a column of IDs to the end and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapError(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return ids, nil
}

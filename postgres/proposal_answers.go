package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// The answers to a proposal, and its ends: each one transaction that
// moves the proposal, its hold and slot, and its request together.

// AcceptProposal books the live proposal's slot for the request's patient.
func (s *Store) AcceptProposal(ctx context.Context, r rdv.AcceptProposalRequest) (rdv.Appointment, rdv.SlotChanges, error) {
	var a rdv.Appointment
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "accept proposal of request "+r.Reference, func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		now := dbTime(r.Now)
		req, proposalID, err := requestForAnswer(ctx, tx, keysOf(tx), r.Reference, r.TokenHash, r.ProposalID, "FOR UPDATE")
		if err != nil {
			return err
		}
		if req.Status == rdv.RequestBooked && req.AppointmentID != 0 &&
			(proposalID == "" || proposalEnded(ctx, tx, req.ID, proposalID, rdv.ProposalAccepted)) {
			// Accepted before (a retry, or a second click): the same booking.
			ch.Replayed = true
			a, err = readAppointment(ctx, tx, keysOf(tx), req.AppointmentID, "", false)
			return err
		}
		p, err := answerable(ctx, tx, req, proposalID)
		if err != nil {
			return err
		}
		if !now.Before(p.ExpiresAt) {
			return rdv.Errorf(rdv.EGONE, "proposal %s ran out at %v", p.ID, p.ExpiresAt)
		}
		// The booking or the move, with the request it answers, on the
		// trail.
		records := func(a rdv.Appointment) rdv.AuditRecords {
			return rdv.AppointmentRecords(a).With(rdv.RequestRecords(req))
		}
		if req.IsMove() {
			if a, err = acceptMove(ctx, tx, req, p, r, &ch); err != nil {
				return err
			}
			return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditProposalAccept, records(a), r.Now))
		}
		// Booked as any booking is, through the proposal's hold: the same
		// rules, the same confirmation and reminder.
		var x slotScan
		err = tx.QueryRow(ctx, `WITH used AS (
				UPDATE holds SET ended = true WHERE id = $1 AND NOT ended AND expires_at > $2 RETURNING slot_id)
			UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
			FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = $1
			RETURNING `+slotColumns, p.ID, now).Scan(x.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.EGONE, "proposal %s no longer holds slot %d", p.ID, p.Slot.ID)
		}
		if err != nil {
			return err
		}
		if a, err = book(ctx, tx, x.slot(), rdv.ConfirmRequest{
			HoldID: p.ID, Patient: req.Patient(), Card: rdv.OwnCard,
			BookedBy: rdv.ByMatcher, Channel: rdv.Request,
			CancelToken: r.CancelToken, CancelTokenHash: r.CancelTokenHash,
			Notify: r.Notify, RemindBefore: r.RemindBefore, AccountID: req.AccountID, Now: now,
		}, now); err != nil {
			return err
		}
		ch.Taken = []rdv.Slot{a.Slot}
		if _, err := tx.Exec(ctx, `WITH prop AS (UPDATE proposals SET status = 'accepted', appointment_id = $1 WHERE id = $2)
			UPDATE requests SET status = 'booked', appointment_id = $1, handled_at = $3 WHERE id = $4`,
			a.ID, p.ID, now, req.ID); err != nil {
			return fmt.Errorf("mark proposal %s accepted: %w", p.ID, err)
		}
		if err := takeFee(ctx, tx, req.ID, a, now); err != nil {
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditProposalAccept, records(a), r.Now))
	})
	if err != nil {
		return rdv.Appointment{}, rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed() // a move's old slot
	}
	return a, ch, nil
}

// takeFee captures the finder fee of request requestID, booked as
// appointment a, in the booking's transaction, and writes its receipt
// with it: a fee is taken exactly when a proposal is accepted, and every
// fee taken has its receipt. A free request (its own clinic's) has
// nothing to take.
func takeFee(ctx context.Context, tx pgx.Tx, requestID int64, a rdv.Appointment, now time.Time) error {
	_, err := captureCharge(ctx, tx, requestID, now)
	switch {
	case rdv.IsNoCharge(err):
		return nil
	case err != nil:
		return fmt.Errorf("take the fee of request %d: %w", requestID, err)
	}
	return insertMessages(ctx, tx, a.FeeReceipts(now))
}

// releaseFee voids the finder fee of request requestID, which a write
// ends without an accepted proposal, in that write's transaction: the fee
// pays for a finding the person accepted, and nothing else. A free
// request has nothing to release.
func releaseFee(ctx context.Context, tx pgx.Tx, requestID int64, now time.Time) error {
	if _, err := voidCharge(ctx, tx, requestID, now); err != nil && !rdv.IsNoCharge(err) {
		return fmt.Errorf("release the fee of request %d: %w", requestID, err)
	}
	return nil
}

// answerable returns the request's live proposal, which an answer names
// (proposalID, unless ""): a request without one, or with another, is a
// conflict.
func answerable(ctx context.Context, q querier, req rdv.AppointmentRequest, proposalID string) (rdv.Proposal, error) {
	if req.Status != rdv.RequestProposed {
		return rdv.Proposal{}, rdv.Errorf(rdv.ECONFLICT, "request %d is %s: no proposal to answer", req.ID, req.Status)
	}
	p, err := liveProposal(ctx, q, req.ID)
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
	err := s.inTx(ctx, "decline proposal of request "+r.Reference, func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		req, proposalID, err := requestForAnswer(ctx, tx, keysOf(tx), r.Reference, r.TokenHash, r.ProposalID, "FOR UPDATE")
		if err != nil {
			return err
		}
		if req.Status == rdv.RequestOpen && proposalID != "" && proposalEnded(ctx, tx, req.ID, proposalID, rdv.ProposalDeclined) {
			out = req // declined before: nothing more to do
			return nil
		}
		p, err := answerable(ctx, tx, req, proposalID)
		if err != nil {
			return err
		}
		if ch, err = endProposal(ctx, tx, p.ID, rdv.ProposalDeclined); err != nil {
			return err
		}
		if out, err = scanRequest(keysOf(tx), tx.QueryRow(ctx, `UPDATE requests SET status = 'open' WHERE id = $1 RETURNING `+requestColumns, req.ID)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditProposalDecline, rdv.RequestRecords(req), r.Now))
	})
	if err != nil {
		return rdv.AppointmentRequest{}, rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed()
	}
	return out, ch, nil
}

// proposalEnded reports whether proposal id of the request ended as want.
func proposalEnded(ctx context.Context, q querier, requestID int64, id string, want rdv.ProposalStatus) bool {
	var status string
	err := q.QueryRow(ctx, `SELECT status FROM proposals WHERE id = $1 AND request_id = $2`, id, requestID).Scan(&status)
	return err == nil && rdv.ProposalStatus(status) == want
}

// endProposal ends a live proposal as status, ends its hold and frees its
// slot if the hold still holds it (a hold that ran out may have let
// another take the slot).
func endProposal(ctx context.Context, tx pgx.Tx, id string, status rdv.ProposalStatus) (rdv.SlotChanges, error) {
	rows, err := tx.Query(ctx, `WITH prop AS (UPDATE proposals SET status = $2 WHERE id = $1 AND status = 'live'),
			hold AS (UPDATE holds SET ended = true WHERE id = $1 AND NOT ended),
			freed AS (
				UPDATE slots s SET state = 'free', hold_id = NULL, hold_expires = NULL
				WHERE s.id = (SELECT slot_id FROM proposals WHERE id = $1) AND s.hold_id = $1 AND s.state = 'held'
				RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM freed)
		SELECT * FROM freed`, id, string(status))
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end proposal %s: %w", id, err)
	}
	freed, err := scanSlots(rows)
	if err != nil {
		return rdv.SlotChanges{}, fmt.Errorf("end proposal %s: %w", id, err)
	}
	return rdv.SlotChanges{Freed: freed}, nil
}

// WithdrawRequest ends a waiting request at its person's word.
func (s *Store) WithdrawRequest(ctx context.Context, r rdv.WithdrawRequestInput) (rdv.AppointmentRequest, rdv.SlotChanges, error) {
	var out rdv.AppointmentRequest
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "withdraw request "+r.Reference, func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		req, err := requestToWithdraw(ctx, tx, r)
		switch {
		case err != nil:
			return err
		case req.Status == rdv.RequestWithdrawn:
			out = req
			return nil
		case !req.Status.Waiting():
			return rdv.ErrRequestNotOpen(req.ID)
		}
		if p, err := liveProposal(ctx, tx, req.ID); err == nil {
			if ch, err = endProposal(ctx, tx, p.ID, rdv.ProposalDeclined); err != nil {
				return err
			}
		} else if rdv.ErrorCode(err) != rdv.ENOTFOUND {
			return err
		}
		out, err = scanRequest(keysOf(tx), tx.QueryRow(ctx, `UPDATE requests SET status = 'withdrawn', handled_at = $2 WHERE id = $1 RETURNING `+requestColumns,
			req.ID, dbTime(r.Now)))
		if err != nil {
			return err
		}
		if err := releaseFee(ctx, tx, req.ID, r.Now); err != nil {
			return err
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditRequestWithdraw, rdv.RequestRecords(req), r.Now))
	})
	if err != nil {
		return rdv.AppointmentRequest{}, rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed()
	}
	return out, ch, nil
}

// ExpireProposals ends the live proposals that ran out by now.
func (s *Store) ExpireProposals(ctx context.Context, now time.Time) ([]int64, rdv.SlotChanges, error) {
	var opened []int64
	var ch rdv.SlotChanges
	err := s.inTx(ctx, "expire proposals", func(tx pgx.Tx) error {
		opened, ch = nil, rdv.SlotChanges{}
		// SKIP LOCKED: a proposal another instance is ending, or whose
		// request is being answered, is left to it.
		rows, err := tx.Query(ctx, `SELECT p.id, p.request_id FROM proposals p
			WHERE p.status = 'live' AND p.expires_at <= $1 FOR UPDATE SKIP LOCKED`, dbTime(now))
		if err != nil {
			return err
		}
		type ran struct {
			id      string
			request int64
		}
		var out []ran
		for rows.Next() {
			var r ran
			if err := rows.Scan(&r.id, &r.request); err != nil {
				rows.Close()
				return err
			}
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range out {
			freed, err := endProposal(ctx, tx, r.id, rdv.ProposalExpired)
			if err != nil {
				return err
			}
			ch.Freed = append(ch.Freed, freed.Freed...)
			if _, err := tx.Exec(ctx, `UPDATE requests SET status = 'open' WHERE id = $1 AND status = 'proposed'`, r.request); err != nil {
				return fmt.Errorf("open request %d again: %w", r.request, err)
			}
			opened = append(opened, r.request)
		}
		if len(opened) == 0 {
			return nil
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditProposalExpire, rdv.RequestIDRecords(opened...), now))
	})
	if err != nil {
		return nil, rdv.SlotChanges{}, err
	}
	if len(ch.Freed) > 0 {
		s.changed()
	}
	return opened, ch, nil
}

// ExpireRequests ends the open requests whose range ended by now.
func (s *Store) ExpireRequests(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, "expire requests", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE requests SET status = 'expired', handled_at = $1
			WHERE status = 'open' AND until_at <= $1 RETURNING id`, dbTime(now))
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		// Their fees are released with them: an expired request paid for
		// nothing.
		for _, id := range ids {
			if err := releaseFee(ctx, tx, id, now); err != nil {
				return err
			}
		}
		closed, err := expireWaitlist(ctx, tx, now)
		if err != nil {
			return err
		}
		n = len(ids) + len(closed)
		if n == 0 {
			return nil
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditRequestExpire, rdv.RequestIDRecords(append(ids, closed...)...), now))
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

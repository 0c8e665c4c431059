package postgres

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

var _ rdv.ProposalStore = (*Store)(nil)

// A proposal holds its slot with a hold of the proposal's own ID, filed
// under the request: expiring, releasing and booking it are a hold's, so
// search, the sweep and every instance's index treat it as any other
// hold. The request's row is locked by each write that moves it, so that
// instances matching side by side move it one after the other; the
// unique indexes of proposals back the rules up.

const proposalColumns = `p.id, p.request_id, p.status, p.created_at, p.expires_at, coalesce(p.appointment_id, 0), `

// RequestByReference returns a request by its reference and the hash of
// its token or of one of its proposals'.
func (s *Store) RequestByReference(ctx context.Context, reference, tokenHash string) (rdv.AppointmentRequest, error) {
	r, _, err := requestForAnswer(ctx, s.pool, s.opts.Keys, reference, tokenHash, "", "")
	if err != nil {
		return rdv.AppointmentRequest{}, mapError(fmt.Errorf("read request %s: %w", reference, err))
	}
	return r, nil
}

// Proposal returns one proposal.
func (s *Store) Proposal(ctx context.Context, id string) (rdv.Proposal, error) {
	p, err := scanProposal(s.pool.QueryRow(ctx, `SELECT `+proposalColumns+slotColumns+` FROM proposals p JOIN slots s ON s.id = p.slot_id
		WHERE p.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Proposal{}, rdv.Errorf(rdv.ENOTFOUND, "proposal %s", id)
	}
	if err != nil {
		return rdv.Proposal{}, mapError(fmt.Errorf("read proposal %s: %w", id, err))
	}
	return p, nil
}

// requestForAnswer reads (lock: and locks) a request by its reference for
// the holder of a token: the request's own, which answers whichever
// proposal proposalID names (any: ""), or the token of one of its
// proposals, which answers that proposal only. It returns the proposal
// answered ("" for any). Any other token reads as not found.
func requestForAnswer(ctx context.Context, q querier, k *fieldcrypt.Keys, reference, tokenHash, proposalID, lock string) (rdv.AppointmentRequest, string, error) {
	r, err := scanRequest(k, q.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1 `+lock, reference))
	if err != nil {
		return rdv.AppointmentRequest{}, "", err
	}
	if r.TokenHash != "" && subtle.ConstantTimeCompare([]byte(r.TokenHash), []byte(tokenHash)) == 1 {
		return r, proposalID, nil
	}
	var id string
	err = q.QueryRow(ctx, `SELECT id FROM proposals WHERE request_id = $1 AND token_hash = $2 AND token_hash <> ''`, r.ID, tokenHash).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return rdv.AppointmentRequest{}, "", rdv.Errorf(rdv.ENOTFOUND, "request %s", reference)
	case err != nil:
		return rdv.AppointmentRequest{}, "", err
	case proposalID != "" && proposalID != id:
		return rdv.AppointmentRequest{}, "", rdv.Errorf(rdv.ECONFLICT, "the token answers proposal %s, not %s", id, proposalID)
	}
	return r, id, nil
}

// requestByToken reads (lock: and locks) a request whose token hash is
// tokenHash; a request without a token, or another token, reads as not
// found.
func requestByToken(ctx context.Context, q querier, k *fieldcrypt.Keys, reference, tokenHash, lock string) (rdv.AppointmentRequest, error) {
	r, err := scanRequest(k, q.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1 `+lock, reference))
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	if r.TokenHash == "" || subtle.ConstantTimeCompare([]byte(r.TokenHash), []byte(tokenHash)) != 1 {
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.ENOTFOUND, "request %s", reference)
	}
	return r, nil
}

// MatchableRequests returns the waiting requests with a range that ends
// after now, oldest first; a place on the waitlist whose appointment
// changed is left out (the sweep's ExpireRequests ends it).
func (s *Store) MatchableRequests(ctx context.Context, now time.Time) ([]rdv.AppointmentRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests
		WHERE status IN ('open', 'proposed') AND until_at > $1 AND (moves_appointment_id IS NULL OR `+stillBooked+`)
		ORDER BY received_at, id`, dbTime(now))
	if err != nil {
		return nil, mapError(fmt.Errorf("list matchable requests: %w", err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(s.opts.Keys, rows)
		if err != nil {
			return nil, mapError(fmt.Errorf("list matchable requests: %w", err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(fmt.Errorf("list matchable requests: %w", err))
	}
	return out, nil
}

// Proposals returns a request's proposals, oldest first.
func (s *Store) Proposals(ctx context.Context, requestID int64) ([]rdv.Proposal, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+proposalColumns+slotColumns+` FROM proposals p JOIN slots s ON s.id = p.slot_id
		WHERE p.request_id = $1 ORDER BY p.created_at, p.id`, requestID)
	if err != nil {
		return nil, mapError(fmt.Errorf("list proposals of request %d: %w", requestID, err))
	}
	defer rows.Close()
	var out []rdv.Proposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, mapError(fmt.Errorf("list proposals of request %d: %w", requestID, err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(fmt.Errorf("list proposals of request %d: %w", requestID, err))
	}
	return out, nil
}

// liveProposal reads a request's live proposal; none is ENOTFOUND.
func liveProposal(ctx context.Context, q querier, requestID int64) (rdv.Proposal, error) {
	p, err := scanProposal(q.QueryRow(ctx, `SELECT `+proposalColumns+slotColumns+` FROM proposals p JOIN slots s ON s.id = p.slot_id
		WHERE p.request_id = $1 AND p.status = 'live'`, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Proposal{}, rdv.Errorf(rdv.ENOTFOUND, "request %d has no live proposal", requestID)
	}
	return p, err
}

func scanProposal(row pgx.Row) (rdv.Proposal, error) {
	var p rdv.Proposal
	var status string
	var x slotScan
	if err := row.Scan(append([]any{&p.ID, &p.RequestID, &status, &p.CreatedAt, &p.ExpiresAt, &p.AppointmentID}, x.dest()...)...); err != nil {
		return rdv.Proposal{}, err
	}
	p.Slot, p.Status = x.slot(), rdv.ProposalStatus(status)
	p.CreatedAt, p.ExpiresAt = p.CreatedAt.UTC(), p.ExpiresAt.UTC()
	return p, nil
}

// Propose holds a slot for an open request and records the proposal.
func (s *Store) Propose(ctx context.Context, r rdv.ProposeRequest) (rdv.Proposal, rdv.SlotChanges, error) {
	switch {
	case r.ProposalID == "":
		return rdv.Proposal{}, rdv.SlotChanges{}, rdv.FieldError("proposal_id", "proposal ID missing")
	case r.TTL <= 0:
		return rdv.Proposal{}, rdv.SlotChanges{}, rdv.FieldError("ttl", "proposal time %v not positive", r.TTL)
	}
	var p rdv.Proposal
	var ch rdv.SlotChanges
	err := s.inTx(ctx, fmt.Sprintf("propose slot %d to request %d", r.SlotID, r.RequestID), func(tx pgx.Tx) error {
		ch = rdv.SlotChanges{}
		now, expires := dbTime(r.Now), dbTime(r.Now.Add(r.TTL))
		if err := proposedAfter(ctx, tx, r.After); err != nil {
			return err
		}
		req, err := scanRequest(keysOf(tx), tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1 FOR UPDATE`, r.RequestID))
		if err != nil {
			return err
		}
		slot, err := readSlot(ctx, tx, r.SlotID, "FOR UPDATE")
		if err != nil {
			return err
		}
		c, pr, err := slotPlace(ctx, tx, slot)
		if err != nil {
			return err
		}
		if err := rdv.CheckProposal(req, slot, c, pr, now); err != nil {
			return err
		}
		if req.IsMove() {
			if _, err := checkMoveOpen(ctx, tx, req, now); err != nil {
				return err
			}
		}
		if req.NeedsRoster(slot) {
			if err := checkRequestRostered(ctx, tx, slot, req); err != nil {
				return err
			}
		}
		var x slotScan
		err = tx.QueryRow(ctx, `WITH prop AS (
				INSERT INTO proposals (id, request_id, slot_id, status, created_at, expires_at, token_hash) VALUES ($1, $2, $3, 'live', $4, $5, $7)),
			hold AS (INSERT INTO holds (id, slot_id, client_key, address_key, expires_at) VALUES ($1, $3, $6, '', $5)),
			req AS (UPDATE requests SET status = 'proposed' WHERE id = $2),
			held AS (
				UPDATE slots s SET state = 'held', hold_id = $1, hold_expires = $5 WHERE s.id = $3 RETURNING `+slotColumns+`),
			change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
			SELECT * FROM held`,
			r.ProposalID, req.ID, slot.ID, now, expires, "request:"+strconv.FormatInt(req.ID, 10), r.TokenHash).Scan(x.dest()...)
		if err != nil {
			// A unique index refuses a slot offered to the request before
			// (ECONFLICT, by mapError).
			return fmt.Errorf("record proposal %s of slot %d to request %d: %w", r.ProposalID, slot.ID, req.ID, err)
		}
		p = rdv.Proposal{ID: r.ProposalID, RequestID: req.ID, Slot: x.slot(), Status: rdv.ProposalLive, CreatedAt: now, ExpiresAt: expires}
		ch.Taken = []rdv.Slot{p.Slot}
		// The person hears of it in the same transaction: the outbox.
		if r.Token != "" {
			if err := insertMessages(ctx, tx, req.ProposalMessages(p, r.Token)); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, rdv.NewAuditEvent(ctx, rdv.AuditProposalMake, rdv.RequestRecords(req), r.Now))
	})
	if err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	s.changed()
	return p, ch, nil
}

// ProposeAll makes proposals as Propose makes each, in a transaction
// each and side by side, on as many connections as the pool gives. One
// that comes after an earlier one of the call (After), or shares its
// slot, its request or its ID, starts once that one is done, so that the
// answers are those of the order given: begun together, it would read
// one still being written as not made, or take what the earlier was to
// have.
func (s *Store) ProposeAll(ctx context.Context, rs []rdv.ProposeRequest) []rdv.ProposeResult {
	out := make([]rdv.ProposeResult, len(rs))
	done := make([]chan struct{}, len(rs))
	waits := make([][]int, len(rs))
	last := map[string]int{} // the last proposal of a slot, a request, an ID
	for i, r := range rs {
		done[i] = make(chan struct{})
		for _, id := range r.After {
			if j, ok := last["p"+id]; ok {
				waits[i] = append(waits[i], j)
			}
		}
		for _, k := range []string{"s" + strconv.FormatInt(r.SlotID, 10), "r" + strconv.FormatInt(r.RequestID, 10), "p" + r.ProposalID} {
			if j, ok := last[k]; ok {
				waits[i] = append(waits[i], j)
			}
			last[k] = i
		}
	}
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() {
			defer close(done[i])
			for _, j := range waits[i] {
				<-done[j]
			}
			p, ch, err := s.Propose(ctx, r)
			out[i] = rdv.ProposeResult{Proposal: p, Changes: ch, Err: err}
		})
	}
	wg.Wait()
	return out
}

// proposedAfter refuses a proposal that comes after one not made (see
// rdv.ProposeRequest.After). One still being written by another
// transaction reads as not made: the matcher decides the slot again.
func proposedAfter(ctx context.Context, tx pgx.Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, status FROM proposals WHERE id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("read proposals %v: %w", ids, err)
	}
	made := map[string]bool{}
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			rows.Close()
			return fmt.Errorf("read proposals %v: %w", ids, err)
		}
		made[id] = rdv.ProposalMade(rdv.ProposalStatus(status))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read proposals %v: %w", ids, err)
	}
	for _, id := range ids {
		if !made[id] {
			return rdv.ErrProposalAfter(id)
		}
	}
	return nil
}

// slotPlace reads the clinic and the practitioner of a slot, as much of
// them as a request's criteria look at.
func slotPlace(ctx context.Context, q querier, sl rdv.Slot) (rdv.Clinic, rdv.Practitioner, error) {
	c := rdv.Clinic{ID: sl.ClinicID}
	p := rdv.Practitioner{ID: sl.PractitionerID}
	err := q.QueryRow(ctx, `SELECT c.lat, c.lon, p.languages FROM clinics c JOIN practitioners p ON p.id = $1 WHERE c.id = $2`,
		sl.PractitionerID, sl.ClinicID).Scan(&c.Lat, &c.Lon, &p.Languages)
	if err != nil {
		return c, p, fmt.Errorf("read place of slot %d: %w", sl.ID, err)
	}
	return c, p, nil
}

// checkRequestRostered refuses a slot of a clinic that does not register
// the request's patient: an own-clinic request's slots, kept or public,
// are those of the patient's own clinics.
func checkRequestRostered(ctx context.Context, tx pgx.Tx, sl rdv.Slot, r rdv.AppointmentRequest) error {
	p := r.Patient()
	hn, err := rdv.NormalizeHealthNumber(p.HealthNumber)
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT id FROM patients WHERE health_index = $1`, keysOf(tx).Index(fieldcrypt.KindHealthNumber, hn)).Scan(&p.ID)
	}
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) || rdv.ErrorCode(err) == rdv.EINVALID {
			return rdv.Errorf(rdv.ENOTROSTERED, "request %d's patient is not registered at clinic %d", r.ID, sl.ClinicID)
		}
		return fmt.Errorf("find request %d's patient: %w", r.ID, err)
	}
	return checkRostered(ctx, tx, sl, p)
}

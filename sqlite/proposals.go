package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

var _ rdv.ProposalStore = (*Store)(nil)

// A proposal holds its slot with a hold of the proposal's own ID, filed
// under the request: expiring, releasing and booking it are a hold's, so
// search, the sweep and the index treat it as any other hold.

const proposalColumns = `p.id, p.request_id, p.status, p.created_at, p.expires_at, coalesce(p.appointment_id, 0), `

// RequestByReference returns a request by its reference and the hash of
// its token or of one of its proposals'.
func (s *Store) RequestByReference(ctx context.Context, reference, tokenHash string) (rdv.AppointmentRequest, error) {
	r, _, err := requestForAnswer(s.r(ctx), reference, tokenHash, "")
	if err != nil {
		return rdv.AppointmentRequest{}, fmt.Errorf("read request %s: %w", reference, err)
	}
	return r, nil
}

// Proposal returns one proposal.
func (s *Store) Proposal(ctx context.Context, id string) (rdv.Proposal, error) {
	p, err := scanProposal(s.r(ctx).row(`SELECT `+proposalColumns+slotColumnsOf("s")+` FROM proposals p JOIN slots s ON s.id = p.slot_id
		WHERE p.id = ?`, id))
	if isNoRows(err) {
		return rdv.Proposal{}, rdv.Errorf(rdv.ENOTFOUND, "proposal %s", id)
	}
	if err != nil {
		return rdv.Proposal{}, fmt.Errorf("read proposal %s: %w", id, mapError(err))
	}
	return p, nil
}

// requestForAnswer reads a request by its reference for the holder of a
// token: the request's own, which answers whichever proposal proposalID
// names (any: ""), or the token of one of its proposals, which answers
// that proposal only. It returns the proposal answered ("" for any). Any
// other token reads as not found.
func requestForAnswer(q querier, reference, tokenHash, proposalID string) (rdv.AppointmentRequest, string, error) {
	r, err := scanRequest(q.crypt(), q.row(`SELECT `+requestColumns+` FROM requests WHERE reference = ?`, reference))
	if err != nil {
		return rdv.AppointmentRequest{}, "", err
	}
	if tokenMatches(r.TokenHash, tokenHash) {
		return r, proposalID, nil
	}
	var id string
	err = q.row(`SELECT id FROM proposals WHERE request_id = ? AND token_hash = ? AND token_hash <> ''`, r.ID, tokenHash).Scan(&id)
	switch {
	case isNoRows(err):
		return rdv.AppointmentRequest{}, "", rdv.Errorf(rdv.ENOTFOUND, "request %s", reference)
	case err != nil:
		return rdv.AppointmentRequest{}, "", mapError(err)
	case proposalID != "" && proposalID != id:
		return rdv.AppointmentRequest{}, "", rdv.Errorf(rdv.ECONFLICT, "the token answers proposal %s, not %s", id, proposalID)
	}
	return r, id, nil
}

// requestByToken reads a request whose token hash is tokenHash; a request
// without a token, or another token, reads as not found.
func requestByToken(q querier, reference, tokenHash string) (rdv.AppointmentRequest, error) {
	r, err := scanRequest(q.crypt(), q.row(`SELECT `+requestColumns+` FROM requests WHERE reference = ?`, reference))
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	if !tokenMatches(r.TokenHash, tokenHash) {
		return rdv.AppointmentRequest{}, rdv.Errorf(rdv.ENOTFOUND, "request %s", reference)
	}
	return r, nil
}

// MatchableRequests returns the waiting requests with a range that ends
// after now, oldest first; a place on the waitlist whose appointment
// changed is left out (the sweep's ExpireRequests ends it).
func (s *Store) MatchableRequests(ctx context.Context, now time.Time) ([]rdv.AppointmentRequest, error) {
	rows, err := s.r(ctx).query(`SELECT `+requestColumns+` FROM requests
		WHERE status IN ('open', 'proposed') AND until_at > ? AND (moves_appointment_id IS NULL OR `+stillBooked+`)
		ORDER BY received_at, id`, millis(now))
	if err != nil {
		return nil, fmt.Errorf("list matchable requests: %w", mapError(err))
	}
	defer rows.Close()
	var out []rdv.AppointmentRequest
	for rows.Next() {
		r, err := scanRequest(s.keys, rows)
		if err != nil {
			return nil, fmt.Errorf("list matchable requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list matchable requests: %w", mapError(err))
	}
	return out, nil
}

// Proposals returns a request's proposals, oldest first.
func (s *Store) Proposals(ctx context.Context, requestID int64) ([]rdv.Proposal, error) {
	rows, err := s.r(ctx).query(`SELECT `+proposalColumns+slotColumnsOf("s")+` FROM proposals p JOIN slots s ON s.id = p.slot_id
		WHERE p.request_id = ? ORDER BY p.created_at, p.id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("list proposals of request %d: %w", requestID, mapError(err))
	}
	defer rows.Close()
	var out []rdv.Proposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("list proposals of request %d: %w", requestID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list proposals of request %d: %w", requestID, mapError(err))
	}
	return out, nil
}

// liveProposal reads a request's live proposal; none is ENOTFOUND.
func liveProposal(q querier, requestID int64) (rdv.Proposal, error) {
	p, err := scanProposal(q.row(`SELECT `+proposalColumns+slotColumnsOf("s")+` FROM proposals p JOIN slots s ON s.id = p.slot_id
		WHERE p.request_id = ? AND p.status = 'live'`, requestID))
	if isNoRows(err) {
		return rdv.Proposal{}, rdv.Errorf(rdv.ENOTFOUND, "request %d has no live proposal", requestID)
	}
	return p, err
}

func scanProposal(sc scanner) (rdv.Proposal, error) {
	var p rdv.Proposal
	var status string
	var created, expires int64
	slot, err := scanSlot(scanFirst{sc, []any{&p.ID, &p.RequestID, &status, &created, &expires, &p.AppointmentID}})
	if err != nil {
		return rdv.Proposal{}, err
	}
	p.Slot, p.Status, p.CreatedAt, p.ExpiresAt = slot, rdv.ProposalStatus(status), fromMillis(created), fromMillis(expires)
	return p, nil
}

// scanFirst scans leading columns into first, then the rest as the
// caller's Scan asks.
type scanFirst struct {
	sc    scanner
	first []any
}

func (s scanFirst) Scan(dest ...any) error { return s.sc.Scan(append(s.first, dest...)...) }

// Propose holds a slot for an open request and records the proposal.
func (s *Store) Propose(ctx context.Context, r rdv.ProposeRequest) (rdv.Proposal, rdv.SlotChanges, error) {
	var p rdv.Proposal
	var ch rdv.SlotChanges
	err := s.writer.submit(ctx, &command{run: func(tx *wtx) (err error) {
		p, ch, err = propose(tx, r)
		return err
	}})
	if err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, fmt.Errorf("propose slot %d to request %d: %w", r.SlotID, r.RequestID, err)
	}
	return p, ch, nil
}

// propose writes a proposal in as few statements as the common case
// allows, since SQLite's one writer runs every statement of every
// proposal: a free slot is marked held and read with its place in one
// UPDATE … RETURNING, an open request marked proposed and read in
// another. Any other case (a slot held or gone, a request not open) reads
// them as they are, and CheckProposal says why it is refused; a refusal
// after the fast path's updates is rolled back with the write's
// savepoint.
func propose(tx *wtx, r rdv.ProposeRequest) (rdv.Proposal, rdv.SlotChanges, error) {
	switch {
	case r.ProposalID == "":
		return rdv.Proposal{}, rdv.SlotChanges{}, rdv.FieldError("proposal_id", "proposal ID missing")
	case r.TTL <= 0:
		return rdv.Proposal{}, rdv.SlotChanges{}, rdv.FieldError("ttl", "proposal time %v not positive", r.TTL)
	}
	if err := proposedAfter(tx, r.After); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	now, expires := millis(r.Now), millis(r.Now.Add(r.TTL))
	slot, c, pr, held, err := holdFreeSlot(tx, r.SlotID, r.ProposalID, expires)
	if err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	var req rdv.AppointmentRequest
	if held {
		req, err = markProposed(tx, r.RequestID)
	} else {
		req, slot, c, pr, err = readProposal(tx, r)
	}
	if err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	if err := rdv.CheckProposal(req, slot, c, pr, r.Now); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	if req.IsMove() {
		if err := checkMoveOpen(tx, req, r.Now); err != nil {
			return rdv.Proposal{}, rdv.SlotChanges{}, err
		}
	}
	if req.NeedsRoster(slot) {
		if err := checkRequestRostered(tx, slot, req); err != nil {
			return rdv.Proposal{}, rdv.SlotChanges{}, err
		}
	}
	if !held {
		if err := holdSlot(tx, slot, r.ProposalID, expires); err != nil {
			return rdv.Proposal{}, rdv.SlotChanges{}, err
		}
		if _, err := tx.exec(`UPDATE requests SET status = 'proposed' WHERE id = ?`, req.ID); err != nil {
			return rdv.Proposal{}, rdv.SlotChanges{}, fmt.Errorf("mark request proposed: %w", mapError(err))
		}
	}
	if _, err := tx.exec(`INSERT INTO proposals (id, request_id, slot_id, status, created_at, expires_at, token_hash) VALUES (?, ?, ?, 'live', ?, ?, ?)`,
		r.ProposalID, req.ID, slot.ID, now, expires, r.TokenHash); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, fmt.Errorf("insert proposal: %w",
			uniqueAs(err, rdv.ECONFLICT, "request %d was offered slot %d before, or proposal ID %s is in use", req.ID, slot.ID, r.ProposalID))
	}
	if _, err := tx.exec(`INSERT INTO holds (id, slot_id, client_key, address_key, expires_at, status, created_at) VALUES (?, ?, ?, '', ?, 'active', ?)`,
		r.ProposalID, slot.ID, "request:"+strconv.FormatInt(req.ID, 10), expires, now); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, fmt.Errorf("insert proposal's hold: %w", uniqueAs(err, rdv.ECONFLICT, "hold ID %s in use", r.ProposalID))
	}
	slot.State, slot.HoldID, slot.HoldExpires = rdv.SlotHeld, r.ProposalID, fromMillis(expires)
	p := rdv.Proposal{ID: r.ProposalID, RequestID: req.ID, Slot: slot, Status: rdv.ProposalLive, CreatedAt: fromMillis(now), ExpiresAt: fromMillis(expires)}
	// The person hears of it in the same transaction: the outbox.
	if r.Token != "" {
		tx.queueMessages(req.ProposalMessages(p, r.Token))
	}
	return p, rdv.SlotChanges{Taken: []rdv.Slot{slot}}, nil
}

// holdFreeSlot marks slot id held by hold holdID until expires if it is
// free, and returns it as it was, with as much of its clinic and
// practitioner as a request's criteria look at. A slot not free, or not
// there, is left as it is: held is false.
func holdFreeSlot(tx *wtx, id int64, holdID string, expires int64) (s rdv.Slot, c rdv.Clinic, p rdv.Practitioner, held bool, err error) {
	var langs string
	s, err = scanSlot(scanPlus{tx.row(`UPDATE slots SET state = 'held', hold_id = ?, hold_expires = ? WHERE id = ? AND state = 'free'
		RETURNING `+slotColumns+`, (SELECT lat FROM clinics WHERE clinics.id = slots.clinic_id),
		(SELECT lon FROM clinics WHERE clinics.id = slots.clinic_id),
		(SELECT languages FROM practitioners WHERE practitioners.id = slots.practitioner_id)`, holdID, expires, id),
		[]any{&c.Lat, &c.Lon, &langs}})
	switch {
	case isNoRows(err):
		return rdv.Slot{}, c, p, false, nil
	case err != nil:
		return rdv.Slot{}, c, p, false, fmt.Errorf("hold slot %d: %w", id, mapError(err))
	}
	s.State, s.HoldID, s.HoldExpires = rdv.SlotFree, "", time.Time{}
	c.ID, p.ID = s.ClinicID, s.PractitionerID
	if err := json.Unmarshal([]byte(langs), &p.Languages); err != nil {
		return rdv.Slot{}, c, p, false, fmt.Errorf("read languages of practitioner %d: %w", p.ID, err)
	}
	return s, c, p, true, nil
}

// markProposed marks request id proposed if it is open, and returns it as
// it was. A request not open is read as it is, for CheckProposal to say
// why.
func markProposed(tx *wtx, id int64) (rdv.AppointmentRequest, error) {
	req, err := scanRequest(tx.keys, tx.row(`UPDATE requests SET status = 'proposed' WHERE id = ? AND status = 'open' RETURNING `+requestColumns, id))
	if rdv.ErrorCode(err) == rdv.ENOTFOUND {
		return scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	}
	if err != nil {
		return rdv.AppointmentRequest{}, fmt.Errorf("mark request %d proposed: %w", id, mapError(err))
	}
	req.Status = rdv.RequestOpen
	return req, nil
}

// readProposal reads the request and the slot of a proposal, and the
// slot's place, as they are.
func readProposal(tx *wtx, r rdv.ProposeRequest) (rdv.AppointmentRequest, rdv.Slot, rdv.Clinic, rdv.Practitioner, error) {
	req, err := scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, r.RequestID))
	if err != nil {
		return req, rdv.Slot{}, rdv.Clinic{}, rdv.Practitioner{}, err
	}
	slot, err := getSlot(tx, r.SlotID)
	if err != nil {
		return req, slot, rdv.Clinic{}, rdv.Practitioner{}, err
	}
	c, pr, err := slotPlace(tx, slot)
	return req, slot, c, pr, err
}

// holdSlot marks a slot that CheckProposal saw free held by the proposal.
func holdSlot(tx *wtx, slot rdv.Slot, holdID string, expires int64) error {
	if slot.State == rdv.SlotHeld {
		// The hold ran out though no sweep has passed (CheckProposal saw
		// the slot free): it ends now, as in placeHold.
		if _, err := tx.exec(`UPDATE holds SET status = 'expired' WHERE id = ? AND status = 'active'`, slot.HoldID); err != nil {
			return fmt.Errorf("expire hold %s: %w", slot.HoldID, mapError(err))
		}
	}
	if _, err := tx.exec(`UPDATE slots SET state = 'held', hold_id = ?, hold_expires = ? WHERE id = ?`, holdID, expires, slot.ID); err != nil {
		return fmt.Errorf("mark slot held: %w", mapError(err))
	}
	return nil
}

// proposedAfter refuses a proposal that comes after one not made (see
// rdv.ProposeRequest.After). The matcher's batches write them in order,
// so the ones it comes after are usually in the same transaction.
func proposedAfter(tx *wtx, ids []string) error {
	for _, id := range ids {
		var status string
		err := tx.row(`SELECT status FROM proposals WHERE id = ?`, id).Scan(&status)
		switch {
		case isNoRows(err) || err == nil && !rdv.ProposalMade(rdv.ProposalStatus(status)):
			return rdv.ErrProposalAfter(id)
		case err != nil:
			return fmt.Errorf("read proposal %s: %w", id, mapError(err))
		}
	}
	return nil
}

// slotPlace reads the clinic and the practitioner of a slot, as much of
// them as a request's criteria look at.
func slotPlace(q querier, sl rdv.Slot) (rdv.Clinic, rdv.Practitioner, error) {
	c := rdv.Clinic{ID: sl.ClinicID}
	p := rdv.Practitioner{ID: sl.PractitionerID}
	var langs string
	err := q.row(`SELECT c.lat, c.lon, p.languages FROM clinics c JOIN practitioners p ON p.id = ? WHERE c.id = ?`,
		sl.PractitionerID, sl.ClinicID).Scan(&c.Lat, &c.Lon, &langs)
	if err != nil {
		return c, p, fmt.Errorf("read place of slot %d: %w", sl.ID, mapError(err))
	}
	if err := json.Unmarshal([]byte(langs), &p.Languages); err != nil {
		return c, p, fmt.Errorf("read languages of practitioner %d: %w", p.ID, err)
	}
	return c, p, nil
}

// checkRequestRostered refuses a slot of a clinic that does not register
// the request's patient: an own-clinic request's slots, kept or public,
// are those of the patient's own clinics.
func checkRequestRostered(tx *wtx, sl rdv.Slot, r rdv.AppointmentRequest) error {
	p := r.Patient()
	hn, err := rdv.NormalizeHealthNumber(p.HealthNumber)
	if err == nil {
		err = tx.row(`SELECT id FROM patients WHERE health_index = ?`, tx.keys.Index(fieldcrypt.KindHealthNumber, hn)).Scan(&p.ID)
	}
	if err != nil {
		if isNoRows(err) || rdv.ErrorCode(err) == rdv.EINVALID {
			return rdv.Errorf(rdv.ENOTROSTERED, "request %d's patient is not registered at clinic %d", r.ID, sl.ClinicID)
		}
		return fmt.Errorf("find request %d's patient: %w", r.ID, mapError(err))
	}
	return checkRostered(tx, sl, p)
}

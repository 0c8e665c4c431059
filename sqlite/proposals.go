package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
		p, ch, err = propose(ctx, tx, r, nil, nil)
		return err
	}})
	if err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, proposeError(r, err)
	}
	return p, ch, nil
}

// ProposeAll makes proposals as Propose makes each, in one command of
// the writer: the matcher's round costs one command, and no savepoint per
// proposal, since propose writes nothing it would have to undo (a
// savepoint costs a proposal a copy of every page it changes). A
// proposal after another of the call finds it in made, without reading.
func (s *Store) ProposeAll(ctx context.Context, rs []rdv.ProposeRequest) []rdv.ProposeResult {
	out := make([]rdv.ProposeResult, len(rs))
	err := s.writer.submit(ctx, &command{checked: true, run: func(tx *wtx) error {
		made := make(map[string]bool, len(rs))
		tx.outbox = slices.Grow(tx.outbox, 2*len(rs)) // an email and a text message at most each
		read, err := readProposals(tx, rs)
		if err != nil {
			return err
		}
		for i, r := range rs {
			p, ch, err := propose(ctx, tx, r, made, &read)
			if w := (*writtenError)(nil); errors.As(err, &w) {
				return w // the batch is rolled back: every write fails
			}
			made[r.ProposalID] = err == nil
			out[i] = rdv.ProposeResult{Proposal: p, Changes: ch}
			if err != nil {
				out[i].Err = proposeError(r, mapError(err))
			}
		}
		return nil
	}})
	if err != nil {
		for i, r := range rs {
			out[i] = rdv.ProposeResult{Err: proposeError(r, err)}
		}
	}
	return out
}

func proposeError(r rdv.ProposeRequest, err error) error {
	return fmt.Errorf("propose slot %d to request %d: %w", r.SlotID, r.RequestID, err)
}

// writtenError is an error of a proposal's write after its first one
// (the disk, say: nothing checked could foresee it). The proposal is half
// written: it cannot be refused alone, the transaction is to be rolled
// back.
type writtenError struct{ err error }

func (e *writtenError) Error() string { return e.err.Error() }
func (e *writtenError) Unwrap() error { return e.err }

// propose makes a proposal in the write's transaction, in as few
// statements as the common case allows, since SQLite's one writer runs
// every statement of every proposal: the request, the slot and its place
// read in one SELECT, then the proposal, its hold, the slot and the
// request written. Everything is read and checked (CheckProposal) before
// the first write, and the first write, the proposal's row, is refused
// whole by its unique indexes (a slot offered to the request before, an
// ID in use): a refusal writes nothing, so ProposeAll needs no savepoint
// per proposal. made, when not nil, tells the proposals of the same
// command (After) made or refused; read, when not nil, holds the slot and
// the request as the command read them before its first proposal.
func propose(ctx context.Context, tx *wtx, r rdv.ProposeRequest, made map[string]bool, read *proposalReads) (rdv.Proposal, rdv.SlotChanges, error) {
	switch {
	case r.ProposalID == "":
		return rdv.Proposal{}, rdv.SlotChanges{}, rdv.FieldError("proposal_id", "proposal ID missing")
	case r.TTL <= 0:
		return rdv.Proposal{}, rdv.SlotChanges{}, rdv.FieldError("ttl", "proposal time %v not positive", r.TTL)
	}
	if err := proposedAfter(tx, r.After, made); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	var req rdv.AppointmentRequest
	var slot rdv.Slot
	var c rdv.Clinic
	var pr rdv.Practitioner
	if ps, rq, ok := read.take(r); ok {
		req, slot, c, pr = rq.req, ps.s, ps.c, ps.p
	} else {
		var err error
		if req, slot, c, pr, err = readProposal(tx, r); err != nil {
			return rdv.Proposal{}, rdv.SlotChanges{}, err
		}
	}
	if err := rdv.CheckProposal(req, slot, c, pr, r.Now); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	if req.IsMove() || req.NeedsRoster(slot) {
		if err := checkProposalWhole(tx, req, slot, r.Now); err != nil {
			return rdv.Proposal{}, rdv.SlotChanges{}, err
		}
	}
	now, expires := millis(r.Now), millis(r.Now.Add(r.TTL))
	if _, err := tx.exec(`INSERT INTO proposals (id, request_id, slot_id, status, created_at, expires_at, token_hash) VALUES (?, ?, ?, 'live', ?, ?, ?)`,
		r.ProposalID, req.ID, slot.ID, now, expires, r.TokenHash); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, fmt.Errorf("insert proposal: %w",
			uniqueAs(err, rdv.ECONFLICT, "request %d was offered slot %d before, or proposal ID %s is in use", req.ID, slot.ID, r.ProposalID))
	}
	if err := holdProposed(tx, req, slot, r.ProposalID, now, expires); err != nil {
		return rdv.Proposal{}, rdv.SlotChanges{}, err
	}
	slot.State, slot.HoldID, slot.HoldExpires = rdv.SlotHeld, r.ProposalID, fromMillis(expires)
	p := rdv.Proposal{ID: r.ProposalID, RequestID: req.ID, Slot: slot, Status: rdv.ProposalLive, CreatedAt: fromMillis(now), ExpiresAt: fromMillis(expires)}
	// The person hears of it in the same transaction: the outbox.
	if r.Token != "" {
		tx.queueMessages(req.ProposalMessages(p, r.Token))
	}
	tx.auditChange(ctx, rdv.AuditProposalMake, rdv.RequestRecords(req), r.Now)
	return p, rdv.SlotChanges{Taken: []rdv.Slot{slot}}, nil
}

// holdProposed writes the rest of a proposal whose row is written: its
// hold, the slot held and the request proposed. A hold ID in use (never
// a proposal's: their IDs are the proposals') takes the proposal's row
// back and refuses it; any other failure is a writtenError.
func holdProposed(tx *wtx, req rdv.AppointmentRequest, slot rdv.Slot, id string, now, expires int64) error {
	if _, err := tx.exec(`INSERT INTO holds (id, slot_id, client_key, address_key, expires_at, status, created_at) VALUES (?, ?, ?, '', ?, 'active', ?)`,
		id, slot.ID, "request:"+strconv.FormatInt(req.ID, 10), expires, now); err != nil {
		if !isUnique(err) {
			return &writtenError{fmt.Errorf("insert proposal's hold: %w", mapError(err))}
		}
		if _, derr := tx.exec(`DELETE FROM proposals WHERE id = ?`, id); derr != nil {
			return &writtenError{fmt.Errorf("take back proposal %s: %w", id, mapError(derr))}
		}
		return fmt.Errorf("insert proposal's hold: %w", uniqueAs(err, rdv.ECONFLICT, "hold ID %s in use", id))
	}
	if slot.State == rdv.SlotHeld {
		// The hold ran out though no sweep has passed (CheckProposal saw
		// the slot free): it ends now, as in placeHold.
		if _, err := tx.exec(`UPDATE holds SET status = 'expired' WHERE id = ? AND status = 'active'`, slot.HoldID); err != nil {
			return &writtenError{fmt.Errorf("expire hold %s: %w", slot.HoldID, mapError(err))}
		}
	}
	if _, err := tx.exec(`UPDATE slots SET state = 'held', hold_id = ?, hold_expires = ? WHERE id = ?`, id, expires, slot.ID); err != nil {
		return &writtenError{fmt.Errorf("mark slot held: %w", mapError(err))}
	}
	if _, err := tx.exec(`UPDATE requests SET status = 'proposed' WHERE id = ?`, req.ID); err != nil {
		return &writtenError{fmt.Errorf("mark request proposed: %w", mapError(err))}
	}
	return nil
}

// proposedColumns are the columns of a request that a proposal reads:
// what CheckProposal tests, what tells a place on the waitlist or a
// request that needs the roster (checkProposalWhole reads those whole),
// and what ProposalMessages writes to. The others would cost every
// proposal their reading for nothing.
const proposedColumns = `r.id, r.status, r.birth_date, r.phone, r.email, r.language, r.service, r.lat, r.lon, r.radius_km,
	r.from_at, r.until_at, r.weekdays, r.times, r.practitioner_language, r.scope, coalesce(r.moves_appointment_id, 0), r.clinic_id, r.practitioner_id`

// readProposalQuery reads a slot, its place and a request.
var readProposalQuery = `SELECT ` + slotColumnsOf("s") + `, c.lat, c.lon, p.languages, ` + proposedColumns + `
	FROM slots s JOIN clinics c ON c.id = s.clinic_id JOIN practitioners p ON p.id = s.practitioner_id, requests r
	WHERE s.id = ? AND r.id = ?`

// readProposal reads the request and the slot of a proposal, and the
// slot's place, in one statement. Either missing, it reads each alone to
// say which.
func readProposal(tx *wtx, r rdv.ProposeRequest) (rdv.AppointmentRequest, rdv.Slot, rdv.Clinic, rdv.Practitioner, error) {
	var ps proposedSlot
	var pr proposedRequest
	err := tx.row(readProposalQuery, r.SlotID, r.RequestID).Scan(append(ps.dest(), pr.dest(tx.keys)...)...)
	if isNoRows(err) {
		return readProposalApart(tx, r)
	}
	if err != nil {
		return rdv.AppointmentRequest{}, rdv.Slot{}, rdv.Clinic{}, rdv.Practitioner{}, fmt.Errorf("read slot %d and request %d: %w", r.SlotID, r.RequestID, mapError(err))
	}
	if err := ps.finish(); err != nil {
		return rdv.AppointmentRequest{}, rdv.Slot{}, rdv.Clinic{}, rdv.Practitioner{}, err
	}
	if err := pr.finish(); err != nil {
		return rdv.AppointmentRequest{}, rdv.Slot{}, rdv.Clinic{}, rdv.Practitioner{}, err
	}
	return pr.req, ps.s, ps.c, ps.p, nil
}

// proposedSlot is a slot and its place as a proposal reads them
// (slotColumnsOf, then c.lat, c.lon, p.languages).
type proposedSlot struct {
	s                       rdv.Slot
	c                       rdv.Clinic
	p                       rdv.Practitioner
	start, end, holdExpires int64
	langs                   string
}

func (x *proposedSlot) dest() []any {
	s := &x.s
	return []any{&s.ID, &s.ClinicID, &s.PractitionerID, &s.Service, &x.start, &x.end, &s.Audience, &s.State, &s.HoldID, &x.holdExpires,
		&x.c.Lat, &x.c.Lon, &x.langs}
}

func (x *proposedSlot) finish() error {
	s := &x.s
	s.Start, s.End = time.Unix(x.start, 0).UTC(), time.Unix(x.end, 0).UTC()
	if s.State == rdv.SlotHeld {
		s.HoldExpires = fromMillis(x.holdExpires)
	}
	x.c.ID, x.p.ID = s.ClinicID, s.PractitionerID
	if err := json.Unmarshal([]byte(x.langs), &x.p.Languages); err != nil {
		return fmt.Errorf("read languages of practitioner %d: %w", x.p.ID, err)
	}
	return nil
}

// proposedRequest is a request as a proposal reads it (proposedColumns).
type proposedRequest struct {
	req                           rdv.AppointmentRequest
	birth, status, service, scope string
	from, until                   int64
	weekdays                      int
}

func (x *proposedRequest) dest(k *fieldcrypt.Keys) []any {
	req := &x.req
	return []any{&req.ID, &x.status, opened(k, &x.birth), opened(k, &req.Phone), opened(k, &req.Email), &req.Language, &x.service, &req.Lat, &req.Lon, &req.RadiusKm,
		&x.from, &x.until, &x.weekdays, &req.Times, &req.PractitionerLanguage, &x.scope, &req.MovesAppointment, &req.ClinicID, &req.PractitionerID}
}

func (x *proposedRequest) finish() error {
	req := &x.req
	var err error
	if req.BirthDate, err = rdv.ParseDate(x.birth); err != nil {
		return fmt.Errorf("request %d: %w", req.ID, err)
	}
	req.Status, req.Service, req.Scope = rdv.RequestStatus(x.status), rdv.Service(x.service), rdv.RequestScope(x.scope)
	req.Weekdays = uint8(x.weekdays) // #nosec G115 -- a mask of 7 weekdays that rdv wrote
	if x.from != 0 {
		req.From = fromMillis(x.from)
	}
	if x.until != 0 {
		req.To = fromMillis(x.until)
	}
	return nil
}

// readProposalApart reads the request, then the slot, then its place,
// and fails on the first missing.
func readProposalApart(tx *wtx, r rdv.ProposeRequest) (rdv.AppointmentRequest, rdv.Slot, rdv.Clinic, rdv.Practitioner, error) {
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

// checkProposalWhole applies the rules of a place on the waitlist and of
// a request that needs the roster, with the request read whole.
func checkProposalWhole(tx *wtx, req rdv.AppointmentRequest, slot rdv.Slot, now time.Time) error {
	whole, err := scanRequest(tx.keys, tx.row(`SELECT `+requestColumns+` FROM requests WHERE id = ?`, req.ID))
	if err != nil {
		return err
	}
	if whole.IsMove() {
		if err := checkMoveOpen(tx, whole, now); err != nil {
			return err
		}
	}
	if whole.NeedsRoster(slot) {
		return checkRequestRostered(tx, slot, whole)
	}
	return nil
}

// proposedAfter refuses a proposal that comes after one not made (see
// rdv.ProposeRequest.After). The matcher's rounds write them in order,
// so the ones it comes after are usually of the same command: made tells
// those without a read.
func proposedAfter(tx *wtx, ids []string, made map[string]bool) error {
	for _, id := range ids {
		ok, seen := made[id]
		if !seen {
			var status string
			err := tx.row(`SELECT status FROM proposals WHERE id = ?`, id).Scan(&status)
			if err != nil && !isNoRows(err) {
				return fmt.Errorf("read proposal %s: %w", id, mapError(err))
			}
			ok = err == nil && rdv.ProposalMade(rdv.ProposalStatus(status))
		}
		if !ok {
			return rdv.ErrProposalAfter(id)
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

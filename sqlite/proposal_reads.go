package sqlite

import (
	"fmt"
	"strconv"

	"rdv"
)

// proposalReads are the slots, with their place, and the requests of a
// ProposeAll, read in two statements before its first proposal rather
// than in one each: a query's cost on the driver (its columns named and
// typed, its rows set up) was most of a proposal's read, the reading
// itself a fifth of it. An entry serves once (take): a proposal made
// changes its slot and its request, so a second proposal of the same slot
// or request reads them again, after the first's writes.
type proposalReads struct {
	slots    map[int64]*proposedSlot
	requests map[int64]*proposedRequest
}

// readSlotsQuery reads slots and their places by a JSON array of IDs.
var readSlotsQuery = `SELECT ` + slotColumnsOf("s") + `, c.lat, c.lon, p.languages
	FROM json_each(?) j JOIN slots s ON s.id = j.value JOIN clinics c ON c.id = s.clinic_id JOIN practitioners p ON p.id = s.practitioner_id`

// readRequestsQuery reads requests by a JSON array of IDs.
var readRequestsQuery = `SELECT ` + proposedColumns + ` FROM json_each(?) j JOIN requests r ON r.id = j.value`

// readProposals reads what the proposals rs will check. A slot or a
// request it does not find is left to readProposal, which says which.
func readProposals(tx *wtx, rs []rdv.ProposeRequest) (proposalReads, error) {
	pr := proposalReads{slots: make(map[int64]*proposedSlot, len(rs)), requests: make(map[int64]*proposedRequest, len(rs))}
	slotIDs, requestIDs := make([]byte, 0, 8*len(rs)+2), make([]byte, 0, 8*len(rs)+2)
	slotIDs, requestIDs = append(slotIDs, '['), append(requestIDs, '[')
	for i, r := range rs {
		if i > 0 {
			slotIDs, requestIDs = append(slotIDs, ','), append(requestIDs, ',')
		}
		slotIDs, requestIDs = strconv.AppendInt(slotIDs, r.SlotID, 10), strconv.AppendInt(requestIDs, r.RequestID, 10)
	}
	slotIDs, requestIDs = append(slotIDs, ']'), append(requestIDs, ']')

	rows, err := tx.query(readSlotsQuery, string(slotIDs))
	if err != nil {
		return pr, fmt.Errorf("read the slots of %d proposals: %w", len(rs), mapError(err))
	}
	for rows.Next() {
		ps := new(proposedSlot)
		if err := rows.Scan(ps.dest()...); err != nil {
			_ = rows.Close()
			return pr, fmt.Errorf("read the slots of %d proposals: %w", len(rs), mapError(err))
		}
		if err := ps.finish(); err != nil {
			_ = rows.Close()
			return pr, err
		}
		pr.slots[ps.s.ID] = ps
	}
	if err := rows.Close(); err != nil {
		return pr, fmt.Errorf("read the slots of %d proposals: %w", len(rs), mapError(err))
	}
	if err := rows.Err(); err != nil {
		return pr, fmt.Errorf("read the slots of %d proposals: %w", len(rs), mapError(err))
	}

	rows, err = tx.query(readRequestsQuery, string(requestIDs))
	if err != nil {
		return pr, fmt.Errorf("read the requests of %d proposals: %w", len(rs), mapError(err))
	}
	for rows.Next() {
		rq := new(proposedRequest)
		if err := rows.Scan(rq.dest(tx.keys)...); err != nil {
			_ = rows.Close()
			return pr, fmt.Errorf("read the requests of %d proposals: %w", len(rs), mapError(err))
		}
		if err := rq.finish(); err != nil {
			_ = rows.Close()
			return pr, err
		}
		pr.requests[rq.req.ID] = rq
	}
	if err := rows.Close(); err != nil {
		return pr, fmt.Errorf("read the requests of %d proposals: %w", len(rs), mapError(err))
	}
	if err := rows.Err(); err != nil {
		return pr, fmt.Errorf("read the requests of %d proposals: %w", len(rs), mapError(err))
	}
	return pr, nil
}

// take returns what was read of r's slot and request, and forgets both:
// whatever comes of r, the next proposal of either reads it again. ok is
// false when either was not read (pr nil, or not found).
func (pr *proposalReads) take(r rdv.ProposeRequest) (ps *proposedSlot, rq *proposedRequest, ok bool) {
	if pr == nil {
		return nil, nil, false
	}
	ps, sok := pr.slots[r.SlotID]
	rq, rok := pr.requests[r.RequestID]
	delete(pr.slots, r.SlotID)
	delete(pr.requests, r.RequestID)
	return ps, rq, sok && rok
}

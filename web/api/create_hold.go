package api

import (
	"net/http"
	"time"

	"rdv"
	"rdv/booking"
)

type holdRequest struct {
	SlotID int64 `json:"slot_id"`
}

type holdResponse struct {
	HoldID    string    `json:"hold_id"`
	SlotID    int64     `json:"slot_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createHold answers POST /api/v1/holds: it holds a slot for the client
// while the person fills in the booking form.
func (s *server) createHold(w http.ResponseWriter, r *http.Request) {
	var in holdRequest
	who := s.holdInput(r)
	owner := who.ClientKey
	if owner == "" {
		owner = who.Address
	}
	idem, err := readKeyedJSON(w, r, &in, owner)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.SlotID <= 0 {
		s.fail(w, r, rdv.FieldError("slot_id", "slot_id is required"))
		return
	}
	who.SlotID = in.SlotID
	h, err := s.Engine.HoldFor(r.Context(), who, idem)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, holdResponse{
		HoldID:    h.ID,
		SlotID:    h.SlotID,
		ExpiresAt: h.ExpiresAt.In(rdv.Toronto).Truncate(time.Second),
	})
}

// holdInput says who asks for a hold: the browser that the site's own
// scripts' cookie names, capped at a few live holds, and the address
// asked from. The API keeps no cookies of its own, so other clients are
// capped by their address alone, at a ceiling many times higher (see
// booking.Config.MaxAddressHolds).
func (s *server) holdInput(r *http.Request) booking.HoldInput {
	in := booking.HoldInput{Address: s.clientAddr(r)}
	if s.Browser != nil {
		if id, ok := s.Browser(r); ok {
			in.ClientKey = "browser:" + id
		}
	}
	return in
}

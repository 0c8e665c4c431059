package api

import (
	"net/http"
	"time"

	"rdv"
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
	client := s.clientAddr(r)
	idem, err := readKeyedJSON(w, r, &in, client)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.SlotID <= 0 {
		s.fail(w, r, rdv.FieldError("slot_id", "slot_id is required"))
		return
	}
	h, err := s.Engine.Hold(r.Context(), in.SlotID, client, idem)
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

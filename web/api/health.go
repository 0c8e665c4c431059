package api

import (
	"context"
	"net/http"
	"time"

	"rdv"
)

// readyTimeout bounds the readiness check so that a stuck database makes
// the probe fail fast instead of hang: well within the edge's check
// timeout (2 s, deploy/haproxy), whose checks must get the answer and its
// Waiting-Room header. A check timed out reads as the instance gone, and
// every instance gone while PostgreSQL fails over as the waiting room
// open.
const readyTimeout = time.Second

// healthz answers GET /healthz: the process is alive.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers GET /readyz: 200 when the platform can serve (database
// reachable, index loaded), 503 otherwise. Its Waiting-Room header says
// whether the waiting room is open (open or closed): the edge's health
// checks read it to send visitors without a pass to the waiting page,
// and the room behind it still checks every pass.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	room := "closed"
	if s.WaitingRoomOpen != nil && s.WaitingRoomOpen() {
		room = "open"
	}
	w.Header().Set("Waiting-Room", room)
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.Log.WarnContext(r.Context(), "not ready", "err", err)
			s.fail(w, r, &rdv.Error{Code: rdv.EUNAVAILABLE, Detail: "not ready", Err: err})
			return
		}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ready"})
}

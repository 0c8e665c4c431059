package api

import (
	"context"
	"net/http"
	"time"

	"rdv"
)

// readyTimeout bounds the readiness check so that a stuck database makes
// the probe fail fast instead of hang.
const readyTimeout = 2 * time.Second

// healthz answers GET /healthz: the process is alive.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers GET /readyz: 200 when the platform can serve (database
// reachable, index loaded), 503 otherwise.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
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

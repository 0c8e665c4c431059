package api

import (
	"context"
	"net/http"
	"strconv"
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
	writeAlive(w)
}

// aliveBody and the header values below are the whole of /healthz's
// answer, built once: each check gets them without an allocation.
var (
	aliveBody    = []byte(`{"status":"ok"}` + "\n")
	aliveLength  = []string{strconv.Itoa(len(aliveBody))}
	hdrNoStore   = []string{"no-store"}
	hdrNoSniff   = []string{"nosniff"}
	hdrNoContent = []string{"default-src 'none'; frame-ancestors 'none'"}
)

func writeAlive(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = aliveLength
	h["Cache-Control"] = hdrNoStore
	h["X-Content-Type-Options"] = hdrNoSniff
	h["Content-Security-Policy"] = hdrNoContent
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(aliveBody)
}

// Alive answers GET and HEAD /healthz in front of next, which gets every
// other request. A liveness check asks only that the process answer:
// the waiting room, admission control, the language, the request log
// and the security headers of pages would cost it several times the
// answer (it is a few load balancers' checks a second, and the cheapest
// request an attacker can send). counted is called for each, so that the
// checks still show in the metrics (admission's exempt class).
func Alive(next http.Handler, counted func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if counted != nil {
			counted()
		}
		writeAlive(w)
	})
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

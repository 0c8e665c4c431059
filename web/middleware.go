package web

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// contentSecurityPolicy allows only the site's own style sheet, script
// file, requests and forms: no inline script, nothing from elsewhere. The
// pages work without the script; it only improves them.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"script-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// recorder remembers what a handler wrote, for the request log and for
// panic recovery (a 500 page only if nothing was sent yet).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs every request but the probes that succeed, with its
// route pattern rather than its path: paths and queries carry hold IDs and appointment tokens, which
// logs must not keep.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			if status < 400 && probes[r.Pattern] {
				// The load balancer's health checks, every few seconds
				// from each balancer: admission counts them (class
				// exempt); a line each would bury the requests.
				return
			}
			s.access.LogAttrs(r.Context(), levelFor(status), "request",
				slog.String("method", r.Method),
				slog.String("route", r.Pattern),
				slog.Int("status", status),
				slog.Int("bytes", rec.bytes),
				slog.Duration("took", time.Since(start)),
				slog.String("lang", langOf(r.Context())),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// probes are the health checks' routes, whose answers are not logged
// unless they fail.
var probes = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// recoverPanics turns a panic into the friendly 500 page: people never see
// a stack trace, operators find it in the log.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("panic serving page", "route", r.Pattern, "panic", v, "stack", string(debug.Stack()))
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				return // too late for a page: the status line has gone
			}
			s.renderError(w, r, http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// The values of the headers every answer carries, built once: set by
// assignment, they cost a request no allocation. Each slice holds one
// value at full capacity, so a handler that adds to one gets a copy.
var (
	hdrCSP        = []string{contentSecurityPolicy}
	hdrNoSniff    = []string{"nosniff"}
	hdrDeny       = []string{"DENY"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrSameOrigin = []string{"same-origin"}
)

// secureHeaders sets the headers every answer carries.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = hdrCSP
		h["X-Content-Type-Options"] = hdrNoSniff
		h["X-Frame-Options"] = hdrDeny
		// Appointment URLs hold the cancel token: never send them along.
		h["Referrer-Policy"] = hdrNoReferrer
		h["Cross-Origin-Opener-Policy"] = hdrSameOrigin
		next.ServeHTTP(w, r)
	})
}

// levelFor logs server failures as errors and everything else as info.
func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

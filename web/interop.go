package web

import (
	"context"
	"net/http"
)

// Beside returns h behind the middleware the JSON API has (compression,
// the language, the request log, panics caught, the security headers),
// for an interface mounted beside the pages that answers read-only mode
// in its own format: the FHIR API (package fhir), whose every error is
// an OperationOutcome.
func (s *Server) Beside(h http.Handler) http.Handler {
	return compress(withLanguage(s.logRequests(s.recoverPanics(secureHeaders(h)))))
}

// ReadOnly reports whether operators keep the platform read-only now,
// from the same cached switch the pages and the API read.
func (s *Server) ReadOnly(ctx context.Context) bool { return s.modes(ctx).ReadOnly }

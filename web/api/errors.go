package api

import (
	"net/http"
	"strconv"

	"rdv"
)

// statusOf maps a domain error code to its HTTP status. It is the only
// place that does.
func statusOf(code string) int {
	switch code {
	case rdv.EBADREQUEST:
		return http.StatusBadRequest
	case rdv.ENOTFOUND:
		return http.StatusNotFound
	case rdv.ESLOTTAKEN, rdv.ECONFLICT, rdv.ETOOEARLY:
		return http.StatusConflict
	case rdv.EGONE:
		return http.StatusGone
	case rdv.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case rdv.EINVALID, rdv.EIDEMPOTENCY:
		return http.StatusUnprocessableEntity
	case rdv.ETOOMANYHOLDS:
		return http.StatusTooManyRequests
	case rdv.EFORBIDDEN:
		return http.StatusForbidden
	case rdv.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case rdv.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// fail writes err as a JSON error in the client's language. Internal errors
// are logged and their detail never shown; domain errors are expected
// outcomes and are not logged.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := rdv.ErrorCode(err)
	field := rdv.ErrorField(err)
	status := statusOf(code)
	if status == http.StatusInternalServerError {
		code, field = rdv.EINTERNAL, ""
		// The route pattern, not the URL: URLs may carry tokens.
		s.Log.ErrorContext(r.Context(), "api request failed", "route", r.Pattern, "err", err)
	}
	msg := message(Lang(r), code, field)
	if m, ok := placeMessage(Lang(r), err); ok {
		msg = m
	}
	if m, ok := reasonMessage(Lang(r), err); ok {
		msg = m
	}
	if m, ok := staffMessage(Lang(r), err); ok {
		msg = m
	}
	b := make([]byte, 0, 128+len(msg))
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, code)
	b = append(b, `,"message":`...)
	b = appendString(b, msg)
	if field != "" {
		b = append(b, `,"field":`...)
		b = appendString(b, field)
	}
	b = append(b, '}')
	if code == rdv.EINVALID {
		b = appendFieldErrors(b, Lang(r), err)
	}
	b = append(b, "}\n"...)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", Lang(r))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	// #nosec G705 -- a JSON problem, served as application/problem+json
	_, _ = w.Write(b) // the client went away; nothing to do
}

// appendFieldErrors adds "errors", every invalid field of the request with
// its message, so that a client shows them all at once; "error" stays the
// first of them, as before the list existed.
func appendFieldErrors(b []byte, lang string, err error) []byte {
	all := rdv.AllFieldErrors(err)
	if len(all) == 0 {
		return b
	}
	b = append(b, `,"errors":[`...)
	for i, e := range all {
		if i > 0 {
			b = append(b, ',')
		}
		msg := message(lang, e.Code, e.Field)
		if m, ok := reasonMessage(lang, e); ok {
			msg = m
		}
		b = append(b, `{"code":`...)
		b = appendString(b, e.Code)
		b = append(b, `,"message":`...)
		b = appendString(b, msg)
		b = append(b, `,"field":`...)
		b = appendString(b, e.Field)
		b = append(b, '}')
	}
	return append(b, ']')
}

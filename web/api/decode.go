package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"rdv"
	"rdv/admission"
)

const (
	maxBodyBytes  = 64 << 10 // larger bodies are refused with 413
	maxIdemKeyLen = 200
)

// readJSON reads r's body (at most maxBodyBytes) into dst, strictly: no
// unknown fields, no trailing data. It returns the raw body for the
// idempotency hash. A value of the wrong type is an invalid field (422);
// anything else unreadable is a bad request (400).
func readJSON(w http.ResponseWriter, r *http.Request, dst any) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, rdv.Errorf(rdv.ETOOLARGE, "body over %d bytes", tooBig.Limit)
		}
		return nil, &rdv.Error{Code: rdv.EBADREQUEST, Detail: "read body", Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, rdv.FieldError(typeErr.Field, "wrong type: %s", typeErr.Value)
		}
		return nil, &rdv.Error{Code: rdv.EBADREQUEST, Detail: "decode JSON", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, rdv.Errorf(rdv.EBADREQUEST, "data after the JSON value")
	}
	return body, nil
}

// idemKey builds the idempotency key of a POST from its Idempotency-Key
// header, scoped by the route pattern; nil when the header is absent.
//
// owner, when not empty, is hashed with the body. Keys are global to the
// store, and a hold's body (a slot ID) is guessable: without the owner, a
// client that reused another's key and slot ID would be replayed the other
// client's hold ID. Other POST bodies carry a secret (a hold ID or a cancel
// token), so their hash already binds the replay to whoever knows it; the
// appointment routes add the appointment ID so that one key serves one
// appointment.
func idemKey(r *http.Request, body []byte, owner string) (*rdv.IdemKey, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, nil
	}
	if len(key) > maxIdemKeyLen {
		return nil, rdv.FieldError("Idempotency-Key", "key longer than %d characters", maxIdemKeyLen)
	}
	h := sha256.New()
	if owner != "" {
		h.Write([]byte(owner))
		h.Write([]byte{0})
	}
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return &rdv.IdemKey{Scope: r.Pattern, Key: key, BodyHash: hex.EncodeToString(sum[:])}, nil
}

// readKeyedJSON reads a POST's body into dst (see readJSON) and returns its
// idempotency key (see idemKey), hashed from exactly the bytes decoded.
func readKeyedJSON(w http.ResponseWriter, r *http.Request, dst any, owner string) (*rdv.IdemKey, error) {
	body, err := readJSON(w, r, dst)
	if err != nil {
		return nil, err
	}
	return idemKey(r, body, owner)
}

// readAppointmentChange reads a POST on /appointments/{id}/...: the
// appointment's ID, the body into dst and the idempotency key, bound to
// that appointment.
func readAppointmentChange(w http.ResponseWriter, r *http.Request, dst any) (int64, *rdv.IdemKey, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	idem, err := readKeyedJSON(w, r, dst, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return id, idem, nil
}

// clientAddr returns the address a request comes from, by the rule
// admission control applies (see admission.ClientAddr).
func (s *server) clientAddr(r *http.Request) string {
	return admission.ClientAddr(r, s.TrustForwardedFor)
}

// pathID reads the {id} of a route. An ID that is not a positive number
// names nothing, so it is not found rather than invalid.
func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, rdv.Errorf(rdv.ENOTFOUND, "no id %q", s)
	}
	return id, nil
}

// writeJSON writes v as JSON with status. Responses that carry patient data
// or secrets must not be cached anywhere.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.fail(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client went away; nothing to do
}

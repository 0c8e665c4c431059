package fhir

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"rdv"
	"rdv/i18n"
)

// OperationOutcome is how FHIR says what went wrong: every error rdv's
// FHIR API answers is one, in the request's language.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	ID           string  `json:"id,omitempty"`
	Language     string  `json:"language,omitempty"`
	Issue        []Issue `json:"issue"`
}

// Issue is one problem: its severity, its IssueType code, the text people
// read and the elements it concerns (FHIRPath).
type Issue struct {
	Severity   string           `json:"severity"`
	Code       string           `json:"code"`
	Details    *CodeableConcept `json:"details,omitempty"`
	Expression []string         `json:"expression,omitempty"`
}

// fhirError is a failure that has no domain code: a search parameter or
// an operation this server does not support, a request that is not FHIR.
type fhirError struct {
	status int
	code   string // IssueType
	key    string // its text (texts.go)
	args   []any
	expr   string // the element or parameter concerned
}

func (e *fhirError) Error() string { return e.key + " (" + e.expr + ")" }

func notSupported(param string) error {
	return &fhirError{status: http.StatusBadRequest, code: "not-supported", key: "fhir.param.unsupported", args: []any{param}, expr: param}
}

func badParam(param string) error {
	return &fhirError{status: http.StatusBadRequest, code: "value", key: "fhir.param.invalid", args: []any{param}, expr: param}
}

// outcomeOf maps a domain error code to its HTTP status and IssueType,
// as the JSON API maps the same codes to the same statuses.
func outcomeOf(code string) (int, string) {
	switch code {
	case rdv.EBADREQUEST:
		return http.StatusBadRequest, "structure"
	case rdv.ENOTFOUND:
		return http.StatusNotFound, "not-found"
	case rdv.ESLOTTAKEN, rdv.ECONFLICT:
		return http.StatusConflict, "conflict"
	case rdv.ETOOEARLY:
		return http.StatusConflict, "business-rule"
	case rdv.EGONE:
		return http.StatusGone, "expired"
	case rdv.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, "too-long"
	case rdv.EINVALID:
		return http.StatusUnprocessableEntity, "invalid"
	case rdv.EIDEMPOTENCY:
		return http.StatusUnprocessableEntity, "duplicate"
	case rdv.ETOOMANYHOLDS:
		return http.StatusTooManyRequests, "throttled"
	case rdv.EFORBIDDEN:
		return http.StatusForbidden, "forbidden"
	case rdv.EUNAUTHORIZED:
		return http.StatusUnauthorized, "login"
	case rdv.EUNAVAILABLE:
		return http.StatusServiceUnavailable, "transient"
	}
	return http.StatusInternalServerError, "exception"
}

// fieldPaths names the booking's fields (rdv's names) as elements of the
// Patient resource $book takes.
var fieldPaths = map[string]string{
	"first_name":    "Patient.name.given",
	"last_name":     "Patient.name.family",
	"birth_date":    "Patient.birthDate",
	"health_number": "Patient.identifier",
	"phone":         "Patient.telecom",
	"email":         "Patient.telecom",
	"language":      "Patient.communication",
	"relationship":  "Patient.contact.relationship",
}

// expressionOf returns the FHIRPath of a domain field: the patient's,
// or the guardian's (the Patient's contact).
func expressionOf(field string) string {
	owner, name, nested := strings.Cut(field, ".")
	if !nested {
		name = owner
	}
	p, ok := fieldPaths[name]
	if !ok {
		return field
	}
	if owner == "guardian" && name != "relationship" {
		p = "Patient.contact." + strings.TrimPrefix(p, "Patient.")
	}
	return p
}

// outcome builds the OperationOutcome of err in lang and its status.
func outcome(lang string, err error) (int, OperationOutcome) {
	oo := OperationOutcome{ResourceType: "OperationOutcome", Language: lang}
	var fe *fhirError
	if errors.As(err, &fe) {
		oo.Issue = []Issue{{Severity: "error", Code: fe.code, Details: &CodeableConcept{Text: i18n.T(lang, fe.key, fe.args...)}}}
		if fe.expr != "" {
			oo.Issue[0].Expression = []string{fe.expr}
		}
		return fe.status, oo
	}
	code := rdv.ErrorCode(err)
	status, issueType := outcomeOf(code)
	if status == http.StatusInternalServerError {
		code = rdv.EINTERNAL
	}
	if code == rdv.EINVALID {
		all := rdv.AllFieldErrors(err)
		if len(all) == 0 {
			all = []*rdv.Error{{Code: rdv.EINVALID, Field: rdv.ErrorField(err)}}
		}
		for _, e := range all {
			path := expressionOf(e.Field)
			is := Issue{Severity: "error", Code: issueType, Details: &CodeableConcept{Text: i18n.T(lang, "fhir.invalid", path)}}
			if path != "" {
				is.Expression = []string{path}
			}
			oo.Issue = append(oo.Issue, is)
		}
		return status, oo
	}
	oo.Issue = []Issue{{Severity: "error", Code: issueType, Details: &CodeableConcept{
		Coding: []Coding{{System: "urn:rdv:error", Code: code}},
		Text:   i18n.T(lang, "fhir.error."+code),
	}}}
	return status, oo
}

// fail answers err as an OperationOutcome. Internal errors are logged,
// by route pattern (a URL may carry a token), and their detail never
// shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, oo := outcome(lang(r), err)
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "fhir request failed", "route", r.Pattern, "err", err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	s.write(w, r, status, oo)
}

// lang is the language of the request's texts: Accept-Language, as the
// JSON API reads it, French when neither language is asked for.
func lang(r *http.Request) string { return rdv.PreferredLanguage(r.Header.Get("Accept-Language")) }

// contentType is FHIR's JSON media type.
const contentType = "application/fhir+json; charset=utf-8"

// write answers v as FHIR JSON.
func (s *Server) write(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.ErrorContext(r.Context(), "fhir encode", "route", r.Pattern, "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"exception"}]}`)
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Language", lang(r))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client went away
}

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"rdv"
	"rdv/admission"
	"rdv/auth"
)

// maxFormBytes bounds what a form post may send: the longest form is a
// dozen short fields.
const maxFormBytes = 64 << 10

// form is what a person typed and what is wrong with it, so that a page
// sent back keeps every value and shows each message by its field.
type form struct {
	Values url.Values
	Errors map[string]string // field name → catalog key of the message
	// Summary lists the errors in the order of the fields, for the box at
	// the top of the form that links to each field.
	Summary []fieldProblem
}

// fieldProblem is one line of the error summary.
type fieldProblem struct {
	ID, LabelKey, MessageKey string
	Guardian                 bool // a field of the parent or guardian
}

func newForm(v url.Values) *form {
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}}
}

// Fail records the message of a field, keeping the first one.
func (f *form) Fail(name, key string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = key
	}
}

// labelled is a form field and the catalog key of its label.
type labelled struct{ name, labelKey string }

// summarize lists the errors of fields in their order, for the box at the
// top of the form.
func (f *form) summarize(fields []labelled) {
	for _, x := range fields {
		if key := f.Errors[x.name]; key != "" {
			f.Summary = append(f.Summary, fieldProblem{ID: fieldID(x.name), LabelKey: x.labelKey, MessageKey: key, Guardian: strings.HasPrefix(x.name, guardianPrefix)})
		}
	}
}

// Checked reports whether a checkbox or an option has the value.
func (f *form) Checked(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// parseForm reads a posted form of bounded size. On failure it has already
// answered with an error page.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.renderError(w, r, http.StatusRequestEntityTooLarge)
			return false
		}
		s.renderError(w, r, http.StatusBadRequest)
		return false
	}
	return true
}

// fail answers with the error page that a domain error calls for, and logs
// what the person does not see. Details carry no patient data.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch rdv.ErrorCode(err) {
	case rdv.ENOTFOUND:
		s.renderError(w, r, http.StatusNotFound)
	case rdv.EUNAVAILABLE:
		s.renderError(w, r, http.StatusServiceUnavailable)
	case rdv.EBADREQUEST, rdv.EINVALID, rdv.ETOOLARGE:
		s.renderError(w, r, http.StatusBadRequest)
	case rdv.EIDEMPOTENCY:
		// The form's key came back with other values: not the page the
		// form was sent from (a post made by hand, or replayed with its
		// fields changed). The person's request, not a fault of ours.
		s.renderMessage(w, r, http.StatusUnprocessableEntity, "error.form_key_reused")
	default:
		s.log.ErrorContext(r.Context(), "page failed", "route", r.Pattern, "err", err)
		s.renderError(w, r, http.StatusInternalServerError)
	}
}

// clientAddr returns the address a request comes from, by the rule
// admission control applies (see admission.ClientAddr): X-Forwarded-For
// only when the platform is told it runs behind a proxy.
func (s *Server) clientAddr(r *http.Request) string {
	return admission.ClientAddr(r, s.d.TrustForwardedFor)
}

// newNonce returns a random value for a form's idempotency key: the same
// form posted twice (a double click, a reload) has one effect.
func newNonce() string { return auth.RandomToken(16) }

// idemKey returns the idempotency key of a form post, or nil when the form
// carries no usable nonce.
func idemKey(scope, nonce string, body url.Values) *rdv.IdemKey {
	if nonce == "" || len(nonce) > 64 {
		return nil
	}
	sum := sha256.Sum256([]byte(body.Encode()))
	return &rdv.IdemKey{Scope: scope, Key: nonce, BodyHash: hex.EncodeToString(sum[:])}
}

package rdv

import (
	"errors"
	"strconv"
)

// FieldErrors is every invalid field of one input, in the order of the
// fields, so that a person corrects them all at once instead of meeting
// them one submit after another. It unwraps to its first error only:
// ErrorCode, ErrorField and errors.Is read it as that one error, as they
// read a single field error, and a caller that shows one message shows the
// first. Callers that show every message take them with AllFieldErrors.
type FieldErrors []*Error

func (e FieldErrors) Error() string {
	switch len(e) {
	case 0:
		return "no field error"
	case 1:
		return e[0].Error()
	}
	return e[0].Error() + " (and " + strconv.Itoa(len(e)-1) + " more)"
}

// Unwrap returns the first error (see FieldErrors).
func (e FieldErrors) Unwrap() error {
	if len(e) == 0 {
		return nil
	}
	return e[0]
}

// add appends a field error, keeping the first one of each field: a
// field shows one message, the one to correct first.
func (e *FieldErrors) add(err error) {
	if err == nil {
		return
	}
	for _, x := range AllFieldErrors(err) {
		if !e.has(x.Field) {
			*e = append(*e, x)
		}
	}
}

func (e FieldErrors) has(field string) bool {
	for _, x := range e {
		if x.Field == field {
			return true
		}
	}
	return false
}

// err returns e as an error, nil when it holds none.
func (e FieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// AllFieldErrors returns every field error that err carries: the list of
// a FieldErrors, or err itself when it is a single domain error, or nothing
// for nil or an error that names no field.
func AllFieldErrors(err error) []*Error {
	var list FieldErrors
	if errors.As(err, &list) {
		return list
	}
	var e *Error
	if errors.As(err, &e) && e.Field != "" {
		return []*Error{e}
	}
	return nil
}

package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"rdv"
)

// mapError turns the driver's errors into the domain's, in this one place:
// a unique violation is a conflict (callers that know which conflict it is,
// such as a second active booking of a slot, say so with uniqueAs), a busy
// or locked database and a full disk are a temporary "not now". Domain
// errors and nil pass through.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var de *rdv.Error
	if errors.As(err, &de) {
		return err
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return &rdv.Error{Code: rdv.EUNAVAILABLE, Detail: "database busy", Err: err}
	case sqlite3.SQLITE_FULL:
		return &rdv.Error{Code: rdv.EUNAVAILABLE, Detail: "disk full", Err: err}
	case sqlite3.SQLITE_CONSTRAINT:
		if isUnique(err) {
			return &rdv.Error{Code: rdv.ECONFLICT, Detail: "already exists", Err: err}
		}
	}
	return err
}

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// uniqueAs returns a domain error with code for a unique violation, and
// mapError(err) for any other error.
func uniqueAs(err error, code, format string, args ...any) error {
	if isUnique(err) {
		e := rdv.Errorf(code, format, args...)
		e.Err = err
		return e
	}
	return mapError(err)
}

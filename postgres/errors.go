package postgres

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"rdv"
)

// errPoolClosed is what the pool answers once the store is closed: the
// connections are gone for good, so nothing is retried.
var errPoolClosed = puddle.ErrClosedPool

// Names of the constraints whose violation means something to the domain.
const (
	oneActivePerSlot = "appointments_one_active_per_slot"
	idempotencyPKey  = "idempotency_keys_pkey"
)

// mapError turns driver errors into the domain's errors, in one place. A
// domain error already in the chain is kept as it is.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var de *rdv.Error
	if errors.As(err, &de) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505" && pgErr.ConstraintName == oneActivePerSlot:
			return &rdv.Error{Code: rdv.ESLOTTAKEN, Detail: "the slot has an appointment", Err: err}
		case pgErr.Code == "23505":
			return &rdv.Error{Code: rdv.ECONFLICT, Detail: "unique violation", Err: err}
		case pgErr.Code == "40001" || pgErr.Code == "40P01":
			return &rdv.Error{Code: rdv.ECONFLICT, Detail: "concurrent update, retry", Err: err}
		case pgErr.Code == "57014" || pgErr.Code[:2] == "53":
			return &rdv.Error{Code: rdv.EUNAVAILABLE, Detail: "database busy", Err: err}
		}
	}
	if isConnError(err) || errors.Is(err, context.DeadlineExceeded) {
		return &rdv.Error{Code: rdv.EUNAVAILABLE, Detail: "database unreachable", Err: err}
	}
	return err
}

// retryable reports whether a failed transaction may run again: it lost a
// serialization race or a deadlock (and was rolled back), or it failed
// before anything reached the server.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return safeToRetry(err)
}

// safeToRetry reports whether err happened before the server could see
// the statement, so that sending it again cannot apply it twice.
func safeToRetry(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errPoolClosed) {
		return false
	}
	var connectErr *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || errors.As(err, &connectErr)
}

// isConnError reports whether err means the connection to the server is
// unusable or could not be made, as opposed to an error of the statement.
func isConnError(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01..57P03: the server is
		// shutting down or terminated the backend.
		return pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, errPoolClosed) || errors.Is(err, net.ErrClosed) ||
		// pgx closes a connection whose read failed; the statement that
		// then finds it closed (COMMIT, say, after a crash of the server)
		// fails with this rather than with the network error.
		errors.Is(err, pgconn.ErrConnClosed)
}

// Package rdv holds the domain of the appointment platform: clinics,
// practitioners, services, working plans, slots, patients and appointments,
// the errors every layer shares, and the interfaces that the adapters
// (stores, HTTP, index) meet through. It does no I/O.
//
// # Invariants
//
// The platform keeps seven promises, whatever the load, the faults or the
// attacks. Comments elsewhere cite them by number; each names the tests
// that try to break it (conformance tests run on both stores, as
// TestConformance/<part>/<name> in packages sqlite and postgres).
//
//  1. A slot has at most one booked appointment, whatever the
//     concurrency, the number of instances, retries or crashes. The
//     database enforces it (a unique index over active bookings), not
//     only the code. Tests: storetest's Booking/RaceOneBookingPerSlot and
//     Booking/RaceHoldsAndCancels; sqlite's
//     TestDatabaseForbidsSecondActiveBooking and
//     TestCrashKeepsAcknowledgedBookings; postgres' TestTwoInstances and
//     TestServerCrashDuringBookings.
//  2. A confirmed booking survives a crash (kill -9) and a restart: a
//     booking the client saw confirmed is durable. Tests: sqlite's
//     TestCrashKeepsAcknowledgedBookings; postgres'
//     TestServerCrashDuringBookings and TestConnectionLossDuringBookings.
//  3. A retried request with the same idempotency key has exactly one
//     effect; the same key with another body is refused, and a key is
//     forgotten after a day. Tests: storetest's Booking/IdempotentHold,
//     Booking/IdempotentConfirm, Booking/IdempotentCancel,
//     Booking/IdempotentReschedule, Booking/FailedWriteStoresNoKey,
//     Booking/IdempotencyKeysForgottenAfterADay and
//     SealedReplays/NothingReadableAtRest.
//  4. A hold expires on time; an expired hold never blocks a slot. Tests:
//     storetest's Booking/ExpiredHoldFreesSlot and Booking/ExpireHolds;
//     booking's TestHoldLeavesSearchAndExpiryBringsItBack; web's
//     TestExpiredHold.
//  5. Clinic staff see and change only their clinic's data; a patient
//     only their own and their dependents'. Tests: storetest's
//     Desk/AgendaOfOneClinic and StaffCancel/OtherClinicIsNotFound;
//     booking's TestDeskEntryConfined and TestAppointmentNeedsItsToken;
//     web's TestPortalRoles, TestPortalItemConfined and
//     TestPortalCancelNeedsClinicRole. Every read or write of patient
//     data leaves an audit event, a change's in its own transaction, on
//     hash chains that show tampering. Tests: storetest's
//     Audit/ChangesWriteEvents, Audit/FailedChangeWritesNone and the
//     tamper cases Audit/*EntryFound; web's TestAuditTrailPages; fhir's
//     TestAppointmentReadsAudited; cmd/rdv's TestAuditVerifySQLite and
//     TestAuditVerifyPostgres.
//  6. A request is never matched twice, never matched to a slot outside
//     its criteria, and never skipped by a later request of equal
//     priority. No matcher runs yet: agents book for a request by hand,
//     once. Tests: storetest's Requests/BookFor and
//     Requests/BookForEndedBooksNothing.
//  7. Under any load, the platform answers: either the work, or a fast,
//     honest "not now" (503 with Retry-After, or a place in the waiting
//     room). It never hangs, and the work it admits finishes within its
//     deadline. Tests: admission's TestLowerClassesAreShedFirst,
//     TestQueueIsBoundedByExpectedWait, TestDeadlinesPropagate and
//     TestRefusalsSayWhenAndInWhichLanguage; waitroom's
//     TestOrderAndAdmission; web/api's TestSheddingAnswerIsDocumented and
//     TestWaitingRoomAnswerIsDocumented.
package rdv

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are part of the API contract (the "code" of a JSON
// error) and each maps to one HTTP status in one place (package web/api).
const (
	ECONFLICT     = "conflict"             // 409: the state changed under the request
	EFORBIDDEN    = "forbidden"            // 403
	EGONE         = "hold_expired"         // 410: the hold ran out
	EINTERNAL     = "internal"             // 500
	EINVALID      = "invalid_field"        // 422: a field fails validation
	EBADREQUEST   = "bad_request"          // 400: malformed JSON, unknown field
	ENOTFOUND     = "not_found"            // 404
	ESLOTTAKEN    = "slot_taken"           // 409: somebody else holds or booked the slot
	ETOOLARGE     = "body_too_large"       // 413
	ETOOMANYHOLDS = "too_many_holds"       // 429: the client's live holds are capped
	EIDEMPOTENCY  = "idempotency_mismatch" // 422: key reused with another body
	EUNAVAILABLE  = "unavailable"          // 503
	ETOOEARLY     = "too_early"            // 409: the visit's day has not come
	EUNAUTHORIZED = "unauthorized"         // 401: no staff session
)

// Error is a domain error: a machine code, the field it concerns (for
// invalid input), and an English detail for logs. People never see Detail:
// the HTTP layer translates Code and Field into their language.
type Error struct {
	Code   string
	Field  string
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with a formatted detail.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// FieldError reports that one input field is invalid.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first domain error in err's chain,
// EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorField returns the field of the first domain error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Toronto is the time zone of every clinic in the network. Times are stored
// in UTC and shown in this zone.
var Toronto = mustLoadLocation("America/Toronto")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load time zone %s: %v (embed time/tzdata)", name, err))
	}
	return loc
}

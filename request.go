package rdv

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// RequestStatus is where an appointment request stands.
type RequestStatus string

// Request statuses. Only an open request is worked: booking for it or
// closing it ends it, once. More may come (matching): code that lists or
// shows requests treats any other status as ended.
const (
	RequestOpen      RequestStatus = "open"
	RequestBooked    RequestStatus = "booked" // an agent booked for it: AppointmentID
	RequestClosed    RequestStatus = "closed" // an agent closed it: CloseReason
	RequestMatched   RequestStatus = "matched"
	RequestExpired   RequestStatus = "expired"
	RequestCancelled RequestStatus = "cancelled"
)

// CloseReason is why an agent closed a request without booking for it.
type CloseReason string

// Close reasons. CloseOther needs a note that says what happened.
const (
	CloseUnreachable     CloseReason = "unreachable"      // no answer after the agent's calls
	CloseBookedElsewhere CloseReason = "booked_elsewhere" // the person found an appointment
	CloseWithdrawn       CloseReason = "withdrawn"        // the person no longer needs one
	CloseDuplicate       CloseReason = "duplicate"        // another request says the same
	CloseOther           CloseReason = "other"
)

// CloseReasons are the reasons an agent chooses from, in the order shown.
var CloseReasons = []CloseReason{CloseUnreachable, CloseBookedElsewhere, CloseWithdrawn, CloseDuplicate, CloseOther}

// MaxCloseNote bounds the note of a closing, in bytes.
const MaxCloseNote = 500

// AppointmentRequest is the electronic request form ("demande"): who, how
// to reach them, for what, where and when they are free. It is accepted
// even when the database is down (spooled, then replayed), so its
// Reference is chosen when it is received, not by the database.
type AppointmentRequest struct {
	ID           int64
	Reference    string // given to the person at once; unique
	FirstName    string
	LastName     string
	BirthDate    Date
	HealthNumber string
	Phone        string
	Email        string
	Language     string
	Service      Service
	Place        string // as typed, or a place name
	Lat, Lon     float64
	RadiusKm     float64
	Availability string // when they are free, in their words
	Child        bool
	Urgent       bool
	Status       RequestStatus
	ReceivedAt   time.Time // when the platform accepted it (spool time)

	// How the request ended, set once with its status: the appointment
	// booked for it, or why it was closed and by which staff account
	// (the booking itself records who made it); when.
	AppointmentID int64
	CloseReason   CloseReason
	CloseNote     string
	HandledBy     int64
	HandledAt     time.Time
}

// CloseRequestInput closes an open request without a booking.
type CloseRequestInput struct {
	ID     int64
	Reason CloseReason
	Note   string // required for CloseOther
	By     int64  // the staff account
	Now    time.Time
}

// Validate checks the reason and the note; stores call it so that they
// refuse the same closings.
func (c CloseRequestInput) Validate() error {
	known := false
	for _, r := range CloseReasons {
		known = known || r == c.Reason
	}
	switch {
	case !known:
		return FieldError("reason", "unknown close reason %q", c.Reason)
	case len(c.Note) > MaxCloseNote:
		return FieldError("note", "note longer than %d bytes", MaxCloseNote)
	case c.Reason == CloseOther && strings.TrimSpace(c.Note) == "":
		return FieldError("note", "a closing for another reason needs a note")
	}
	return nil
}

// ErrRequestNotOpen is the error of a booking or a closing for a request
// that another agent already ended: its field is "request".
func ErrRequestNotOpen(id int64) error {
	return &Error{Code: ECONFLICT, Field: "request", Detail: fmt.Sprintf("request %d is not open", id)}
}

// RequestAcceptor takes appointment requests durably, even while the
// database is down (the spool), and gives each its reference at once: the
// request form and the JSON API both hand requests to it.
type RequestAcceptor interface {
	Accept(ctx context.Context, r AppointmentRequest) (AppointmentRequest, error)
}

// RequestStore keeps appointment requests.
type RequestStore interface {
	// AddRequest stores a request once: adding the same Reference again
	// returns the stored request and changes nothing.
	AddRequest(ctx context.Context, r AppointmentRequest) (AppointmentRequest, error)
	// Requests lists requests with a status ("" for all), oldest first.
	Requests(ctx context.Context, status RequestStatus, limit int) ([]AppointmentRequest, error)
	// Request returns one request, or ENOTFOUND.
	Request(ctx context.Context, id int64) (AppointmentRequest, error)
	// CloseRequest ends an open request without a booking; a request that
	// is no longer open is ErrRequestNotOpen and stays as it is. Booking
	// for a request is ConfirmRequest.ForRequest.
	CloseRequest(ctx context.Context, in CloseRequestInput) (AppointmentRequest, error)
}

// DefaultRequestLimit is how many requests Requests lists when asked for
// none in particular.
const DefaultRequestLimit = 100

// Storable checks that a request can be stored and returns it as every
// store keeps it: an open status when none is set, and a position that is
// not a number (no form produces one) kept as zero. Stores call it so that
// they accept and refuse the same requests.
func (r AppointmentRequest) Storable() (AppointmentRequest, error) {
	if r.Reference == "" {
		return AppointmentRequest{}, FieldError("reference", "reference missing")
	}
	if r.Status == "" {
		r.Status = RequestOpen
	}
	r.Lat, r.Lon, r.RadiusKm = finite(r.Lat), finite(r.Lon), finite(r.RadiusKm)
	return r, nil
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

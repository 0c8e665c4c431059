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

// Request statuses. An open request waits for a slot (the matcher's, or
// an agent's booking); a proposed one has a live proposal (Proposal) and
// goes back to open when the person declines it or lets it run out.
// Booking for it, closing it, withdrawing it or its date range ending
// ends it, once: code that lists or shows requests treats any status but
// open and proposed as ended.
const (
	RequestOpen      RequestStatus = "open"
	RequestProposed  RequestStatus = "proposed" // a slot is held for it: a live Proposal
	RequestBooked    RequestStatus = "booked"   // booked for it (an agent, or an accepted proposal): AppointmentID
	RequestClosed    RequestStatus = "closed"   // an agent closed it: CloseReason
	RequestExpired   RequestStatus = "expired"  // its date range ended unmatched
	RequestWithdrawn RequestStatus = "withdrawn"
	RequestMatched   RequestStatus = "matched"
	RequestCancelled RequestStatus = "cancelled"
)

// Public returns the status in the words of the API's contract: open,
// proposed, booked, expired or withdrawn. A request an agent closed reads
// as withdrawn: it is no longer worked, and why is the agent's note.
func (s RequestStatus) Public() string {
	switch s {
	case RequestOpen, RequestProposed, RequestBooked, RequestExpired, RequestWithdrawn:
		return string(s)
	case RequestMatched:
		return string(RequestProposed)
	}
	return string(RequestWithdrawn)
}

// Waiting reports whether the request is still worked: open or proposed.
func (s RequestStatus) Waiting() bool { return s == RequestOpen || s == RequestProposed }

// RequestScope is where a request may be matched.
type RequestScope string

// Request scopes. Own-clinic requests are free and go to the clinics that
// register the patient (their kept slots included); network requests pay
// the finder fee and go to any clinic, public slots only: the fee pays for
// the watching, never for access that search would not give.
const (
	ScopeOwnClinic RequestScope = "own_clinic"
	ScopeNetwork   RequestScope = "network"
)

// ParseScope reads a scope; "" is the network.
func ParseScope(s string) (RequestScope, error) {
	switch RequestScope(s) {
	case "", ScopeNetwork:
		return ScopeNetwork, nil
	case ScopeOwnClinic:
		return ScopeOwnClinic, nil
	}
	return "", FieldError("scope", "scope must be own_clinic or network")
}

// CloseReason is why an agent closed a request without booking for it.
type CloseReason string

// Close reasons. CloseOther needs a note that says what happened.
const (
	CloseUnreachable     CloseReason = "unreachable"      // no answer after the agent's calls
	CloseBookedElsewhere CloseReason = "booked_elsewhere" // the person found an appointment
	CloseWithdrawn       CloseReason = "withdrawn"        // the person no longer needs one
	CloseDuplicate       CloseReason = "duplicate"        // another request says the same
	CloseOther           CloseReason = "other"
	// CloseAppointmentChanged ends a waitlist request whose appointment
	// was cancelled or moved otherwise: the platform's, never an agent's
	// choice (not in CloseReasons).
	CloseAppointmentChanged CloseReason = "appointment_changed"
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

	// What the matcher offers it: slots that start in [From, To), on the
	// Weekdays (bits 1 << time.Weekday; 0: any day), in the Times of the
	// day (FormatTimes of its windows; "": any time), with a practitioner
	// who speaks PractitionerLanguage ("": any), in Scope. A request
	// without a To (filed before matching) is left to agents.
	From, To             time.Time
	Weekdays             uint8
	Times                string
	PractitionerLanguage string
	Scope                RequestScope
	// AccountID and PersonID say who, when a signed-in patient filed it:
	// the account, and the person of its family the request is for (0:
	// the account holder). Both 0: nobody signed in.
	AccountID, PersonID int64
	// TokenHash is auth.HashToken of the secret given once to whoever
	// filed the request, which its API calls carry.
	TokenHash string
	// PaymentToken is the opaque token of the person's payment method,
	// from the payment provider's own form, for the fee of a network
	// request: handed to the provider once, before the request is
	// spooled, and never kept (never encoded, so never spooled).
	PaymentToken string `json:"-"`
	// Fee is the fee the provider authorised before the request was
	// accepted: AddRequest records it in the transaction that stores the
	// request, so that a request that pays is never matched unpaid. Nil:
	// a free request. Read only when a request is added; the store's
	// charge (FeeStore.Charge) tells the fee after.
	Fee *RequestFee

	// MovesAppointment, when not 0, makes the request a place on the
	// waitlist of one's own clinic: accepting its proposal moves that
	// appointment earlier instead of booking another (waitlist.go).
	// ClinicID and PractitionerID confine the slots that fit any request
	// to one clinic and one practitioner (0: any).
	MovesAppointment         int64
	ClinicID, PractitionerID int64

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
	// returns the stored request and changes nothing. A place on the
	// waitlist (IsMove) is stored only if its appointment passes
	// CheckMove in the same transaction, and only if the appointment has
	// no other waiting place (ErrWaitlisted).
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
// store keeps it: an open status when none is set, the network scope when
// none is set, and a position that is not a number (no form produces one)
// kept as zero; a fee, if any, whole and on a network request. Stores
// call it so that they accept and refuse the same requests.
func (r AppointmentRequest) Storable() (AppointmentRequest, error) {
	if r.Reference == "" {
		return AppointmentRequest{}, FieldError("reference", "reference missing")
	}
	if r.Status == "" {
		r.Status = RequestOpen
	}
	scope, err := ParseScope(string(r.Scope))
	if err != nil {
		return AppointmentRequest{}, err
	}
	r.Scope = scope
	if r.Fee != nil {
		if r.Scope == ScopeOwnClinic {
			return AppointmentRequest{}, FieldError("fee", "a request for one's own clinic is free")
		}
		if err := r.Fee.Authorization(1).Validate(); err != nil {
			return AppointmentRequest{}, err
		}
	}
	if r.IsMove() && (r.Scope != ScopeOwnClinic || r.ClinicID == 0 || r.AccountID == 0 || r.To.IsZero()) {
		return AppointmentRequest{}, FieldError("appointment", "a place on the waitlist is for one's own clinic, signed in, with a range")
	}
	if !r.To.IsZero() && !r.From.Before(r.To) {
		return AppointmentRequest{}, FieldError("to", "the range ends before it starts")
	}
	r.Lat, r.Lon, r.RadiusKm = finite(r.Lat), finite(r.Lon), finite(r.RadiusKm)
	r.From, r.To = r.From.UTC().Truncate(time.Millisecond), r.To.UTC().Truncate(time.Millisecond)
	return r, nil
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

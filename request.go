package rdv

import (
	"context"
	"math"
	"time"
)

// RequestStatus is where an appointment request stands.
type RequestStatus string

// Request statuses.
const (
	RequestOpen      RequestStatus = "open"
	RequestMatched   RequestStatus = "matched"
	RequestExpired   RequestStatus = "expired"
	RequestCancelled RequestStatus = "cancelled"
)

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
}

// RequestStore keeps appointment requests.
type RequestStore interface {
	// AddRequest stores a request once: adding the same Reference again
	// returns the stored request and changes nothing.
	AddRequest(ctx context.Context, r AppointmentRequest) (AppointmentRequest, error)
	// Requests lists requests with a status ("" for all), oldest first.
	Requests(ctx context.Context, status RequestStatus, limit int) ([]AppointmentRequest, error)
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

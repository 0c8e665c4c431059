package rdv

import (
	"context"
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

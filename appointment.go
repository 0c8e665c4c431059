package rdv

import "time"

// AppointmentStatus is where an appointment stands.
type AppointmentStatus string

// Appointment statuses. Every status but cancelled occupies the slot.
const (
	Booked    AppointmentStatus = "booked"
	Arrived   AppointmentStatus = "arrived"
	Fulfilled AppointmentStatus = "fulfilled"
	NoShow    AppointmentStatus = "noshow"
	Cancelled AppointmentStatus = "cancelled"
)

// BookedBy says who made a booking.
type BookedBy string

// Who books.
const (
	BySelf     BookedBy = "self"
	ByGuardian BookedBy = "guardian"
	ByAgent    BookedBy = "agent"
	ByStaff    BookedBy = "staff"
	ByMatcher  BookedBy = "matcher"
)

// Channel says how a booking arrived.
type Channel string

// Channels.
const (
	Web     Channel = "web"
	Phone   Channel = "phone"
	API     Channel = "api"
	Request Channel = "request"
)

// Hold reserves a free slot for a short while so that a person can fill in
// the booking form without losing the slot.
type Hold struct {
	ID        string // random, unguessable
	SlotID    int64
	ClientKey string // who placed it, for the cap on live holds
	ExpiresAt time.Time
}

// Appointment is a booked slot.
//
// Patient and Guardian are the people as the booking gave them: names,
// birth date, phone, email and language belong to the appointment (they
// are who the clinic calls about it), never read from a stored patient
// row. Their IDs link the patient rows that the booking found or created
// by health number; a booking never changes a stored patient, so one
// person's booking cannot rewrite another's identity, and an answer never
// shows anything of a patient that its caller did not send.
type Appointment struct {
	ID       int64
	Slot     Slot
	Patient  Patient  // GuardianID is the guardian of this booking
	Guardian *Patient // who booked for a child, if anyone
	// Relationship is the guardian's to the child ("" without guardian).
	Relationship Relationship
	// Card is the card the booking was made with: the patient's own, the
	// guardian's for a newborn without one yet, or none for a walk-in
	// seen without a card. The agenda and its export show it.
	Card      Card
	Status    AppointmentStatus
	BookedBy  BookedBy
	Channel   Channel
	FeeCents  int64
	CreatedAt time.Time
	// Revision counts the changes since the booking: each reschedule,
	// cancellation and status change adds one, in the transaction that
	// makes it. It only grows, so a calendar file's SEQUENCE is taken
	// from it and a calendar keeps the latest version of the event.
	Revision int
	// Notify is the channels chosen at booking, and AccountID the patient
	// account the appointment belongs to (0: none).
	Notify    Notify
	AccountID int64
	// CancelToken is the secret that lets the patient cancel or reschedule.
	// Stores keep only its hash; it is filled in only in the answer to the
	// confirmation (and in replays of that answer).
	CancelToken string
}

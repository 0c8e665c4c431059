package rdv

import (
	"context"
	"iter"
	"time"
)

// IdemKey identifies a write that a client may retry (the Idempotency-Key
// header). A store records the key with the write's effect in the same
// transaction, so a retry with the same key and body replays the first
// answer and has no second effect (invariant 3); the same key with another
// body is refused with EIDEMPOTENCY.
//
// The key is the secret that opens the replay: a store keeps neither Key,
// BodyHash nor the answer in the clear, only what package replay derives
// from them (the row's name, a keyed check of the body, the answer sealed
// under the key).
type IdemKey struct {
	Scope    string // the operation, e.g. "POST /api/v1/holds"
	Key      string // as the client sent it
	BodyHash string // hex SHA-256 of the request body
}

// SlotChanges tells the availability index what a committed write did to
// availability. Replayed is true when the write was an idempotent replay
// and changed nothing.
type SlotChanges struct {
	Freed    []Slot // became bookable
	Taken    []Slot // stopped being bookable
	Replayed bool
}

// HoldRequest asks to hold a slot.
type HoldRequest struct {
	HoldID       string // chosen by the caller, random
	SlotID       int64
	ClientKey    string // who asks (a browser, an account), for the cap on live holds
	MaxLiveHolds int    // 0: no cap
	// AddressKey is the network address asked from, for a ceiling shared
	// by everyone behind it ("": none), and MaxAddressHolds that ceiling
	// (0: none). Both caps count live holds in the same transaction as
	// the hold, so concurrent holds cannot pass them together.
	AddressKey      string
	MaxAddressHolds int
	TTL             time.Duration
	Now             time.Time
	AllowRostered   bool // the caller may hold rostered-only slots
	Idem            *IdemKey
}

// ConfirmRequest turns a live hold into a booked appointment. The store
// finds the patient (and the guardian) by health number, or adds them with
// these details; it never changes a patient it finds. The details given
// are kept on the appointment, and the answer shows only them.
type ConfirmRequest struct {
	HoldID   string
	Patient  Patient  // validated by the caller
	Guardian *Patient // who books for a child, validated by the caller
	// Relationship is the guardian's to the child. Card is the card the
	// booking is made with (rdv.BookingPeople.Validate decides it): with
	// GuardianCard the only number given is the guardian's, with NoCard
	// there is none, and the patient is filed under a new row without a
	// number that no other booking ever finds.
	Relationship    Relationship
	Card            Card
	BookedBy        BookedBy
	Channel         Channel
	FeeCents        int64
	CancelTokenHash string // the store keeps only the hash of the secret
	CancelToken     string // returned in the answer and its replays only
	Now             time.Time
	Idem            *IdemKey

	// ForRequest, when not 0, is the open appointment request the booking
	// answers: the same transaction marks it booked with the appointment,
	// and a request no longer open books nothing (ErrRequestNotOpen).
	ForRequest int64

	// Notify is the channels the booking chose to hear on. The same
	// transaction writes the confirmation for each (the outbox, carrying
	// CancelToken for the appointment's link) and, when
	// RemindBefore is not 0 and the appointment is further away than it,
	// a reminder due RemindBefore before the start.
	Notify       Notify
	RemindBefore time.Duration
	// AccountID is the signed-in patient account the booking belongs to
	// (0: none; it joins one when its contact is verified).
	AccountID int64
}

// ReleaseRequest gives a live hold back before it runs out, so that its
// slot is free at once (a person who goes back to choose another time).
// Only who placed the hold may release it: ClientKey must be the hold's,
// else the hold reads as not found.
type ReleaseRequest struct {
	HoldID    string
	ClientKey string
	Now       time.Time
}

// CancelRequest cancels an appointment. TokenHash must match unless
// ByStaff is set (clinic staff cancel without the patient's token).
type CancelRequest struct {
	AppointmentID int64
	TokenHash     string
	ByStaff       bool
	Now           time.Time
	Idem          *IdemKey

	// ClinicID confines a staff cancellation to one clinic: an appointment
	// of another clinic is ENOTFOUND. 0 reaches every clinic (network
	// staff); it is ignored without ByStaff.
	ClinicID int64

	// AccountID, when not 0, is the signed-in patient account acting: it
	// stands for the token on the account's own appointments, and an
	// appointment of another account (or none) is ENOTFOUND.
	AccountID int64
}

// RescheduleRequest moves an appointment to the slot of a live hold; the
// new slot is booked and the old one freed in one transaction.
type RescheduleRequest struct {
	AppointmentID int64
	TokenHash     string
	HoldID        string
	Now           time.Time
	Idem          *IdemKey
	// AccountID stands for TokenHash as in CancelRequest.
	AccountID int64
	// Token is the appointment link's secret, which the patient moving it
	// holds: the notice and the new reminder carry the link (Message.Secret).
	Token string
	// RemindBefore is as in ConfirmRequest: the move writes its notice and
	// a new reminder on the appointment's channels; the reminder written
	// for the old time is skipped when due (its revision is stale).
	RemindBefore time.Duration
}

// NetworkLoad is a whole network written at once into an empty store (the
// demo network). Slots yields each slot with the ID of the patient booked
// in it (0 for none); the slots, clinics, practitioners and patients carry
// their IDs.
type NetworkLoad struct {
	Clinics       []Clinic
	Practitioners []Practitioner
	Plans         []WorkingPlan
	Patients      []Patient
	SlotCount     int // how many Slots yields, for progress
	Slots         iter.Seq2[Slot, int64]
}

// Store is the whole store: everything the platform keeps, in one
// interface that both stores (sqlite and postgres) implement and assert at
// compile time. The platform is wired with it once; the smaller interfaces
// it is made of name what a consumer needs when it needs only a part (the
// booking engine a BookingStore, the spool a RequestStore).
type Store interface {
	BookingStore
	SlotWatcher
	DeskStore
	AccountStore
	StaffFactorStore
	SettingsStore
	NetworkAdminStore
	RequestStore
	ProposalStore
	TicketStore
	ModeStore
	MessageStore
	PatientStore
	FeeStore
	ClinicTokenStore
	WebhookStore
	KeyStore
	AuditStore
	PrivacyStore
}

// KeyStore reseals the patient data a store keeps when a new data key is
// added (package fieldcrypt): the newest key seals, the older ones still
// open what they sealed until the rotation has resealed it.
type KeyStore interface {
	// RotateKeys reseals with the newest key every value sealed with an
	// older one, or kept in clear, batch rows to a transaction, while the
	// store serves; it is resumable, and returns the rows resealed.
	// progress, when not nil, hears each batch's table and row count.
	RotateKeys(ctx context.Context, batch int, progress func(table string, rows int)) (int, error)
	// StaleSealed counts the rows RotateKeys has left to reseal.
	StaleSealed(ctx context.Context) (int, error)
}

// BookingStore keeps the network, its slots and its appointments. It is
// the authority: the in-memory index is only a cache of it. Every write is
// one transaction; a write that fails leaves nothing behind.
type BookingStore interface {
	// Empty reports whether no network has been loaded.
	Empty(ctx context.Context) (bool, error)
	// LoadNetwork writes a whole network into an empty store, calling
	// progress (if not nil) as slots are written.
	LoadNetwork(ctx context.Context, n NetworkLoad, progress func(done, total int)) error

	Clinics(ctx context.Context) ([]Clinic, error)
	Practitioners(ctx context.Context) ([]Practitioner, error)
	Plans(ctx context.Context, clinicID int64) ([]WorkingPlan, error)

	Slot(ctx context.Context, id int64) (Slot, error)
	// ScanBookable calls fn for every slot that starts at or after from and
	// can be held at now, in no particular order.
	ScanBookable(ctx context.Context, from, now time.Time, fn func(Slot) error) error

	Hold(ctx context.Context, id string) (Hold, error)
	// Patient returns a patient's record as stored. Bookings never change
	// it, and never show it: an appointment carries its own details.
	Patient(ctx context.Context, id int64) (Patient, error)
	Appointment(ctx context.Context, id int64) (Appointment, error)
	// AppointmentByToken returns the appointment only if tokenHash is the
	// hash of its cancel token, and ENOTFOUND otherwise.
	AppointmentByToken(ctx context.Context, id int64, tokenHash string) (Appointment, error)

	PlaceHold(ctx context.Context, r HoldRequest) (Hold, SlotChanges, error)
	ConfirmHold(ctx context.Context, r ConfirmRequest) (Appointment, SlotChanges, error)
	Cancel(ctx context.Context, r CancelRequest) (Appointment, SlotChanges, error)
	Reschedule(ctx context.Context, r RescheduleRequest) (Appointment, SlotChanges, error)
	// ReleaseHold ends a hold before it runs out and frees its slot in
	// the same transaction, reporting the slot freed. A hold already
	// confirmed, released or run out changes nothing (no error: a booked
	// slot stays booked); an unknown one, or another client's, is
	// ENOTFOUND.
	ReleaseHold(ctx context.Context, r ReleaseRequest) (SlotChanges, error)
	// ExpireHolds releases the holds that ran out before now and reports
	// the slots that became free.
	ExpireHolds(ctx context.Context, now time.Time) (SlotChanges, error)

	Close() error
}

// SlotWatcher follows the slot changes that other rdv instances commit.
// WatchSlots calls apply, in commit order, with the current state of every
// slot whose availability any instance changed, until ctx is done. A
// notification lost while disconnected is repaired by a resync, so an
// index fed by it is never stale for long. It returns ctx.Err() when ctx
// ends, or an error it cannot recover from. A store that only one instance
// can open (SQLite) has no other instance to hear from: its WatchSlots
// calls apply never and returns ctx.Err() when ctx ends, since the
// instance's own engine already applies every change it commits.
type SlotWatcher interface {
	WatchSlots(ctx context.Context, apply func(SlotChanges)) error
}

package rdv

import (
	"context"
	"time"
)

// Sign-in codes: what a person types to prove they hold an email or a
// phone. Six digits are few, so a code lives ten minutes and takes five
// tries; codes sent to one destination are capped per hour.
//
// A code belongs to the sign-in step that asked it (a browser's page, by
// SignInCodeRequest.StepHash): a guess spends a try of that step's code
// only, so a stranger who asks a code for someone's address and guesses
// wrong spends their own code, never the code its owner asked from their
// own browser. The caps are two. SignInCodesPerAsker per destination
// from one network address: one address, a script's, cannot take the
// destination's whole hour (the step cannot be the key: a script makes
// a new one at every request). SignInCodesPerHour per destination from
// all addresses together: it bounds the mail one inbox or phone receives
// and, with SignInCodeTries, the guesses at one destination, 50 an hour
// (odds of 1 in 20,000 an hour to find a code; one address alone gets
// 15, fewer than the 25 that one address got when the cap was five per
// destination). Leaving the owner without a code for an hour now takes
// four addresses instead of one.
const (
	SignInCodeTTL       = 10 * time.Minute
	SignInCodeTries     = 5
	SignInCodesPerHour  = 10
	SignInCodesPerAsker = 3
)

// Error codes of patient sign-in, each mapped to its HTTP status where the
// others are.
const (
	// ECODE: the code is wrong, expired, used, or out of tries. One code
	// for all four, so that a guesser learns nothing.
	ECODE = "code_refused" // 422
	// ETOOMANY: too many codes asked for one destination or address.
	ETOOMANY = "too_many_requests" // 429
	// ENOTROSTERED: a slot kept for a clinic's registered patients,
	// booked for someone not registered there.
	ENOTROSTERED = "not_rostered" // 403
)

// PatientAccount is a patient who signs in with a one-time code sent to
// an email or a phone they proved they hold. An account has at least one
// of the two; each is unique among accounts.
type PatientAccount struct {
	ID       int64
	Email    string // verified, lower case; "" for none
	Phone    string // verified, E.164; "" for none
	Language string // "fr" or "en"
	// Notify is the channels chosen for the account's messages, and
	// ConsentAt when they were chosen (the consent's record).
	Notify    Notify
	ConsentAt time.Time
	CreatedAt time.Time
}

// Person is someone an account books for: the account holder
// (Relationship "self") or a dependent (a child, a person one is guardian
// of). The details prefill the booking form; they are the account's own
// copy, never a stored patient's row (a booking never reads identity from
// anywhere but the form).
type Person struct {
	ID           int64
	AccountID    int64
	FirstName    string
	LastName     string
	BirthDate    Date
	HealthNumber string
	// Relationship is the account holder's to the person: "self" for the
	// holder, else one of Relationships.
	Relationship Relationship
	CreatedAt    time.Time
}

// Self is the relationship of the account holder's own record.
const Self Relationship = "self"

// PatientSession is a signed-in patient's session. Stores keep only the
// hash of the token that the browser holds.
type PatientSession struct {
	TokenHash string
	AccountID int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SignInCodeRequest asks for a code to be sent to a destination. The code
// and its message are written in one transaction; the store keeps the
// code's hash, and the message keeps the code until it leaves.
type SignInCodeRequest struct {
	Channel  MessageChannel
	To       string // normalised: lower-case email, E.164 phone
	Code     string // six digits, for the message
	CodeHash string
	Language string
	Now      time.Time
	// StepHash is the hash of the sign-in step's token that the asking
	// browser holds: only a guess sent with the same step spends the
	// code's tries, and a code asked again with the same step replaces
	// the one before. The pages always give one; "" is a step of its own,
	// for callers without a browser.
	StepHash string
	// AddressKey is the network address asking: the destination's codes
	// are capped per address (SignInCodesPerAsker), and MaxPerAddress
	// caps per hour the codes asked from it, every destination together.
	// "" (callers without a network, as tools and tests) is capped by
	// neither, only by SignInCodesPerHour.
	AddressKey    string
	MaxPerAddress int
	// MaxSMSPerHour caps the codes sent by text message in an hour, to
	// every destination from every address together (0: none). Each
	// costs money: the cap bounds what a flood of numbers costs, and
	// addresses, however many, do not escape it.
	MaxSMSPerHour int
}

// VerifyCodeRequest checks a code typed for a destination. A right code
// signs in: the account of that email or phone is found or made, the
// bookings made without an account with that contact join it, and the
// session is created, all in one transaction.
type VerifyCodeRequest struct {
	Channel  MessageChannel
	To       string
	CodeHash string
	StepHash string // the step that asked the code (SignInCodeRequest.StepHash)
	Language string // for an account made now
	Session  PatientSession
	Now      time.Time
}

// RosterEntry is a patient registered with a clinic (rostered): they see
// and book the clinic's slots kept for its registered patients, free.
type RosterEntry struct {
	ClinicID     int64
	PatientID    int64
	FirstName    string
	LastName     string
	BirthDate    Date
	HealthNumber string
	AddedBy      int64 // staff account
	AddedAt      time.Time
}

// PatientStore keeps patient accounts, their people, sign-in codes and
// sessions, and the clinics' rosters.
type PatientStore interface {
	// IssueSignInCode records a code for r.To and writes its message in
	// the same transaction, and retires the live code the same step
	// asked for r.To before (other steps' codes stay live). More than
	// SignInCodesPerHour codes for one destination, SignInCodesPerAsker
	// for one destination from r.AddressKey, MaxPerAddress from one
	// address, or, for a text message, MaxSMSPerHour by text message in
	// all, in the last hour: ETOOMANY. Whether an account exists changes
	// nothing.
	IssueSignInCode(ctx context.Context, r SignInCodeRequest) error
	// VerifySignInCode checks the newest live code that r.StepHash asked
	// for r.To. A wrong code spends a try of that code only; the code
	// expired, used, out of tries or asked by another step is ECODE, as
	// is a wrong one.
	VerifySignInCode(ctx context.Context, r VerifyCodeRequest) (PatientAccount, error)
	PatientSessionByTokenHash(ctx context.Context, hash string, now time.Time) (PatientSession, PatientAccount, error)
	DeletePatientSession(ctx context.Context, hash string) error
	PatientAccount(ctx context.Context, id int64) (PatientAccount, error)
	// UpdatePatientAccount changes the language and the channels chosen
	// (ConsentAt is set by the caller).
	UpdatePatientAccount(ctx context.Context, a PatientAccount) error
	// AccountAppointments lists the account's appointments, soonest first.
	AccountAppointments(ctx context.Context, accountID int64) ([]Appointment, error)

	// People lists the account's people, the holder first.
	People(ctx context.Context, accountID int64) ([]Person, error)
	// SavePerson adds a person (ID 0) or changes one of the account's;
	// ENOTFOUND for another account's. One "self" per account.
	SavePerson(ctx context.Context, p Person) (Person, error)
	RemovePerson(ctx context.Context, accountID, personID int64) error

	// AddToRoster registers a patient with a clinic, finding the patient
	// by health number or adding them; registering twice changes nothing.
	AddToRoster(ctx context.Context, e RosterEntry) (RosterEntry, error)
	RemoveFromRoster(ctx context.Context, clinicID, patientID int64) error
	Roster(ctx context.Context, clinicID int64) ([]RosterEntry, error)
	// RosteredClinics returns the clinics where one of these people is
	// registered: an entry whose patient has the person's health number,
	// birth date and names (RosterEntry.Registers). The number alone is
	// not enough, since anyone may type one.
	RosteredClinics(ctx context.Context, people []Person) ([]int64, error)
}

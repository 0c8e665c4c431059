package rdv

import (
	"context"
	"strings"
	"time"
)

// Québec's Law 25 gives a patient rights over what the platform keeps of
// them: a copy of it all, the closing of their account, a record of what
// they agreed to be told by, and, when their data leaks, a register of
// the incident. This file holds the domain of those rights.

// ConsentRecord is one choice of a channel for an account's messages:
// given (ticked) or withdrawn (unticked), and when. The store writes one
// in the transaction that makes the account or changes its channels, so
// the history is never rewritten by the code that reads it.
type ConsentRecord struct {
	Channel MessageChannel
	Given   bool
	At      time.Time
}

// CloseAccountRequest closes a patient account at its holder's word.
type CloseAccountRequest struct {
	AccountID int64
	Now       time.Time
}

// ClosedAccount is what closing an account did: the future appointments
// it cancelled (their slots freed, their clinics told as by any
// cancellation), the waiting requests it withdrew, and the appointments
// and requests kept for the clinics' records without the person's
// identity (pseudonymised: a removed patient).
type ClosedAccount struct {
	Cancelled     []int64 // appointment IDs
	Withdrawn     []int64 // request IDs
	Pseudonymised int     // appointments kept, named no more
}

// RemovedPatient reports whether p is the patient of an appointment whose
// account was closed: its identity was erased, and nobody books without
// a name.
func (p Patient) RemovedPatient() bool { return p.FirstName == "" && p.LastName == "" }

// ErasedBirthDate is the birth date a closed account's requests keep
// where the column cannot be empty: a day nobody was born on.
var ErasedBirthDate = Date{Year: 1, Month: time.January, Day: 1}

// PrivacyIncident is one entry of the register of confidentiality
// incidents that Law 25 requires (a loss of, or access to, personal
// information that was not allowed), as operators fill it in. It is not
// an outage (Incident), which patients are told about.
type PrivacyIncident struct {
	ID      int64
	FoundAt time.Time // when the incident was found
	// What happened, which data, whose (the people concerned, or how
	// many), and the assessment of the risk of serious injury to them.
	Description     string
	DataConcerned   string
	PeopleConcerned string
	SeriousRisk     bool
	RiskAssessment  string
	// Whether the Commission d'accès à l'information and the people
	// concerned were told, and when (zero: not told).
	CAINotified      bool
	CAINotifiedAt    time.Time
	PeopleNotified   bool
	PeopleNotifiedAt time.Time
	Measures         string // taken to reduce the injury and prevent another
	RecordedBy       int64  // the operator's account
	RecordedAt       time.Time
	UpdatedAt        time.Time
}

// MaxPrivacyText bounds each text of a register entry.
const MaxPrivacyText = 4000

// Validate checks an entry and trims its texts, reporting every invalid
// field at once: the texts required, a date of notice for each notice
// given (none for one not given), neither in the future nor before the
// incident was found.
func (p *PrivacyIncident) Validate(now time.Time) error {
	var errs FieldErrors
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"description", &p.Description}, {"data_concerned", &p.DataConcerned}, {"people_concerned", &p.PeopleConcerned},
		{"risk_assessment", &p.RiskAssessment}, {"measures", &p.Measures},
	} {
		*f.v = strings.TrimSpace(*f.v)
		switch {
		case *f.v == "":
			errs.add(FieldError(f.name, "%s missing", f.name))
		case len(*f.v) > MaxPrivacyText:
			errs.add(FieldError(f.name, "%s longer than %d bytes", f.name, MaxPrivacyText))
		default:
			errs.add(CheckLongText(f.name, *f.v))
		}
	}
	if p.FoundAt.IsZero() || p.FoundAt.After(now) {
		errs.add(FieldError("found_at", "when it was found missing or in the future"))
	}
	errs.add(checkNotice("cai_notified_at", p.CAINotified, p.CAINotifiedAt, p.FoundAt, now))
	errs.add(checkNotice("people_notified_at", p.PeopleNotified, p.PeopleNotifiedAt, p.FoundAt, now))
	return errs.err()
}

// checkNotice checks the date of a notice: given when told, none when
// not, between the finding and now.
func checkNotice(field string, told bool, at, found, now time.Time) error {
	switch {
	case !told && !at.IsZero():
		return FieldError(field, "a date for a notice not given")
	case !told:
		return nil
	case at.IsZero():
		return FieldError(field, "date of the notice missing")
	case at.After(now):
		return FieldError(field, "notice dated in the future")
	case !found.IsZero() && at.Before(found):
		return FieldError(field, "notice dated before the incident was found")
	}
	return nil
}

// PrivacyStore keeps what a patient's rights read and do, and the
// register of confidentiality incidents. Every write is one transaction.
type PrivacyStore interface {
	// AccountRequests lists the appointment requests an account filed,
	// oldest first.
	AccountRequests(ctx context.Context, accountID int64) ([]AppointmentRequest, error)
	// AccountMessages lists the messages written to an account's holder
	// (about its appointments and requests, or to its email or phone),
	// newest first, without their Secret.
	AccountMessages(ctx context.Context, accountID int64) ([]Message, error)
	// ConsentRecords lists an account's choices of channels, oldest
	// first.
	ConsentRecords(ctx context.Context, accountID int64) ([]ConsentRecord, error)
	// CloseAccount closes an account in one transaction: its future
	// booked appointments are cancelled (slots freed, the clinics told,
	// as Cancel by the account does, without a notice to the person),
	// its waiting requests withdrawn, then the identity of its holder
	// and people is erased from the account, its people, its
	// appointments, its requests, their patient rows, rosters and
	// messages, and its sessions end. The appointments and requests stay
	// for the clinics' records, naming nobody. An unknown account is
	// ENOTFOUND.
	CloseAccount(ctx context.Context, r CloseAccountRequest) (ClosedAccount, SlotChanges, error)

	// PrivacyIncidents lists the register, the latest found first.
	PrivacyIncidents(ctx context.Context) ([]PrivacyIncident, error)
	PrivacyIncident(ctx context.Context, id int64) (PrivacyIncident, error)
	// SavePrivacyIncident adds an entry (ID 0) or changes one, after
	// Validate(now); an unknown ID is ENOTFOUND. RecordedBy and
	// RecordedAt are kept from the first save.
	SavePrivacyIncident(ctx context.Context, p PrivacyIncident, now time.Time) (PrivacyIncident, error)
}

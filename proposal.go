package rdv

import (
	"context"
	"time"
)

// A proposal is a slot the platform holds for an appointment request
// while the person says yes or no ("Trouvez-moi un rendez-vous"): the
// matcher picks the request (package match), the store makes the
// proposal, and the person accepts (the slot is booked for them, as any
// booking) or declines (the slot goes to the next request, or back to
// search). A request has at most one live proposal, and is never offered
// the same slot twice.

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// Proposal statuses: only a live one holds its slot.
const (
	ProposalLive     ProposalStatus = "live"
	ProposalAccepted ProposalStatus = "accepted"
	ProposalDeclined ProposalStatus = "declined" // by the person, or the request withdrawn
	ProposalExpired  ProposalStatus = "expired"  // no answer in time
)

// DefaultProposalTTL is how long a proposal holds its slot by default.
const DefaultProposalTTL = 30 * time.Minute

// Proposal is a slot held for a request.
type Proposal struct {
	ID            string // chosen by the matcher, random; also its hold's ID
	RequestID     int64
	Slot          Slot
	Status        ProposalStatus
	CreatedAt     time.Time
	ExpiresAt     time.Time
	AppointmentID int64 // when accepted
}

// ProposeRequest asks the store to hold a slot for a request.
type ProposeRequest struct {
	ProposalID string
	RequestID  int64
	SlotID     int64
	TTL        time.Duration
	Now        time.Time
	// Token is the proposal's own secret, which its message carries (the
	// request's token is kept hashed only, so no message can carry it):
	// it opens the request's page and answers this proposal, never
	// another, and never withdraws the request. The store keeps
	// TokenHash, and puts Token in the messages it writes, in the same
	// transaction (ProposalMessages), wiped once they have left.
	Token, TokenHash string
	// After lists proposals asked for at the same time as this one, of
	// requests ahead of this one in the slot's line (the matcher proposes
	// several slots at once, and passes over a request whose own proposal
	// is under way). This one is made only if each of them was made and
	// is live or accepted: otherwise ErrProposalAfter, and the matcher
	// decides the slot again, so that a request the store refused its own
	// slot keeps its place for this one.
	After []string
}

// ProposeResult is what came of one proposal of ProposalStore.ProposeAll:
// the proposal and the slot it took, or its refusal.
type ProposeResult struct {
	Proposal Proposal
	Changes  SlotChanges
	Err      error
}

// ErrProposalAfter is the refusal of a proposal that comes after another
// that was not made (ProposeRequest.After): its field is "after".
func ErrProposalAfter(id string) error {
	return &Error{Code: ECONFLICT, Field: "after", Detail: "proposal " + id + ", which this one comes after, was not made"}
}

// ProposalMade reports whether a proposal that another comes after (see
// ProposeRequest.After) counts as made: live, or accepted already.
func ProposalMade(status ProposalStatus) bool {
	return status == ProposalLive || status == ProposalAccepted
}

// ProposalMessages are the messages that tell a request's person of a
// proposal: one by email and one by text message, to whichever the
// request gives, in its language, carrying the proposal's token for the
// link to the request's page. A store writes them in the transaction
// that makes the proposal (the outbox).
func (r AppointmentRequest) ProposalMessages(p Proposal, token string) []Message {
	m := Message{Kind: MessageProposal, Language: messageLanguage(r.Language), ProposalID: p.ID, Secret: token,
		DueAt: p.CreatedAt, Status: MessageQueued, CreatedAt: p.CreatedAt}
	var ms []Message
	if r.Email != "" {
		m.Channel, m.To = ByEmail, r.Email
		ms = append(ms, m)
	}
	if r.Phone != "" {
		m.Channel, m.To = BySMS, r.Phone
		ms = append(ms, m)
	}
	return ms
}

// AcceptProposalRequest books the slot of a request's live proposal for
// the request's patient. The request is found by its Reference and the
// hash of its token, or of the token of one of its proposals, which then
// answers that proposal only (anything else reads as not found).
type AcceptProposalRequest struct {
	Reference string
	TokenHash string
	// ProposalID, when set, must be the live proposal's: an answer to a
	// proposal that has since been replaced is a conflict, not a booking
	// of another slot.
	ProposalID      string
	CancelToken     string // the appointment's link secret, shown once
	CancelTokenHash string
	Notify          Notify
	RemindBefore    time.Duration
	Now             time.Time
}

// DeclineProposalRequest gives a live proposal's slot back; the request
// waits again.
type DeclineProposalRequest struct {
	Reference  string
	TokenHash  string
	ProposalID string // as in AcceptProposalRequest
	Now        time.Time
}

// WithdrawRequestInput ends a waiting request at its person's word; a
// live proposal's slot is freed in the same transaction. Only the
// request's own token withdraws it: a proposal's token, which a message
// carries and a mailbox may show to others, reads as not found.
type WithdrawRequestInput struct {
	Reference string
	TokenHash string
	// AccountID, when not 0, is the signed-in patient account acting: it
	// stands for the token on the account's own requests (a request of
	// another account, or of none, reads as not found).
	AccountID int64
	Now       time.Time
}

// ProposalStore keeps proposals. Every method is one transaction; slot
// changes are handed back for the index, as bookings' are.
type ProposalStore interface {
	// RequestByReference returns a request by its reference, only if
	// tokenHash is the hash of its token or of the token of one of its
	// proposals (which its message carries); anything else is ENOTFOUND.
	RequestByReference(ctx context.Context, reference, tokenHash string) (AppointmentRequest, error)
	// Proposal returns one proposal, or ENOTFOUND.
	Proposal(ctx context.Context, id string) (Proposal, error)
	// MatchableRequests returns the requests the matcher works (open or
	// proposed, with a date range that ends after now), oldest first.
	MatchableRequests(ctx context.Context, now time.Time) ([]AppointmentRequest, error)
	// Proposals returns a request's proposals, oldest first.
	Proposals(ctx context.Context, requestID int64) ([]Proposal, error)
	// Propose holds a slot for an open request and records the proposal
	// with its token's hash; the request becomes proposed, and its
	// person's messages (ProposalMessages) are written. It is refused
	// when the request is not open (ErrRequestNotOpen) or its range has
	// ended, when the slot is not free (ESLOTTAKEN) or outside the
	// request's criteria (AppointmentRequest.Fits, EINVALID field
	// "slot"), when the slot is kept for registered patients and the
	// request is not one of its clinic's own, when the request's scope is
	// its own clinic and the slot is elsewhere, and when the slot was
	// offered to the request before (ECONFLICT). A place on the waitlist
	// is refused too when its appointment changed (CheckMove), and needs
	// the roster for kept slots only (NeedsRoster).
	Propose(ctx context.Context, r ProposeRequest) (Proposal, SlotChanges, error)
	// ProposeAll makes proposals as Propose makes each, and answers each
	// as if they were made one after the other in the order given: a
	// refusal is that proposal's alone, and one that comes after an
	// earlier one of the call (After) finds it made or refused. The
	// matcher asks for a round's proposals so: SQLite's one writer makes
	// them in one command, PostgreSQL in a transaction each, side by side
	// when they share nothing.
	ProposeAll(ctx context.Context, rs []ProposeRequest) []ProposeResult
	// AcceptProposal books the live proposal's slot for the request's
	// patient (BookedBy matcher, Channel request) and marks the proposal
	// accepted and the request booked. Accepting again answers the same
	// appointment; a proposal that ran out is EGONE. A place on the
	// waitlist (IsMove) moves its appointment to the slot instead, as
	// Reschedule does (CheckMove first; the notice of the new time
	// carries no link, the appointment's token being kept hashed only),
	// and its request is booked with that appointment.
	AcceptProposal(ctx context.Context, r AcceptProposalRequest) (Appointment, SlotChanges, error)
	// DeclineProposal frees the live proposal's slot and opens the request
	// again. Declining again changes nothing.
	DeclineProposal(ctx context.Context, r DeclineProposalRequest) (AppointmentRequest, SlotChanges, error)
	// WithdrawRequest ends a waiting request (withdrawn), declining its
	// live proposal. Withdrawing again changes nothing; an ended request
	// is ErrRequestNotOpen.
	WithdrawRequest(ctx context.Context, r WithdrawRequestInput) (AppointmentRequest, SlotChanges, error)
	// ExpireProposals ends the live proposals that ran out by now, frees
	// the slots they still held and opens their requests again; it returns
	// the requests opened.
	ExpireProposals(ctx context.Context, now time.Time) ([]int64, SlotChanges, error)
	// ExpireRequests ends the open requests whose range ended by now,
	// and the open places on the waitlist whose appointment is no longer
	// booked at its time (closed: CloseAppointmentChanged).
	ExpireRequests(ctx context.Context, now time.Time) (int, error)
	// WaitlistRequests returns the waiting places on the waitlist
	// (AppointmentRequest.IsMove) of an account's appointments, oldest
	// first.
	WaitlistRequests(ctx context.Context, accountID int64) ([]AppointmentRequest, error)
}

// Priority orders waiting requests: the higher first, then the oldest.
// Urgent comes before child, and an urgent child before both.
func (r AppointmentRequest) Priority() int {
	p := 0
	if r.Urgent {
		p += 2
	}
	if r.Child {
		p++
	}
	return p
}

// Windows returns the request's windows of the day (none: any time).
func (r AppointmentRequest) Windows() []Window {
	if r.Times == "" {
		return nil
	}
	ws := make([]Window, 0, MaxWindows)
	n, ok := ParseTimes(r.Times, ws)
	if !ok {
		// Stored times are FormatTimes' own; unreadable ones fit no
		// slot rather than any.
		return []Window{{}}
	}
	return ws[:n]
}

// Matchable reports whether the matcher works the request: waiting, with
// a date range.
func (r AppointmentRequest) Matchable() bool { return r.Status.Waiting() && !r.To.IsZero() }

// RadiusOrDefault is the request's radius, or the search's default when
// it gave none.
func (r AppointmentRequest) RadiusOrDefault() float64 {
	if r.RadiusKm > 0 {
		return r.RadiusKm
	}
	return DefaultRequestRadiusKm
}

// DefaultRequestRadiusKm is the radius of a request that gave none: the
// slot search's.
const DefaultRequestRadiusKm = 25

// Fits reports whether a slot meets the request's criteria: its service,
// its date range, weekdays, times of the day, the practitioner's language,
// the distance from the request's point to the clinic, the clinic and the
// practitioner when the request names them, and the patient's age for
// pediatrics. Who may have the slot (its audience, the request's
// scope, the roster) is the store's and the matcher's rule, not this one.
// The matcher and the stores call it, so that no slot outside a request's
// criteria is proposed by one and accepted by the other. A store proposing
// may read only the request's fields that CheckProposal and this read
// (SQLite's proposedColumns): a field read here is to be read there too.
func (r AppointmentRequest) Fits(s Slot, c Clinic, p Practitioner) bool {
	minute, wd := LocalMinute(s.Start)
	return r.FitsTime(s, r.Windows(), minute, wd) && r.FitsPractitioner(s, c, p) &&
		DistanceKm(r.Lat, r.Lon, c.Lat, c.Lon) <= r.RadiusOrDefault()
}

// FitsTime is Fits' part about the slot's time and service, for a caller
// that read the request's windows and the slot's local minute and weekday
// (LocalMinute) once: the matcher, for every request of a line it walks
// (hence the pointer, which spares it copying each).
func (r *AppointmentRequest) FitsTime(s Slot, ws []Window, minute int, wd time.Weekday) bool {
	if s.Service != r.Service || r.To.IsZero() || s.Start.Before(r.From) || !s.Start.Before(r.To) {
		return false
	}
	if r.Weekdays != 0 && r.Weekdays&(1<<wd) == 0 {
		return false
	}
	if !InWindows(ws, minute) {
		return false
	}
	if s.Service == Pediatrics && r.BirthDate != (Date{}) && AgeOn(r.BirthDate, DateOf(s.Start)) >= PediatricAge {
		return false
	}
	return true
}

// FitsPractitioner is Fits' part about the clinic and the practitioner
// but the distance, for a caller that knows the clinic within the
// request's radius.
func (r *AppointmentRequest) FitsPractitioner(s Slot, c Clinic, p Practitioner) bool {
	if c.ID != s.ClinicID || p.ID != s.PractitionerID {
		return false
	}
	if r.ClinicID != 0 && s.ClinicID != r.ClinicID || r.PractitionerID != 0 && s.PractitionerID != r.PractitionerID {
		return false
	}
	return r.PractitionerLanguage == "" || p.Speaks(r.PractitionerLanguage)
}

// Patient returns the request's person as a booking's patient.
func (r AppointmentRequest) Patient() Patient {
	return Patient{FirstName: r.FirstName, LastName: r.LastName, BirthDate: r.BirthDate,
		HealthNumber: r.HealthNumber, Phone: r.Phone, Email: r.Email, Language: r.Language}
}

// CheckProposal is the rule of a proposal that a store applies in its
// transaction, with the request, the slot, its clinic and practitioner as
// they stand: an open request whose range has not ended, a free slot that
// has not started, within the request's criteria, and public unless the
// request is for the patient's own clinic (whose roster the store checks:
// a network request, which pays, never gets a slot that public search
// would not show).
func CheckProposal(r AppointmentRequest, s Slot, c Clinic, p Practitioner, now time.Time) error {
	switch {
	case r.Status != RequestOpen:
		return ErrRequestNotOpen(r.ID)
	case r.To.IsZero() || !now.Before(r.To):
		return Errorf(ECONFLICT, "request %d is not matched: its range has ended or it has none", r.ID)
	case !now.Before(s.Start):
		return Errorf(ECONFLICT, "slot %d already started", s.ID)
	case !s.FreeAt(now):
		return Errorf(ESLOTTAKEN, "slot %d is %s", s.ID, s.State)
	case !r.Fits(s, c, p):
		return FieldError("slot", "slot %d is outside request %d's criteria", s.ID, r.ID)
	case s.Audience != Public && r.Scope != ScopeOwnClinic:
		return Errorf(EFORBIDDEN, "slot %d is kept for registered patients", s.ID)
	}
	return nil
}

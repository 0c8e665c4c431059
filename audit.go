package rdv

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ActorKind says who acted on patient data.
type ActorKind string

// Actors. The ID that goes with each is said beside it.
const (
	ActorStaff       ActorKind = "staff"        // a staff account (Account.ID)
	ActorPatient     ActorKind = "patient"      // a signed-in patient (PatientAccount.ID)
	ActorLink        ActorKind = "link"         // whoever holds an appointment's or a request's link (ID 0: the record says which)
	ActorClinicToken ActorKind = "clinic_token" // a clinic's API token (ClinicToken.ID)
	ActorFeed        ActorKind = "feed"         // a clinic's calendar feed, by its secret (CalendarFeed.ID)
	ActorVisitor     ActorKind = "visitor"      // someone not signed in, booking from the public pages
	ActorSystem      ActorKind = "system"       // the platform itself (matcher, sweeps)
)

// Actor is who acts, and from which network address (as admission
// control derives it).
type Actor struct {
	Kind    ActorKind
	ID      int64
	Address string
}

type actorKey struct{}

// WithActor returns ctx carrying who acts. The HTTP layers set it once a
// request's caller is known, so that a store writing a change records its
// audit event in the change's own transaction without every layer between
// passing it on.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns who acts in ctx: the platform itself when no caller
// set one (background jobs).
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem}
}

// SignedInAs returns ctx acting as patient account accountID, from the
// address of the actor in ctx: a sign-in's changes are the account's
// once its holder has proved the contact.
func SignedInAs(ctx context.Context, accountID int64) context.Context {
	return WithActor(ctx, Actor{Kind: ActorPatient, ID: accountID, Address: ActorFrom(ctx).Address})
}

// AuditAction is what was done to patient data.
type AuditAction string

// Audited actions: reads, then changes.
const (
	AuditAgendaRead        AuditAction = "agenda.read"        // a clinic's day or week, a slot's entry
	AuditAgendaExport      AuditAction = "agenda.export"      // the day's CSV export
	AuditAppointmentRead   AuditAction = "appointment.read"   // one appointment's page or resource
	AuditAppointmentsRead  AuditAction = "appointments.read"  // a list of appointments (« Mes rendez-vous », FHIR search)
	AuditCalendarFeedRead  AuditAction = "calendar.read"      // a clinic's calendar feed polled
	AuditRequestsRead      AuditAction = "requests.read"      // an agent's queue or search of requests
	AuditRequestRead       AuditAction = "request.read"       // one request's page
	AuditAccountRead       AuditAction = "account.read"       // a patient's own account pages
	AuditTrailRead         AuditAction = "audit.read"         // the trail searched, by an operator or its patient
	AuditRosterRead        AuditAction = "roster.read"        // a clinic's registered patients listed
	AuditAppointmentBook   AuditAction = "appointment.book"   // a booking confirmed
	AuditAppointmentCancel AuditAction = "appointment.cancel" // by the patient or the desk
	AuditAppointmentMove   AuditAction = "appointment.reschedule"
	AuditAppointmentStatus AuditAction = "appointment.status" // the desk marks arrived, fulfilled, no-show
	AuditRequestClose      AuditAction = "request.close"      // an agent closes a request
	AuditAccountChange     AuditAction = "account.change"     // a patient account's settings, its closing
	AuditRosterChange      AuditAction = "roster.change"      // the desk registers a patient, or ends it
	AuditRequestFile       AuditAction = "request.file"       // a request stored (form, API, the spool's replay, a place on the waitlist)
	AuditRequestWithdraw   AuditAction = "request.withdraw"   // its person withdraws a request
	AuditProposalAccept    AuditAction = "proposal.accept"    // a proposed slot accepted: the booking, or the waitlist's move, it makes
	AuditProposalDecline   AuditAction = "proposal.decline"   // a proposed slot declined: the request waits again
	AuditProposalMake      AuditAction = "proposal.make"      // the platform holds a slot for a request and tells its person
	AuditProposalExpire    AuditAction = "proposal.expire"    // a proposal unanswered in time: the slot freed, the request waits again
	AuditRequestExpire     AuditAction = "request.expire"     // a request ends unmatched, its dates run out or the appointment it would move changed
	AuditIncidentNotify    AuditAction = "incident.notify"    // an outage declared: the booked appointments' contacts read and told
	AuditMessageResend     AuditAction = "message.resend"     // an operator sends a failed message to a patient again
	AuditPersonChange      AuditAction = "person.change"      // one of an account's people added, changed or removed
	AuditMessagesRead      AuditAction = "messages.read"      // the messages to patients, as operators read them
	AuditAccountJoin       AuditAction = "account.join"       // a sign-in made the account, or joined to it the bookings made with its contact
)

// AuditActions lists every action, in the order the operators' page
// offers them.
var AuditActions = []AuditAction{
	AuditAgendaRead, AuditAgendaExport, AuditAppointmentRead, AuditAppointmentsRead, AuditCalendarFeedRead,
	AuditRequestsRead, AuditRequestRead, AuditAccountRead, AuditTrailRead, AuditRosterRead,
	AuditAppointmentBook, AuditAppointmentCancel, AuditAppointmentMove, AuditAppointmentStatus,
	AuditRequestClose, AuditAccountChange, AuditRosterChange,
	AuditRequestFile, AuditRequestWithdraw, AuditProposalMake, AuditProposalAccept, AuditProposalDecline, AuditProposalExpire,
	AuditRequestExpire, AuditPersonChange, AuditMessagesRead, AuditIncidentNotify, AuditMessageResend,
	AuditAccountJoin,
}

// AuditRecords names the records an event concerns, by ID only: the trail
// holds no patient data.
type AuditRecords struct {
	Patients     []int64
	Appointments []int64
	Requests     []int64
	Accounts     []int64 // patient accounts (PatientAccount.ID)
	People       []int64 // an account's people (Person.ID)
}

// Empty reports whether no record is named.
func (r AuditRecords) Empty() bool {
	return len(r.Patients) == 0 && len(r.Appointments) == 0 && len(r.Requests) == 0 && len(r.Accounts) == 0 && len(r.People) == 0
}

// With returns the records of r and o together.
func (r AuditRecords) With(o AuditRecords) AuditRecords {
	return AuditRecords{
		Patients:     append(slices.Clone(r.Patients), o.Patients...),
		Appointments: append(slices.Clone(r.Appointments), o.Appointments...),
		Requests:     append(slices.Clone(r.Requests), o.Requests...),
		Accounts:     append(slices.Clone(r.Accounts), o.Accounts...),
		People:       append(slices.Clone(r.People), o.People...),
	}.normal()
}

// AppointmentRecords names the appointments and their patients (and
// guardians).
func AppointmentRecords(as ...Appointment) AuditRecords {
	var r AuditRecords
	for _, a := range as {
		r.Appointments = append(r.Appointments, a.ID)
		r.Patients = append(r.Patients, a.Patient.ID)
		if a.Guardian != nil {
			r.Patients = append(r.Patients, a.Guardian.ID)
		}
	}
	return r.normal()
}

// BookingRecords names a booking's appointment and patients, and the
// request it answers (0: none).
func BookingRecords(a Appointment, requestID int64) AuditRecords {
	r := AppointmentRecords(a)
	if requestID > 0 {
		r.Requests = []int64{requestID}
	}
	return r
}

// AgendaRecords names the appointments of an agenda's entries and their
// patients.
func AgendaRecords(es []AgendaEntry) AuditRecords {
	var as []Appointment
	for _, e := range es {
		if e.Appointment != nil {
			as = append(as, *e.Appointment)
		}
	}
	return AppointmentRecords(as...)
}

// RequestRecords names requests, and the appointments they booked or
// move (a place on the waitlist).
func RequestRecords(rs ...AppointmentRequest) AuditRecords {
	var r AuditRecords
	for _, x := range rs {
		r.Requests = append(r.Requests, x.ID)
		r.Appointments = append(r.Appointments, x.AppointmentID, x.MovesAppointment)
	}
	return r.normal()
}

// FiledAt is when the trail says r was filed: when it was received (a
// request replayed from the spool is stored later), else now.
func (r AppointmentRequest) FiledAt() time.Time {
	if r.ReceivedAt.IsZero() {
		return time.Now()
	}
	return r.ReceivedAt
}

// RequestIDRecords names requests by their IDs alone.
func RequestIDRecords(ids ...int64) AuditRecords {
	return AuditRecords{Requests: ids}.normal()
}

// PeopleRecords names an account and some of its people.
func PeopleRecords(accountID int64, ps ...Person) AuditRecords {
	r := AuditRecords{Accounts: []int64{accountID}}
	for _, p := range ps {
		r.People = append(r.People, p.ID)
	}
	return r.normal()
}

// normal sorts the IDs and drops zeros and repeats, so that the same
// records always read (and hash) the same.
func (r AuditRecords) normal() AuditRecords {
	clean := func(ids []int64) []int64 {
		ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id <= 0 })
		slices.Sort(ids)
		return slices.Compact(ids)
	}
	return AuditRecords{Patients: clean(r.Patients), Appointments: clean(r.Appointments), Requests: clean(r.Requests),
		Accounts: clean(r.Accounts), People: clean(r.People)}
}

// String is the records' stored form: "p:1,2 a:7 r:3 c:4 f:9", the kinds
// in that order (patients, appointments, requests, patient accounts, an
// account's people), IDs ascending, a kind without IDs left out. The
// kinds added later come last, so that an entry written before them reads
// (and hashes) as it was written.
func (r AuditRecords) String() string {
	r = r.normal()
	var b strings.Builder
	for _, k := range []struct {
		tag string
		ids []int64
	}{{"p", r.Patients}, {"a", r.Appointments}, {"r", r.Requests}, {"c", r.Accounts}, {"f", r.People}} {
		if len(k.ids) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k.tag)
		b.WriteByte(':')
		for i, id := range k.ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
	}
	return b.String()
}

// ParseAuditRecords reads the stored form that String writes.
func ParseAuditRecords(s string) (AuditRecords, error) {
	var r AuditRecords
	for part := range strings.FieldsSeq(s) {
		tag, list, ok := strings.Cut(part, ":")
		var dst *[]int64
		switch tag {
		case "p":
			dst = &r.Patients
		case "a":
			dst = &r.Appointments
		case "r":
			dst = &r.Requests
		case "c":
			dst = &r.Accounts
		case "f":
			dst = &r.People
		}
		if !ok || dst == nil {
			return AuditRecords{}, Errorf(EINVALID, "audit records %q: bad part %q", s, part)
		}
		for f := range strings.SplitSeq(list, ",") {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return AuditRecords{}, Errorf(EINVALID, "audit records %q: bad id %q", s, f)
			}
			*dst = append(*dst, id)
		}
	}
	return r, nil
}

// AuditEvent is one entry of the audit trail: who did what to which
// records, when and from where. The trail is several chains (one on
// SQLite); Chain and Seq place the entry in its chain, PrevHash is the
// Hash of the entry before it (package audit says how both are made).
type AuditEvent struct {
	ID       int64
	Chain    int
	Seq      int64
	At       time.Time // to the millisecond, UTC
	Actor    Actor
	Action   AuditAction
	Records  AuditRecords
	PrevHash []byte
	Hash     []byte
}

// NewAuditEvent is the event of the actor in ctx doing action to records
// at now, with the time cut to what the stores keep.
func NewAuditEvent(ctx context.Context, action AuditAction, records AuditRecords, now time.Time) AuditEvent {
	return AuditEvent{At: now.UTC().Truncate(time.Millisecond), Actor: ActorFrom(ctx), Action: action, Records: records.normal()}
}

// AuditHead is the last entry of one chain as the chain's head row keeps
// it: an entry removed at the end shows against it.
type AuditHead struct {
	Chain int
	Seq   int64
	Hash  []byte
}

// AuditQuery searches the trail. Zero fields do not filter. Events come
// newest first.
type AuditQuery struct {
	Patients  []int64 // events naming any of these patients
	ActorKind ActorKind
	ActorID   int64
	Action    AuditAction
	From, To  time.Time // [From, To)
	Before    int64     // IDs below this one (the next page)
	Limit     int       // default and cap: MaxAuditPage
}

// MaxAuditPage is the most events one search returns.
const MaxAuditPage = 200

// AuditStore keeps the audit trail. A change writes its own event in its
// own transaction (the stores do it); a read records one with
// RecordAudit before its data is shown.
type AuditStore interface {
	// RecordAudit appends an event to the trail.
	RecordAudit(ctx context.Context, e AuditEvent) error
	// AuditEvents searches the trail.
	AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
	// AuditHeads returns each chain's head row.
	AuditHeads(ctx context.Context) ([]AuditHead, error)
	// WalkAuditChain calls fn with every entry of one chain in the order
	// of Seq (then ID), as stored, nothing checked, and returns the
	// chain's head row as it was when the entries were read (one
	// snapshot: writes committed meanwhile change neither).
	WalkAuditChain(ctx context.Context, chain int, fn func(AuditEvent) error) (AuditHead, error)
}

package rdv

import (
	"context"
	"time"
)

// MessageKind is what a message tells its reader.
type MessageKind string

// Message kinds. Every change that a patient must hear about writes its
// messages in the transaction that makes it (the outbox): a booking
// confirmed, moved or cancelled, a reminder due before the appointment, a
// sign-in code, an outage notice, the receipt of a fee taken or given
// back.
const (
	MessageConfirmed         MessageKind = "confirmed"
	MessageRescheduled       MessageKind = "rescheduled"
	MessageCancelled         MessageKind = "cancelled"           // by the patient
	MessageCancelledByClinic MessageKind = "cancelled_by_clinic" // by the clinic's staff
	MessageReminder          MessageKind = "reminder"
	MessageSignInCode        MessageKind = "signin_code"
	MessageOutage            MessageKind = "outage"
	MessageProposal          MessageKind = "proposal"       // a slot held for an appointment request: accept or decline
	MessageReceipt           MessageKind = "receipt"        // the finder fee taken, when a proposal is accepted
	MessageRefundReceipt     MessageKind = "refund_receipt" // the finder fee given back, when the clinic cancels
)

// MessageKinds lists every kind, so that what names each (the operators'
// pages, the messages' templates) can be checked to miss none.
var MessageKinds = []MessageKind{MessageConfirmed, MessageRescheduled, MessageCancelled, MessageCancelledByClinic, MessageReminder,
	MessageSignInCode, MessageOutage, MessageProposal, MessageReceipt, MessageRefundReceipt}

// UrgentKinds are the kinds of message someone waits for: a sign-in
// code (a person at the screen) and a proposal (a slot held for a time
// that runs out). Delivery takes them ahead of the other messages
// (UndispatchedUrgent), however many wait, and never holds them back.
var UrgentKinds = []MessageKind{MessageSignInCode, MessageProposal}

// Urgent reports whether k is one of UrgentKinds.
func (k MessageKind) Urgent() bool { return k == MessageSignInCode || k == MessageProposal }

// MessageChannel is how a message reaches its reader.
type MessageChannel string

// Channels.
const (
	ByEmail MessageChannel = "email"
	BySMS   MessageChannel = "sms"
)

// MessageStatus is where a message's delivery stands.
type MessageStatus string

// Message statuses. A message is queued when written; a delivery attempt
// marks it sending (committed before the message leaves), then sent, or
// queued again for a retry. A message found sending when its job runs
// again was cut off by a crash after it may have left: it becomes
// uncertain and is never sent again by itself, so that nobody receives it
// twice; operators see it and may send it again. A platform without a
// mail server or text-message provider (make run) sends nothing: its
// messages are kept, their record the only copy, whole.
const (
	MessageQueued    MessageStatus = "queued"
	MessageSending   MessageStatus = "sending"
	MessageSent      MessageStatus = "sent"
	MessageFailed    MessageStatus = "failed"    // retries exhausted: the dead letters
	MessageBounced   MessageStatus = "bounced"   // the address refused: never retried
	MessageUncertain MessageStatus = "uncertain" // cut off mid-send by a crash
	MessageSkipped   MessageStatus = "skipped"   // no longer true (a reminder for a cancelled appointment)
	MessageKept      MessageStatus = "kept"      // no sender for its channel: recorded whole, sent nowhere
)

// Notify is the channels a person chose to hear about an appointment on.
// Choosing one is their consent to it, recorded with the appointment.
type Notify struct {
	Email bool // to the appointment's email
	SMS   bool // to the appointment's phone
}

// Channels lists the chosen channels.
func (n Notify) Channels() []MessageChannel {
	var cs []MessageChannel
	if n.Email {
		cs = append(cs, ByEmail)
	}
	if n.SMS {
		cs = append(cs, BySMS)
	}
	return cs
}

// Message is one message to one person on one channel: a row of the
// outbox, and the record of what was sent.
type Message struct {
	ID      int64
	Kind    MessageKind
	Channel MessageChannel
	// To is an email address, or a phone number in E.164 form.
	To       string
	Language string // "fr" or "en"
	// AppointmentID is the appointment the message is about (0: none),
	// and Revision its revision when the message was written: a reminder
	// whose appointment has changed since is skipped.
	AppointmentID int64
	Revision      int
	IncidentID    int64 // the outage a notice is about (0: none)
	// ProposalID is the proposal a message offers ("": none): once the
	// proposal is no longer live, the message is skipped.
	ProposalID string
	// Secret is what the message carries that the store keeps nowhere
	// else in the clear: a sign-in code, the token of the appointment's
	// link (its page, to cancel or move it), or a proposal's token (the
	// request's page, to answer it). It is wiped
	// once the message has left or been given up.
	Secret string
	// DueAt is when the message may leave (a reminder's time; the
	// write's time for the others).
	DueAt time.Time
	// ReminderAt is when the reminder this message brings after it is
	// due (zero: none). A booking writes its confirmation only; the store
	// writes the reminder once the confirmation's delivery has ended
	// (FollowUp), in the transaction that records it: the booking's
	// transaction writes one message a channel, not two.
	ReminderAt time.Time
	Status     MessageStatus
	Attempts   int
	LastError  string
	// Subject and Body are what was sent, recorded when it left, so that
	// staff see what a patient was told: without the secret, except for
	// a message kept (nothing left, the record is its only copy).
	Subject, Body string
	CreatedAt     time.Time
	SentAt        time.Time // zero until sent or kept
}

// MessageFilter selects messages to list, newest first.
type MessageFilter struct {
	AppointmentID int64           // 0: any
	ClinicID      int64           // 0: any; else only messages about its appointments
	Statuses      []MessageStatus // none: any
	Channel       MessageChannel  // "": any
	Limit         int             // 0: 100
}

// SendOutcome is how a delivery attempt ended.
type SendOutcome struct {
	Status  MessageStatus // sent, kept, queued (will retry), failed, bounced or skipped
	Error   string        // why it did not leave, for operators
	Subject string
	Body    string
	Now     time.Time
}

// Refusal marks a destination that refused a message for good (a
// bounce). Later messages to it are bounced without being sent, rather
// than each bouncing again at the server, until the mark is cleared: a
// sign-in code verified for the destination (its owner proved they
// receive there), or an operator sending a message to it again.
type Refusal struct {
	Channel   MessageChannel
	To        string
	RefusedAt time.Time
	Error     string // the server's answer to the first refused message
}

// Incident is an outage an operator declares: the clinics and the time
// window it touches, and what patients must be told, in both languages.
type Incident struct {
	ID         int64
	ClinicIDs  []int64 // none: every clinic
	From, To   time.Time
	TextFR     string
	TextEN     string
	DeclaredBy int64 // operator account
	DeclaredAt time.Time
	Notified   int // messages written for it
	// Idem makes declaring retryable (invariant 3): the same confirmation
	// posted twice declares once, and the second answer is the first
	// incident. Never read back.
	Idem *IdemKey
}

// MessageStore keeps the outbox and the record of what was sent. The
// booking writes (ConfirmHold, Reschedule, Cancel) write their messages in
// their own transactions; these are the delivery side's.
type MessageStore interface {
	// UndispatchedMessages returns up to limit messages that no delivery
	// job has been made for yet and that are due before the instant
	// before (DueAt <= before), the earliest due first. A message due
	// later (a reminder) is left for a later call: its job is made when
	// its time nears, not when it is written, so that a burst of bookings
	// does not make a job for each of its reminders.
	UndispatchedMessages(ctx context.Context, before time.Time, limit int) ([]Message, error)
	// UndispatchedUrgent is UndispatchedMessages of the urgent kinds only
	// (UrgentKinds): the dispatcher reads them first, so that a proposal
	// or a sign-in code gets its job at once, not behind thousands of
	// confirmations written by a burst of bookings. It reads no message
	// of another kind, however many wait.
	UndispatchedUrgent(ctx context.Context, before time.Time, limit int) ([]Message, error)
	// MarkDispatched records that delivery jobs exist for these messages.
	MarkDispatched(ctx context.Context, ids []int64) error
	Message(ctx context.Context, id int64) (Message, error)
	// BeginSend starts a delivery attempt: a queued message becomes
	// sending with one more attempt, committed before the message leaves.
	// It returns the message as it was before, so that the caller sees a
	// message already sent, or one left sending by a crash (which
	// BeginSend marks uncertain and does not start).
	BeginSend(ctx context.Context, id int64, now time.Time) (Message, error)
	// FinishSend records how an attempt ended; the message's Secret is
	// wiped once it has left or been given up. A bounce marks the
	// message's destination refused, in the same transaction (the first
	// refusal stands until the mark is cleared). An attempt that ends the
	// message writes its follow-up (FollowUp), once, in the same
	// transaction; so does BeginSend when it marks a message uncertain.
	FinishSend(ctx context.Context, id int64, o SendOutcome) error
	// RefusedDestination returns the mark of a destination that refused
	// a message for good; ENOTFOUND when it has none. A message to a
	// marked destination is bounced without being sent.
	RefusedDestination(ctx context.Context, channel MessageChannel, to string) (Refusal, error)
	// Messages lists messages, newest first.
	Messages(ctx context.Context, f MessageFilter) ([]Message, error)
	// Resend queues a failed, bounced or uncertain message again, as
	// an operator asks; ENOTFOUND if it is none of those. Its destination
	// is tried again: its mark of refusal, if any, is cleared.
	Resend(ctx context.Context, id int64, now time.Time) error
	// DeclareIncident records an outage and, in the same transaction,
	// writes one notice per chosen channel for every appointment booked
	// in its window at its clinics. An appointment is told once per
	// incident whatever happens after.
	DeclareIncident(ctx context.Context, in Incident) (Incident, error)
	// IncidentReach counts, without writing anything, what declaring in
	// would do now: the operator's preview before a notice that cannot
	// be taken back. An invalid incident is EINVALID, as DeclareIncident.
	IncidentReach(ctx context.Context, in Incident) (IncidentReach, error)
	Incidents(ctx context.Context) ([]Incident, error)
}

// IncidentReach is whom an incident's notices would reach.
type IncidentReach struct {
	// Appointments are those booked in the window at the clinics, and
	// Told those of them that a notice reaches (a channel chosen, with
	// a destination): the others the clinic must call.
	Appointments int
	Told         int
	Notices      int // the messages written, as Incident.Notified
}

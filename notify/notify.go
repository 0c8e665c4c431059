// Package notify delivers the messages that the stores write in their
// outbox: booking confirmations, reschedules, cancellations (the
// patient's and the clinic's), reminders, sign-in codes, outage notices,
// proposals and the receipts of fees taken, by email and text message,
// in the patient's language.
//
// The path of a message:
//
//  1. A change and its messages commit in one transaction (the outbox:
//     rdv.MessageStore). Nothing here runs on the booking's path. A
//     booking writes its confirmation only, carrying the time of its
//     reminder: the store writes the reminder when the confirmation's
//     delivery ends, in the transaction that records it.
//  2. The dispatcher makes one background job (River) per message not yet
//     dispatched and due within the hour, unique by message, scheduled at
//     the message's due time (a reminder's), then marks the messages
//     dispatched. A reminder due a day ahead gets its job only when its
//     time nears. The urgent messages (sign-in codes, proposals: someone
//     waits) are read first, apart, and their jobs run first (a higher
//     River priority), however many confirmations wait. While the
//     database's one writer is saturated (SQLite, a burst of bookings),
//     another message waits up to 10 s for its job, so that delivery's
//     writes do not take the writer from the bookings. A crash between
//     making the jobs and marking the messages makes the same jobs again,
//     which River's uniqueness drops.
//  3. The job's worker starts an attempt (BeginSend commits "sending"
//     before the message leaves), renders the message from the current
//     appointment, sends it, and records the outcome. A failure that
//     surely left nothing (refused before the data) is retried with
//     backoff; an address refused for good is bounced, and marked so that
//     later messages to it are bounced without being sent, until a
//     sign-in code verified there clears the mark; retries exhausted,
//     failed (the dead letters operators see). A message found "sending"
//     when its job runs again was cut off by a crash after it may have
//     left: it becomes uncertain and is never resent by itself, so no
//     patient receives one message twice.
//
// Without an SMTP server (make run) the email sender keeps each message
// in the store's record only, whole (status kept), where operators read
// it (« Courriels envoyés »); the same without a text-message provider.
package notify

import (
	"context"
	"errors"

	"rdv"
)

// Envelope is one message rendered for its channel.
type Envelope struct {
	MessageID   int64 // the outbox row: the email's Message-ID derives from it
	Channel     rdv.MessageChannel
	To          string
	Language    string
	Subject     string // email only
	Text        string // the plain-text body; the whole message for SMS
	HTML        string // email only; "" for none
	Attachments []Attachment
}

// Attachment is a file attached to an email (the appointment's .ics).
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Sender delivers envelopes on one channel. Send returns nil once the
// server or provider has accepted the message. Its errors say whether
// the message may have left: an error wrapping ErrRejected means the
// address was refused for good (never retry), one wrapping ErrMaybeSent
// means the message may have been accepted (never retry by itself);
// any other error means it surely did not leave (retry).
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

// Delivery outcomes a Sender reports.
var (
	ErrRejected  = errors.New("recipient refused")
	ErrMaybeSent = errors.New("message may have been delivered")
)

package rdv

import (
	"context"
	"net/url"
	"slices"
	"time"
)

// EventType is what happened to an appointment, as a clinic's webhook
// endpoint hears of it.
type EventType string

// Event types: the changes a clinic's record system follows.
const (
	EventBooked      EventType = "appointment.booked"
	EventCancelled   EventType = "appointment.cancelled"
	EventRescheduled EventType = "appointment.rescheduled"
	EventNoShow      EventType = "appointment.no_show"
)

// EventTypes lists every event type, in the order the portal shows them.
var EventTypes = []EventType{EventBooked, EventCancelled, EventRescheduled, EventNoShow}

// ParseEventType reads an event type by name.
func ParseEventType(s string) (EventType, error) {
	if e := EventType(s); slices.Contains(EventTypes, e) {
		return e, nil
	}
	return "", FieldError("events", "unknown event %q", s)
}

// WebhookEndpoint is an address of a clinic's that hears of its
// appointments' changes, each request signed with the endpoint's secret
// (the Standard Webhooks format: package webhook).
type WebhookEndpoint struct {
	ID       int64
	ClinicID int64
	URL      string
	Events   []EventType
	// Secret signs the requests ("whsec_" and base64): shown to the admin
	// once, and read back by the sender only (WebhookDelivery), which
	// needs it whole to sign.
	Secret    string
	CreatedBy int64
	CreatedAt time.Time
	RemovedAt time.Time // zero: live
}

// Wants reports whether the endpoint hears of events of type e.
func (e WebhookEndpoint) Wants(t EventType) bool { return slices.Contains(e.Events, t) }

// MaxWebhookURL is the longest endpoint address, in bytes.
const MaxWebhookURL = 500

// Validate checks an endpoint before it is stored: a clinic, an https
// address (see ValidWebhookURL), at least one known event (each once)
// and a secret.
func (e WebhookEndpoint) Validate() error {
	if e.ClinicID <= 0 {
		return FieldError("clinic", "clinic missing")
	}
	if err := ValidWebhookURL(e.URL); err != nil {
		return err
	}
	if len(e.Events) == 0 {
		return FieldError("events", "no event chosen")
	}
	seen := map[EventType]bool{}
	for _, t := range e.Events {
		if _, err := ParseEventType(string(t)); err != nil {
			return err
		}
		if seen[t] {
			return FieldError("events", "event %q twice", t)
		}
		seen[t] = true
	}
	if e.Secret == "" {
		return FieldError("secret", "secret missing")
	}
	return nil
}

// ValidWebhookURL checks the address of a webhook endpoint: absolute,
// https, with a host, no user or password and no fragment, at most
// MaxWebhookURL bytes. Where it may lead (no private network) is checked
// by the sender when it connects, for the name may resolve elsewhere
// later.
func ValidWebhookURL(raw string) error {
	if len(raw) > MaxWebhookURL {
		return FieldError("url", "address longer than %d bytes", MaxWebhookURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		return FieldError("url", "not an absolute address: %q", raw)
	case u.Scheme != "https":
		return FieldError("url", "scheme %q: an endpoint is https", u.Scheme)
	case u.User != nil:
		return FieldError("url", "an address with a user or password")
	case u.Fragment != "":
		return FieldError("url", "an address with a fragment")
	}
	return nil
}

// AppointmentEvent is one change of an appointment that a clinic's
// endpoints may hear of: a row of the webhooks' outbox, written in the
// transaction of the change, and only when the clinic has an endpoint
// that wants it. It carries no patient data: an endpoint learns which
// appointment changed, when and with whom, and reads the rest with an
// API token (agenda:read), so a body logged by a receiver or sent to a
// mistyped address tells nobody who is ill.
type AppointmentEvent struct {
	ID             int64
	Type           EventType
	ClinicID       int64
	AppointmentID  int64
	PractitionerID int64
	Service        Service
	Start, End     time.Time
	// PreviousStart and PreviousEnd are a rescheduled appointment's old
	// time (zero otherwise).
	PreviousStart, PreviousEnd time.Time
	Status                     AppointmentStatus // after the change
	OccurredAt                 time.Time
}

// EventOf is the event of a change to a, whose slot is the one it has
// after the change; previous is a rescheduled appointment's old slot.
func EventOf(t EventType, a Appointment, previous *Slot, now time.Time) AppointmentEvent {
	e := AppointmentEvent{Type: t, ClinicID: a.Slot.ClinicID, AppointmentID: a.ID, PractitionerID: a.Slot.PractitionerID,
		Service: a.Slot.Service, Start: a.Slot.Start, End: a.Slot.End, Status: a.Status, OccurredAt: now}
	if previous != nil {
		e.PreviousStart, e.PreviousEnd = previous.Start, previous.End
	}
	return e
}

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// Delivery statuses. A delivery is pending until its first attempt,
// retrying after an attempt that failed while attempts remain, and ends
// delivered (the endpoint answered 2xx) or failed (attempts exhausted:
// the dead end, shown in the portal's log).
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryRetrying  DeliveryStatus = "retrying"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// WebhookDelivery is one event to one endpoint, and the record of its
// attempts.
type WebhookDelivery struct {
	ID         int64
	Event      AppointmentEvent
	EndpointID int64
	// Endpoint is the endpoint as the sender needs it (its URL, and its
	// Secret from WebhookDelivery only).
	Endpoint    WebhookEndpoint
	Status      DeliveryStatus
	Attempts    int
	LastCode    int    // the endpoint's last HTTP status (0: no answer)
	LastError   string // why the last attempt failed, for the clinic
	CreatedAt   time.Time
	LastAttempt time.Time // zero: none yet
}

// WebhookAttempt is how one delivery attempt ended.
type WebhookAttempt struct {
	Status DeliveryStatus // delivered, retrying or failed
	Code   int
	Error  string
	Now    time.Time
}

// WebhookStore keeps the clinics' endpoints, the events of their
// appointments (written by the booking writes, in their transactions)
// and the deliveries made of them.
type WebhookStore interface {
	// AddWebhookEndpoint stores a validated endpoint and returns it with
	// its ID.
	AddWebhookEndpoint(ctx context.Context, e WebhookEndpoint) (WebhookEndpoint, error)
	// WebhookEndpoints lists a clinic's live endpoints, oldest first,
	// without their secrets.
	WebhookEndpoints(ctx context.Context, clinicID int64) ([]WebhookEndpoint, error)
	// RemoveWebhookEndpoint removes a live endpoint of the clinic (another
	// clinic's, or an unknown one, is ENOTFOUND): it hears of nothing
	// more, its deliveries not yet made are given up, and its log stays.
	RemoveWebhookEndpoint(ctx context.Context, clinicID, id int64, now time.Time) error
	// FanOutWebhookEvents makes, for up to limit events not yet fanned
	// out, the oldest first, one pending delivery per live endpoint of
	// their clinic that wants them, and marks them fanned out, in one
	// transaction; it returns how many events it took.
	FanOutWebhookEvents(ctx context.Context, limit int) (int, error)
	// UnqueuedWebhookDeliveries returns up to limit pending deliveries
	// that no job has been made for yet, the oldest first.
	UnqueuedWebhookDeliveries(ctx context.Context, limit int) ([]WebhookDelivery, error)
	// MarkWebhookDeliveriesQueued records that jobs exist for these.
	MarkWebhookDeliveriesQueued(ctx context.Context, ids []int64) error
	// WebhookDelivery returns a delivery with its event and its endpoint,
	// the secret included: the sender's read.
	WebhookDelivery(ctx context.Context, id int64) (WebhookDelivery, error)
	// RecordWebhookAttempt counts an attempt and records how it ended.
	// A delivery already delivered or failed is left as it is.
	RecordWebhookAttempt(ctx context.Context, id int64, a WebhookAttempt) error
	// WebhookDeliveries lists a clinic's deliveries, newest first, at most
	// limit (1 to 500), without secrets: the portal's log.
	WebhookDeliveries(ctx context.Context, clinicID int64, limit int) ([]WebhookDelivery, error)
}

package rdv

import (
	"errors"
	"time"
	"unicode/utf8"
)

// ErrNoDestination: a channel was chosen to hear about an appointment on,
// but neither the patient nor the guardian gave an email (for email) or a
// phone (for text messages).
var ErrNoDestination = errors.New("no email or phone for the channel chosen")

// CheckChannels refuses a channel chosen without a destination: a field
// error on notify.email or notify.sms wrapping ErrNoDestination, so that
// the person gives the contact or unticks the channel instead of waiting
// for a message that cannot leave.
func (a Appointment) CheckChannels() error {
	var errs FieldErrors
	for _, ch := range a.Notify.Channels() {
		if to, _ := a.Contact(ch); to == "" {
			errs.add(&Error{Code: EINVALID, Field: "notify." + string(ch), Detail: "no destination for the channel chosen", Err: ErrNoDestination})
		}
	}
	return errs.err()
}

// Contact returns whom a message about the appointment reaches on a
// channel, and in which language: the patient's own email or phone, else
// the guardian's, who booked for a patient without one (a child). to is ""
// when neither gave one: the channel is skipped.
func (a Appointment) Contact(ch MessageChannel) (to, language string) {
	people := []Patient{a.Patient}
	if a.Guardian != nil {
		people = append(people, *a.Guardian)
	}
	for _, p := range people {
		to = p.Email
		if ch == BySMS {
			to = p.Phone
		}
		if to != "" {
			return to, messageLanguage(p.Language)
		}
	}
	return "", ""
}

// messageLanguage is the language a message is written in: the person's,
// or French, the product's first, when none was recorded.
func messageLanguage(l string) string {
	if l == "en" {
		return "en"
	}
	return "fr"
}

// Notices returns the messages of one kind about the appointment, one per
// channel chosen at booking that has a destination, due at due and
// carrying secret (the link's token, or "" for none). Every store writes
// the messages of a booking's change from it, so that who is told, on
// which channel and in which language is decided once.
func (a Appointment) Notices(kind MessageKind, secret string, due, now time.Time) []Message {
	var out []Message
	for _, ch := range a.Notify.Channels() {
		to, lang := a.Contact(ch)
		if to == "" {
			continue
		}
		out = append(out, Message{Kind: kind, Channel: ch, To: to, Language: lang, AppointmentID: a.ID,
			Revision: a.Revision, Secret: secret, DueAt: due, Status: MessageQueued, CreatedAt: now})
	}
	return out
}

// Confirmations returns the messages of one kind that tell the patient to
// come (a confirmation, or the notice of a new time), due now, each
// bringing its reminder after it, due remindBefore before the
// appointment starts: none when remindBefore is not positive or that time
// is not after now (a booking made the day before is reminded by its
// confirmation).
func (a Appointment) Confirmations(kind MessageKind, remindBefore time.Duration, secret string, now time.Time) []Message {
	ms := a.Notices(kind, secret, now, now)
	if remindBefore <= 0 {
		return ms
	}
	due := a.Slot.Start.Add(-remindBefore)
	if !due.After(now) {
		return ms
	}
	for i := range ms {
		ms[i].ReminderAt = due
	}
	return ms
}

// FollowUp returns the reminder m brings after it, written when m's
// delivery ends as status says, at now: the same channel, destination,
// language, appointment and revision, and m's secret (the link's token,
// which the store keeps nowhere else). None when m brings none, or when
// its delivery ended so that a reminder would be in vain: the destination
// refused it for good (bounced), or the appointment changed so that m
// was no longer true (skipped: a cancellation, or a new time whose notice
// brings its own reminder).
func (m Message) FollowUp(status MessageStatus, now time.Time) (Message, bool) {
	switch {
	case m.ReminderAt.IsZero(), status == MessageQueued, status == MessageSending, status == MessageBounced, status == MessageSkipped:
		return Message{}, false
	}
	return Message{Kind: MessageReminder, Channel: m.Channel, To: m.To, Language: m.Language, AppointmentID: m.AppointmentID,
		Revision: m.Revision, Secret: m.Secret, DueAt: m.ReminderAt, Status: MessageQueued, CreatedAt: now}, true
}

// Limits of an incident: an outage notice is a short message, and an
// incident that names clinics names a region's, not the whole network's
// (which is none named).
const (
	MaxIncidentClinics = 500
	MaxIncidentText    = 2000 // characters, in each language
)

// Validate checks an incident an operator declares: a window that ends
// after it starts, both texts given and printable (line breaks allowed),
// a bounded list of clinics, and the time it is declared at.
func (in Incident) Validate() error {
	var errs FieldErrors
	if in.DeclaredAt.IsZero() {
		errs.add(FieldError("declared_at", "declaration time missing"))
	}
	if in.From.IsZero() || in.To.IsZero() || !in.From.Before(in.To) {
		errs.add(FieldError("to", "the window must end after it starts"))
	}
	for _, t := range []struct{ field, text string }{{"text_fr", in.TextFR}, {"text_en", in.TextEN}} {
		switch n := utf8.RuneCountInString(t.text); {
		case n == 0:
			errs.add(FieldError(t.field, "text missing"))
		case n > MaxIncidentText:
			errs.add(FieldError(t.field, "text of %d characters, at most %d", n, MaxIncidentText))
		default:
			errs.add(CheckLongText(t.field, t.text))
		}
	}
	if len(in.ClinicIDs) > MaxIncidentClinics {
		errs.add(FieldError("clinic_ids", "%d clinics, at most %d", len(in.ClinicIDs), MaxIncidentClinics))
	}
	for _, id := range in.ClinicIDs {
		if id <= 0 {
			errs.add(FieldError("clinic_ids", "clinic ID %d", id))
		}
	}
	return errs.err()
}

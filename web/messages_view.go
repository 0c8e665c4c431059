package web

import (
	"regexp"
	"strings"

	"rdv"
)

// What the staff pages show of the messages written to patients (the
// outbox and the record of what was sent): the operators' « Courriels
// envoyés », a message's own page, and the list of what was sent about
// one appointment on the desk's page and the operators'. A message's
// secret (a sign-in code, the token of the appointment's link) is not
// shown: Messages never returns it, and what the record of a sent message
// holds of it is hidden before the page shows the text. A kept message
// (no sender for its channel: make run) is the exception: it never left,
// its record is the only copy, and reading its code here is how one signs
// in on a laptop.

// messageRow is a message in the page's language.
type messageRow struct {
	ID            int64
	Kind          string
	Channel       string
	To            string // an email address, or a phone as people read it
	Language      string
	Status        rdv.MessageStatus
	StatusText    string
	Attempts      int
	LastError     string
	Created       string
	Sent          string // "" until sent
	AppointmentID int64
	IncidentID    int64
	// Resendable: failed, bounced or uncertain, which operators may send
	// again (rdv.MessageStore.Resend).
	Resendable bool
}

// problemStatuses are the messages that need an operator: the dead
// letters, the addresses that refused, and those a crash cut off.
var problemStatuses = []rdv.MessageStatus{rdv.MessageFailed, rdv.MessageBounced, rdv.MessageUncertain}

func messageRowOf(m rdv.Message, lang string) messageRow {
	row := messageRow{ID: m.ID, Kind: translate(lang, "msg.kind."+string(m.Kind)), Channel: translate(lang, "msg.channel."+string(m.Channel)),
		To: m.To, Language: translate(lang, "lang."+m.Language), Status: m.Status, StatusText: translate(lang, "msg.status."+string(m.Status)),
		Attempts: m.Attempts, LastError: m.LastError, Created: FormatDateTime(m.CreatedAt, lang),
		AppointmentID: m.AppointmentID, IncidentID: m.IncidentID}
	if m.Channel == rdv.BySMS {
		row.To = rdv.FormatPhone(m.To)
	}
	if !m.SentAt.IsZero() {
		row.Sent = FormatDateTime(m.SentAt, lang)
	}
	for _, st := range problemStatuses {
		if m.Status == st {
			row.Resendable = true
		}
	}
	return row
}

func messageRowsOf(ms []rdv.Message, lang string) []messageRow {
	rows := make([]messageRow, len(ms))
	for i, m := range ms {
		rows[i] = messageRowOf(m, lang)
	}
	return rows
}

// Secrets as a message's text carries them: the token of an
// appointment's link, and a sign-in code's six digits.
var (
	linkTokenRE  = regexp.MustCompile(`([?&]token=)[^&\s"'<>]+`)
	signInCodeRE = regexp.MustCompile(`\b[0-9]{6}\b`)
)

// hiddenSecret stands for a secret in a text shown to staff.
const hiddenSecret = "•••"

// hideSecrets returns a message's recorded text without its secret: the
// secret itself when the message still holds it, any link's token, and
// a sign-in code's digits. A kept message is shown whole.
func hideSecrets(m rdv.Message, text string) string {
	if m.Status == rdv.MessageKept {
		return text
	}
	if m.Secret != "" {
		text = strings.ReplaceAll(text, m.Secret, hiddenSecret)
	}
	text = linkTokenRE.ReplaceAllString(text, "${1}"+hiddenSecret)
	if m.Kind == rdv.MessageSignInCode {
		text = signInCodeRE.ReplaceAllString(text, "••••••")
	}
	return text
}

// carriesSecret reports whether a message's text holds a secret that the
// page hides: a sign-in code, or a link that opens the appointment.
func carriesSecret(m rdv.Message, text string) bool {
	if m.Status == rdv.MessageKept {
		return false
	}
	return m.Kind == rdv.MessageSignInCode || linkTokenRE.MatchString(text) || m.Secret != ""
}

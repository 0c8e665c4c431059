package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rdv"
)

// The operators' « Courriels envoyés »: every message written to
// patients, newest first, with what became of it, the dead letters among
// them, and each message's page with the text as it was sent. Without a
// mail server (make run) messages do not leave the platform: this is
// where one reads the confirmation a booking just wrote.

const messagesPath = "/operateur/courriels"

// messagesShown is how many messages the list shows, the newest.
const messagesShown = 100

// operatorMessagesData is what the list shows.
type operatorMessagesData struct {
	Rows     []messageRow
	Status   string // "" (all), "problemes" or "gardes" (kept)
	Channel  string // "" (all), "email" or "sms"
	Statuses []option
	Channels []option
	Shown    int
}

// operatorMessages lists the messages, filtered by status and channel.
func (s *Server) operatorMessages(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r.Context())
	q := r.URL.Query()
	f := rdv.MessageFilter{Limit: messagesShown}
	data := operatorMessagesData{Shown: messagesShown}
	switch q.Get("statut") {
	case "problemes":
		data.Status, f.Statuses = "problemes", problemStatuses
	case "gardes":
		data.Status, f.Statuses = "gardes", []rdv.MessageStatus{rdv.MessageKept}
	}
	switch ch := rdv.MessageChannel(q.Get("canal")); ch {
	case rdv.ByEmail, rdv.BySMS:
		data.Channel, f.Channel = string(ch), ch
	}
	data.Statuses = []option{
		{Value: "", Label: translate(lang, "msgs.filter.all"), Selected: data.Status == ""},
		{Value: "problemes", Label: translate(lang, "msgs.filter.problems"), Selected: data.Status == "problemes"},
		{Value: "gardes", Label: translate(lang, "msgs.filter.kept"), Selected: data.Status == "gardes"},
	}
	data.Channels = []option{{Value: "", Label: translate(lang, "msgs.filter.any_channel"), Selected: data.Channel == ""}}
	for _, ch := range []rdv.MessageChannel{rdv.ByEmail, rdv.BySMS} {
		data.Channels = append(data.Channels, option{Value: string(ch), Label: translate(lang, "msg.channel."+string(ch)), Selected: data.Channel == string(ch)})
	}
	ms, err := s.d.Store.Messages(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditMessagesRead, messageRecords(ms...)) {
		return
	}
	data.Rows = messageRowsOf(ms, lang)
	s.render(w, r, http.StatusOK, "operator_messages", &page{Title: "msgs.title", Data: data})
}

// operatorMessageData is what a message's page shows.
type operatorMessageData struct {
	Row     messageRow
	Subject string
	Body    string
	Due     string // when it may leave, if not when it was written (a reminder)
	// Recorded: the message has left, and Subject and Body are what it
	// said; Waiting: it has not yet, and its text is recorded when it
	// does.
	Recorded, Waiting bool
	// Hidden: the text carried a secret that the page hides. Kept: the
	// message never left, and its text is shown whole.
	Hidden, Kept bool
	// Others are the messages about the same appointment.
	Others []messageRow
}

// operatorMessage shows one message with its text as sent.
func (s *Server) operatorMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	m, err := s.d.Store.Message(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r.Context())
	data := operatorMessageData{Row: messageRowOf(m, lang), Subject: hideSecrets(m, m.Subject), Body: hideSecrets(m, m.Body),
		Recorded: m.Subject != "" || m.Body != "", Waiting: m.Status == rdv.MessageQueued || m.Status == rdv.MessageSending,
		Hidden: carriesSecret(m, m.Subject+"\n"+m.Body), Kept: m.Status == rdv.MessageKept}
	if !m.DueAt.Equal(m.CreatedAt) {
		data.Due = FormatDateTime(m.DueAt, lang)
	}
	m.Secret = "" // never past this point
	if m.AppointmentID != 0 {
		about, err := s.d.Store.Messages(r.Context(), rdv.MessageFilter{AppointmentID: m.AppointmentID})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, o := range about {
			if o.ID != m.ID {
				data.Others = append(data.Others, messageRowOf(o, lang))
			}
		}
	}
	if !s.recordRead(w, r, rdv.AuditMessagesRead, messageRecords(m)) {
		return
	}
	notice := ""
	switch avis := r.URL.Query().Get("avis"); avis {
	case "resent", "not_resendable":
		notice = "msg.notice." + avis
	}
	s.render(w, r, http.StatusOK, "operator_message", &page{Title: "msg.title", Data: data, NoticeKey: notice})
}

// resendMessage queues a failed, bounced or uncertain message again. One
// that is none of those (sent since, or queued already) is left as it is,
// and the page says so.
func (s *Server) resendMessage(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	path := messagesPath + "/" + strconv.FormatInt(id, 10)
	switch err := s.d.Store.Resend(r.Context(), id, s.d.Engine.Now()); {
	case err == nil:
		a, _ := s.account(r)
		s.log.InfoContext(r.Context(), "message queued again", "message", id, "account", a.ID)
		http.Redirect(w, r, path+"?"+url.Values{"avis": {"resent"}}.Encode(), http.StatusSeeOther)
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		// Not a message, or not one to send again: its page tells which.
		if _, err := s.d.Store.Message(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, path+"?"+url.Values{"avis": {"not_resendable"}}.Encode(), http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// messageRecords names the appointments that messages are about: a
// message's destination and text are its patient's data.
func messageRecords(ms ...rdv.Message) rdv.AuditRecords {
	var r rdv.AuditRecords
	for _, m := range ms {
		r.Appointments = append(r.Appointments, m.AppointmentID)
	}
	return r.With(rdv.AuditRecords{})
}

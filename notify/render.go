package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"rdv"
	"rdv/fees"
	"rdv/i18n"
	"rdv/ical"
)

//go:embed templates/*
var templateFS embed.FS

// The messages' templates, one define per kind in each: plain text and
// HTML for email (html/template escapes what a clinic or an operator
// wrote), one line for a text message.
var (
	emailText = texttemplate.Must(texttemplate.New("").ParseFS(templateFS, "templates/email.txt.tmpl"))
	emailHTML = htmltemplate.Must(htmltemplate.New("").ParseFS(templateFS, "templates/email.html.tmpl"))
	smsText   = texttemplate.Must(texttemplate.New("").ParseFS(templateFS, "templates/sms.txt.tmpl"))
)

// SMSMaxChars is the longest text message rendered, in characters: two
// segments of a message with accents (UCS-2 segments hold 67 characters
// each once joined, GSM-7 ones 153; 320 keeps most messages to a few
// segments whatever the alphabet, and every one readable on one screen).
const SMSMaxChars = 320

// Links are the site's addresses that messages carry.
type Links struct {
	// Base is the site's public URL, as people reach it
	// ("https://rdv.example.org"); links are built from it and never
	// from a request.
	Base string
}

// The paths of the site's pages that messages link to, as web registers
// them (web/routes.go). The sign-in is the patients' (by a code), not
// the staff's at /connexion.
const (
	searchPath  = "/recherche"
	requestPath = "/demande"
	signInPath  = "/compte/connexion"
)

// page is the absolute link of a page of the site, in lang: an English
// reader's link carries the language switch, so that the page opens in
// the message's language whatever the browser asks for.
func (l Links) page(path string, q url.Values, lang string) string {
	if lang == "en" {
		q.Set(i18n.Query, "en")
	}
	link := strings.TrimSuffix(l.Base, "/") + path
	if len(q) > 0 {
		link += "?" + q.Encode()
	}
	return link
}

// appointment is the link of an appointment's own page, with the token
// that opens it (web's appointmentURL).
func (l Links) appointment(id int64, token, lang string) string {
	return l.page("/rendez-vous/"+strconv.FormatInt(id, 10), url.Values{"token": {token}}, lang)
}

// request is the link of a request's own page, opened by a proposal's
// token, where its person accepts or declines the proposal (web's
// requestPagePathFor).
func (l Links) request(reference, token, lang string) string {
	return l.page(requestPath+"/"+url.PathEscape(reference), url.Values{"token": {token}}, lang)
}

// search is a search for the appointment's service near its clinic's
// city: the way to another appointment once one is cancelled.
func (l Links) search(a *rdv.Appointment, c *rdv.Clinic, lang string) string {
	return l.page(searchPath, url.Values{"service": {string(a.Slot.Service)}, "lieu": {c.City}}, lang)
}

// Facts are what rendering a message needs besides the message: the
// current appointment it is about, where and with whom, the incident of
// an outage notice, and the site's address.
type Facts struct {
	Appointment  *rdv.Appointment // nil for a sign-in code
	Clinic       *rdv.Clinic      // the appointment's clinic
	Practitioner string           // the appointment's practitioner, as the clinic writes the name
	Incident     *rdv.Incident    // an outage notice's
	Links        Links
	Now          time.Time // the .ics file's stamp

	// Proposal is a proposal message's slot held for a request, and
	// Request that request (its reference and person); Clinic and
	// Practitioner are then the slot's.
	Proposal *rdv.Proposal
	Request  *rdv.AppointmentRequest

	// Receipt is a receipt's message's: the fee taken for the request
	// the appointment was booked for, in the message's language.
	Receipt *fees.Receipt
}

// needsAppointment lists the kinds that tell about one appointment.
var needsAppointment = map[rdv.MessageKind]bool{
	rdv.MessageConfirmed: true, rdv.MessageRescheduled: true, rdv.MessageCancelled: true,
	rdv.MessageCancelledByClinic: true, rdv.MessageReminder: true,
}

// attachesCalendar lists the kinds whose email carries the appointment's
// .ics: the event it adds to a calendar, then the same event (one UID, a
// higher SEQUENCE) moved or cancelled.
var attachesCalendar = map[rdv.MessageKind]bool{
	rdv.MessageConfirmed: true, rdv.MessageRescheduled: true, rdv.MessageCancelled: true,
	rdv.MessageCancelledByClinic: true,
}

// Render writes a message for its channel, in its language, from the
// facts as they stand: an email's subject, plain text, HTML and
// attachments, or a text message of at most SMSMaxChars characters. It
// never writes a health number: none of the facts it reads holds one
// that it shows.
func Render(m rdv.Message, f Facts) (Envelope, error) {
	e, err := render(m, f)
	if err != nil {
		return Envelope{}, fmt.Errorf("render message %d (%s by %s): %w", m.ID, m.Kind, m.Channel, err)
	}
	return e, nil
}

func render(m rdv.Message, f Facts) (Envelope, error) {
	v, err := newView(m, f)
	if err != nil {
		return Envelope{}, err
	}
	e := Envelope{MessageID: m.ID, Channel: m.Channel, To: m.To, Language: v.Lang}
	switch m.Channel {
	case rdv.ByEmail:
		e.Subject = v.subject()
		if e.Text, err = v.emailText(); err != nil {
			return Envelope{}, err
		}
		if e.HTML, err = v.emailHTML(e.Subject); err != nil {
			return Envelope{}, err
		}
		if attachesCalendar[m.Kind] {
			e.Attachments = append(e.Attachments, v.calendar())
		}
	case rdv.BySMS:
		if e.Text, err = v.sms(); err != nil {
			return Envelope{}, err
		}
	default:
		return Envelope{}, fmt.Errorf("unknown channel %q", m.Channel)
	}
	return e, nil
}

// view is what the templates show, every text already in the message's
// language.
type view struct {
	Lang string
	Kind rdv.MessageKind

	// The appointment, when the message is about one.
	When         string // its day, with the year, and time
	Patient      string // the person seen
	Service      string
	Practitioner string // with the title in Lang
	Clinic       string
	Place        string // the clinic's name, address and city
	Address      string // the clinic's address and city
	Phone        string // the clinic's
	Number       int64

	// Manage is the appointment's own page, "" when the message no
	// longer carries the token that opens it (a message sent again by an
	// operator after its secret was wiped): then it points to SignIn.
	Manage  string
	SignIn  string
	Search  string // another appointment like the one cancelled
	Request string // the form that asks for one to be found

	Code    string // a sign-in code
	Minutes int    // how long the code is valid
	Notice  []string
	Receipt *fees.Receipt // a receipt's

	// A proposal: the request's page, where it is answered, and when
	// the answer is due (the time, or the day and time when it is not
	// the day the proposal was made).
	Answer  string
	Expires string
	// Moves is, for a proposal to a place on the waitlist, the time of
	// the appointment it would move earlier ("" for any other).
	Moves string

	m rdv.Message
	f Facts
}

// newView checks that the facts hold what the message's kind tells and
// gathers them.
func newView(m rdv.Message, f Facts) (*view, error) {
	if f.Links.Base == "" {
		return nil, errors.New("no public address to build links from")
	}
	v := &view{Lang: "fr", Kind: m.Kind, m: m, f: f}
	if m.Language == "en" {
		v.Lang = "en"
	}
	v.SignIn = f.Links.page(signInPath, url.Values{}, v.Lang)
	v.Request = f.Links.page(requestPath, url.Values{}, v.Lang)
	switch {
	case needsAppointment[m.Kind], m.Kind == rdv.MessageOutage:
	case m.Kind == rdv.MessageProposal:
		return v.proposal()
	case m.Kind == rdv.MessageReceipt, m.Kind == rdv.MessageRefundReceipt:
		// A document to keep: by email only, with no link (nothing to
		// answer, and no secret to carry).
		switch {
		case m.Channel != rdv.ByEmail:
			return nil, errors.New("a receipt goes by email only")
		case f.Receipt == nil:
			return nil, errors.New("a receipt's message without its receipt")
		}
		v.Receipt = f.Receipt
		return v, nil
	case m.Kind == rdv.MessageSignInCode:
		if m.Secret == "" {
			return nil, errors.New("a sign-in code without its code")
		}
		v.Code, v.Minutes = m.Secret, int(rdv.SignInCodeTTL/time.Minute)
		return v, nil
	default:
		return nil, fmt.Errorf("unknown kind %q", m.Kind)
	}
	if m.Kind == rdv.MessageOutage {
		if f.Incident == nil {
			return nil, errors.New("an outage notice without its incident")
		}
		v.Notice = paragraphs(i18n.Text{f.Incident.TextFR, f.Incident.TextEN}.In(v.Lang))
		if len(v.Notice) == 0 { // an operator wrote one language only
			v.Notice = paragraphs(f.Incident.TextFR + "\n" + f.Incident.TextEN)
		}
		if f.Appointment == nil {
			return v, nil
		}
	}
	a, c := f.Appointment, f.Clinic
	if a == nil || c == nil {
		return nil, errors.New("a message about an appointment without the appointment and its clinic")
	}
	v.When = i18n.FormatFullDateTime(a.Slot.Start, v.Lang)
	v.Patient = strings.TrimSpace(a.Patient.FirstName + " " + a.Patient.LastName)
	v.Service = a.Slot.Service.Name(v.Lang)
	if f.Practitioner != "" {
		v.Practitioner = i18n.PractitionerName(f.Practitioner, v.Lang)
	}
	v.Clinic, v.Phone, v.Number = c.Name, c.Phone, a.ID
	v.Address = c.Address + ", " + c.City
	v.Place = c.Name + ", " + v.Address
	v.Search = f.Links.search(a, c, v.Lang)
	if m.Secret != "" && m.Kind != rdv.MessageOutage {
		v.Manage = f.Links.appointment(a.ID, m.Secret, v.Lang)
	}
	return v, nil
}

// proposal gathers a proposal message's facts: the slot held, where and
// with whom, the request's page and when the answer is due.
func (v *view) proposal() (*view, error) {
	p, r, c := v.f.Proposal, v.f.Request, v.f.Clinic
	switch {
	case p == nil || r == nil || c == nil:
		return nil, errors.New("a proposal message without its proposal, request and clinic")
	case v.m.Secret == "":
		// Its link is all it is for: a proposal's message sent again
		// without its token would ask for an answer it cannot take.
		return nil, errors.New("a proposal message without its token")
	}
	v.When = i18n.FormatFullDateTime(p.Slot.Start, v.Lang)
	v.Patient = strings.TrimSpace(r.FirstName + " " + r.LastName)
	v.Service = p.Slot.Service.Name(v.Lang)
	if v.f.Practitioner != "" {
		v.Practitioner = i18n.PractitionerName(v.f.Practitioner, v.Lang)
	}
	v.Clinic, v.Phone = c.Name, c.Phone
	v.Address = c.Address + ", " + c.City
	v.Place = c.Name + ", " + v.Address
	v.Answer = v.f.Links.request(r.Reference, v.m.Secret, v.Lang)
	if r.IsMove() {
		// Its range ends at the appointment's start.
		v.Moves = i18n.FormatFullDateTime(r.To, v.Lang)
	}
	v.Expires = i18n.FormatClock(p.ExpiresAt, v.Lang)
	if rdv.DateOf(p.ExpiresAt) != rdv.DateOf(p.CreatedAt) {
		v.Expires = i18n.FormatDateTime(p.ExpiresAt, v.Lang)
	}
	return v, nil
}

// paragraphs splits an operator's text into its non-empty lines.
func paragraphs(s string) []string {
	var ps []string
	for _, p := range strings.Split(s, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// T returns the text of key in the message's language.
func (v *view) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// Detail writes one line of an appointment's details: « Lieu : … ».
func (v *view) Detail(label string, value any) string {
	return v.T("notify.detail", v.T(label), fmt.Sprint(value))
}

// Colon writes a text that introduces what follows it: « … : ».
func (v *view) Colon(key string, args ...any) string { return v.T("notify.colon", v.T(key, args...)) }

// N returns the count text of key for n in the message's language.
func (v *view) N(key string, n int, args ...any) string { return i18n.N(v.Lang, key, n, args...) }

// ColonN is Colon for a count text.
func (v *view) ColonN(key string, n int, args ...any) string {
	return v.T("notify.colon", v.N(key, n, args...))
}

// subject is the email's subject.
func (v *view) subject() string {
	switch {
	case v.Kind == rdv.MessageSignInCode:
		return v.T("notify.signin_code.subject")
	case v.Kind == rdv.MessageReceipt, v.Kind == rdv.MessageRefundReceipt:
		return v.Receipt.Title
	case v.Kind == rdv.MessageOutage && v.When == "":
		return v.T("notify.outage.subject.none")
	case v.Kind == rdv.MessageProposal && v.Moves != "":
		return v.T("notify.move.subject", v.When)
	}
	return v.T("notify."+string(v.Kind)+".subject", v.When)
}

// blankLines matches the blank lines that the templates' structure
// leaves, more than one in a row.
var blankLines = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+\n`)

// emailText is the email's plain text, in paragraphs.
func (v *view) emailText() (string, error) {
	var b bytes.Buffer
	if err := emailText.ExecuteTemplate(&b, string(v.Kind), v); err != nil {
		return "", fmt.Errorf("text: %w", err)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(b.String(), "\n\n")) + "\n", nil
}

// emailHTML is the email's HTML part.
func (v *view) emailHTML(subject string) (string, error) {
	var b bytes.Buffer
	data := struct {
		*view
		Subject string
	}{v, subject}
	if err := emailHTML.ExecuteTemplate(&b, string(v.Kind), data); err != nil {
		return "", fmt.Errorf("html: %w", err)
	}
	return b.String(), nil
}

// sms is the text message: its full form, else its short form (without
// the place), else with the operator's notice cut to fit.
func (v *view) sms() (string, error) {
	names := []string{string(v.Kind), string(v.Kind) + ".short"}
	if v.Kind == rdv.MessageOutage && v.When == "" {
		names = []string{"outage.none"}
	}
	var s string
	for _, name := range names {
		if smsText.Lookup(name) == nil {
			continue
		}
		var b bytes.Buffer
		if err := smsText.ExecuteTemplate(&b, name, v); err != nil {
			return "", fmt.Errorf("sms: %w", err)
		}
		if s = strings.Join(strings.Fields(b.String()), " "); utf8.RuneCountInString(s) <= SMSMaxChars {
			return s, nil
		}
	}
	if v.Kind == rdv.MessageOutage {
		notice := v.SMSNotice()
		over := utf8.RuneCountInString(s) - SMSMaxChars
		if keep := utf8.RuneCountInString(notice) - over - 1; keep > 0 {
			short := string([]rune(notice)[:keep]) + "…"
			return strings.Replace(s, notice, short, 1), nil
		}
	}
	return "", fmt.Errorf("text message of %d characters, more than %d", utf8.RuneCountInString(s), SMSMaxChars)
}

// Link is the way to the appointment: its own page, or the sign-in page
// when the message no longer carries the page's token.
func (v *view) Link() string {
	if v.Manage != "" {
		return v.Manage
	}
	return v.SignIn
}

// SMSNotice is the operator's notice on one line, for a text message.
func (v *view) SMSNotice() string {
	return strings.Join(strings.Fields(strings.Join(v.Notice, " ")), " ")
}

// calendar is the appointment's .ics file: the event its page serves,
// linking to the same page.
func (v *view) calendar() Attachment {
	a := *v.f.Appointment
	visit := ical.Visit{Appointment: a, Clinic: *v.f.Clinic, Practitioner: v.f.Practitioner}
	if v.m.Secret != "" {
		visit.URL = v.f.Links.appointment(a.ID, v.m.Secret, "")
	}
	return Attachment{
		Name:        fmt.Sprintf("rendez-vous-%d.ics", a.ID),
		ContentType: "text/calendar; charset=utf-8; method=PUBLISH",
		Data:        []byte(ical.Write(ical.AppointmentEvent(visit, v.Lang, v.f.Now))),
	}
}

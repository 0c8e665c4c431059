package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"rdv"
)

// The SMTP sender's time limits: to reach the server, and for the whole
// conversation of one message, after which it is cut off.
const (
	smtpConnectTimeout = 10 * time.Second
	smtpSendTimeout    = 30 * time.Second
)

// SMTP sends emails through a mail server, one connection per message
// (github.com/wneessen/go-mail).
type SMTP struct {
	host        string
	port        int
	implicitTLS bool // smtps: TLS from the first byte; else STARTTLS when offered
	user, pass  string
	from        *netmail.Address
	domain      string // the sender's, for the Message-IDs
	// tlsConfig replaces the default (the system's roots, the server's
	// host name) in tests, whose server's certificate is their own.
	tlsConfig *tls.Config
}

var _ Sender = (*SMTP)(nil)

// NewSMTP makes the sender for the mail server at rawURL,
// smtp://user:pass@host:port (port 587 by default, STARTTLS when the
// server offers it) or smtps://user:pass@host:port (TLS from the first
// byte, port 465 by default); the credentials are optional. from is the
// emails' sender, an address with or without a name: "rdv
// <rdv@example.org>".
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail server URL: %w", err)
	}
	s := &SMTP{host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicitTLS = 465, true
	default:
		return nil, fmt.Errorf("mail server URL %s: want smtp:// or smtps://", redactURL(u))
	}
	if s.host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("mail server URL %s: want %s://[user:pass@]host[:port], nothing after", redactURL(u), u.Scheme)
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("mail server URL %s: port %q", redactURL(u), p)
		}
	}
	if u.User != nil {
		var ok bool
		s.user = u.User.Username()
		if s.pass, ok = u.User.Password(); !ok || s.user == "" {
			return nil, fmt.Errorf("mail server URL %s: want both a user and a password, or neither", redactURL(u))
		}
	}
	if s.from, err = netmail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, err)
	}
	at := strings.LastIndexByte(s.from.Address, '@')
	if at < 0 || at == len(s.from.Address)-1 {
		return nil, fmt.Errorf("sender %q: an address needs a domain", from)
	}
	s.domain = s.from.Address[at+1:]
	return s, nil
}

// redactURL writes a mail server's URL without its password.
func redactURL(u *url.URL) string { return u.Redacted() }

// String names the server, without credentials, for logs.
func (s *SMTP) String() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	return scheme + "://" + net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// Send delivers the email. It returns nil once the server has accepted
// it. Its errors say what may have happened (see Sender): a recipient
// that the server refuses for good (5xx to RCPT TO), or a message it
// refuses for good at the end of the data, wraps ErrRejected; a
// conversation cut off after the whole message was written and before
// the server answered (a timeout, a dropped connection) wraps
// ErrMaybeSent; anything else (the server unreachable, TLS, credentials,
// MAIL FROM, a temporary refusal) surely sent nothing, to be retried.
func (s *SMTP) Send(ctx context.Context, e Envelope) error {
	if e.Channel != rdv.ByEmail {
		return fmt.Errorf("email %d: a %s message given to the mail server", e.MessageID, e.Channel)
	}
	msg, err := s.message(e)
	if err != nil {
		return fmt.Errorf("email %d: %w", e.MessageID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, smtpSendTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if time.Until(deadline) <= 0 || ctx.Err() != nil {
		return fmt.Errorf("email %d: no time left to send: %w", e.MessageID, context.Cause(ctx))
	}
	var cutOff func() bool // stops closing the connection when ctx ends
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{Timeout: smtpConnectTimeout}
		var conn net.Conn
		var err error
		if s.implicitTLS {
			conn, err = (&tls.Dialer{NetDialer: d, Config: s.tlsFor()}).DialContext(dctx, network, addr)
		} else {
			conn, err = d.DialContext(dctx, network, addr)
		}
		if err == nil {
			// The server's answers are read under deadlines; a
			// cancelled send (a shutdown) closes the connection at once.
			cutOff = context.AfterFunc(ctx, func() { _ = conn.Close() })
		}
		return conn, err
	}
	opts := []mail.Option{
		mail.WithPort(s.port),
		// The deadline of every exchange: whatever is left of the send's.
		mail.WithTimeout(time.Until(deadline)),
		mail.WithDialContextFunc(dial),
		mail.WithTLSConfig(s.tlsFor()),
	}
	if s.implicitTLS {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if s.user != "" {
		// PLAIN and LOGIN refuse to send the password in the clear to
		// any server but this machine.
		opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(s.user), mail.WithPassword(s.pass))
	}
	client, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("email %d: mail client: %w", e.MessageID, err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if cutOff != nil {
		defer cutOff()
	}
	if err != nil {
		return fmt.Errorf("email %d: reach %s: %s", e.MessageID, s, redact(err.Error(), e.To))
	}
	err = client.SendWithSMTPClient(conn, msg)
	// QUIT: what it answers changes nothing once the message is in.
	_ = client.CloseWithSMTPClient(conn)
	return classify(e, err)
}

// tlsFor is the TLS configuration for the server.
func (s *SMTP) tlsFor() *tls.Config {
	if s.tlsConfig != nil {
		return s.tlsConfig
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// message builds the email: From, To, the subject (UTF-8), a Message-ID
// derived from the outbox row (the same for every attempt, so that a
// server or a mailbox that has one already may drop the other), the
// language, the plain text with its HTML alternative, the attachments.
func (s *SMTP) message(e Envelope) (*mail.Msg, error) {
	m := mail.NewMsg()
	m.FromMailAddress(s.from)
	if err := m.To(e.To); err != nil {
		// An address no server can take: never worth another try.
		return nil, fmt.Errorf("recipient: %s: %w", redact(err.Error(), e.To), ErrRejected)
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(fmt.Sprintf("msg-%d.rdv@%s", e.MessageID, s.domain))
	m.SetGenHeader(mail.HeaderContentLang, e.Language)
	// RFC 3834: no out-of-office answer to a message nobody reads.
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	for _, a := range e.Attachments {
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return m, nil
}

// classify turns go-mail's account of a delivery into the Sender's
// outcomes: where the conversation stopped says whether the message may
// have left.
func classify(e Envelope, err error) error {
	if err == nil {
		return nil
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("email %d: %s", e.MessageID, redact(err.Error(), e.To))
	}
	why := fmt.Errorf("email %d: %s", e.MessageID, redact(sendErrorText(se), e.To))
	code := se.ErrorCode()
	switch se.Reason {
	case mail.ErrSMTPRcptTo:
		if code >= 500 {
			return fmt.Errorf("%w: %w", why, ErrRejected)
		}
	case mail.ErrSMTPDataClose:
		// The whole message was written. An answer is no ambiguity: a
		// permanent refusal of the message is as final as one of the
		// address, a temporary one sent nothing. No answer is.
		switch {
		case code >= 500:
			return fmt.Errorf("%w: %w", why, ErrRejected)
		case code >= 400:
			return why
		}
		return fmt.Errorf("%w: %w", why, ErrMaybeSent)
	case mail.ErrSMTPReset:
		// The server had accepted the message; only the RSET that
		// readies the connection for another failed.
		return nil
	}
	return why
}

// sendErrorText is a SendError's account without the recipients and the
// message's ID that go-mail appends.
func sendErrorText(se *mail.SendError) string {
	s := se.Error()
	for _, tail := range []string{", affected recipient(s): ", ", affected message ID: "} {
		if i := strings.Index(s, tail); i >= 0 {
			s = s[:i]
		}
	}
	return s
}

// redact takes the recipient's address out of an error's text (a server's
// answer often repeats it): errors reach operators' pages and logs,
// which hold no patient's address.
func redact(s, address string) string {
	if address == "" {
		return s
	}
	return strings.ReplaceAll(s, address, "[recipient]")
}

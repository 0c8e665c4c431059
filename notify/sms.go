package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"rdv"
)

// SMSProvider is a Sender of text messages (rdv.BySMS) through a
// provider's API: it takes the envelope's Text to its To, a number in
// E.164 form.
type SMSProvider interface {
	Sender
}

// Keep is the sender of a platform that has no mail server or no
// text-message provider (make run): it sends nothing. The worker records
// each message it is given as kept, its subject and body whole, secret
// included: nothing left the machine, and that record is the only copy,
// which operators read (« Courriels envoyés »).
var Keep Sender = keep{}

type keep struct{}

func (keep) Send(context.Context, Envelope) error { return nil }

// smsSendTimeout bounds one request to the provider.
const smsSendTimeout = 30 * time.Second

// TwilioSMS sends text messages through Twilio's Messages API (a form
// POSTed to /2010-04-01/Accounts/{SID}/Messages.json with the account's
// SID and token as basic credentials), the request shape most providers'
// guides show.
type TwilioSMS struct {
	endpoint   string
	sid, token string
	from       string
	client     *http.Client
}

var _ SMSProvider = (*TwilioSMS)(nil)

// NewTwilioSMS makes the provider for the account in rawURL,
// https://SID:TOKEN@api.twilio.com (plain http is taken for this machine
// only, for tests), sending from the number from.
func NewTwilioSMS(rawURL, from string) (*TwilioSMS, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("text-message provider URL: %w", err)
	}
	loopback := u.Hostname() == "localhost" || net.ParseIP(u.Hostname()).IsLoopback()
	if (u.Scheme != "https" && !(u.Scheme == "http" && loopback)) || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("text-message provider URL %s: want https://SID:TOKEN@host", u.Redacted())
	}
	t := &TwilioSMS{client: &http.Client{}}
	if u.User != nil {
		t.sid = u.User.Username()
		t.token, _ = u.User.Password()
	}
	if t.sid == "" || t.token == "" || strings.ContainsAny(t.sid, "/?#") {
		return nil, fmt.Errorf("text-message provider URL %s: want the account's SID and token as its user and password", u.Redacted())
	}
	var ok bool
	if t.from, ok = rdv.NormalizePhone(from); !ok {
		return nil, fmt.Errorf("text-message sender %q: want a phone number, such as +15145550123", from)
	}
	t.endpoint = u.Scheme + "://" + u.Host + "/2010-04-01/Accounts/" + url.PathEscape(t.sid) + "/Messages.json"
	return t, nil
}

// twilioRefusals are the codes of Twilio's errors that say the number
// cannot take text messages (invalid, unreachable, not a mobile, or its
// owner answered STOP): never worth another try.
// https://www.twilio.com/docs/api/errors
var twilioRefusals = map[int]bool{
	21211: true, // invalid 'To' phone number
	21217: true, // phone number does not appear to be valid
	21610: true, // the recipient unsubscribed (STOP)
	21612: true, // the 'To' number cannot be reached by text message
	21614: true, // 'To' is not a valid mobile number
}

// twilioError is the body of a Twilio API error.
type twilioError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// Send posts the text message. It returns nil once the provider has
// taken it (2xx). A number the provider refuses for good wraps
// ErrRejected; no answer after the whole request was written (a timeout,
// a connection cut) wraps ErrMaybeSent; anything else (unreachable, 5xx,
// 429, credentials) surely sent nothing, to be retried.
func (t *TwilioSMS) Send(ctx context.Context, e Envelope) error {
	if e.Channel != rdv.BySMS {
		return fmt.Errorf("text message %d: a %s message given to the text-message provider", e.MessageID, e.Channel)
	}
	to, ok := rdv.NormalizePhone(e.To)
	if !ok {
		return fmt.Errorf("text message %d: the recipient is no phone number: %w", e.MessageID, ErrRejected)
	}
	ctx, cancel := context.WithTimeout(ctx, smsSendTimeout)
	defer cancel()
	var written atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(w httptrace.WroteRequestInfo) { written.Store(w.Err == nil) },
	})
	form := url.Values{"To": {to}, "From": {t.from}, "Body": {e.Text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("text message %d: %w", e.MessageID, err)
	}
	req.SetBasicAuth(t.sid, t.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		err = fmt.Errorf("text message %d: %s", e.MessageID, redact(err.Error(), t.token))
		if written.Load() {
			// The provider has the whole request and did not say what
			// it did with it.
			return fmt.Errorf("%w: %w", err, ErrMaybeSent)
		}
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var te twilioError
	_ = json.Unmarshal(body, &te) // a body that is no Twilio error leaves the code 0
	why := fmt.Errorf("text message %d: provider answered %s (code %d: %s)", e.MessageID, resp.Status, te.Code, redact(te.Message, to))
	if resp.StatusCode/100 == 4 && twilioRefusals[te.Code] {
		return fmt.Errorf("%w: %w", why, ErrRejected)
	}
	return why
}

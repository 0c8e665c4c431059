package notify

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
)

func TestNewTwilioSMS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, from string
		ok        bool
		endpoint  string
	}{
		{"https://AC123:s3cr3t@api.twilio.com", "+1 514 555 0100", true, "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"},
		{"https://AC123:s3cr3t@api.twilio.com/", "514-555-0100", true, "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"},
		{"http://AC123:s3cr3t@127.0.0.1:8080", "+15145550100", true, "http://127.0.0.1:8080/2010-04-01/Accounts/AC123/Messages.json"},
		{"http://AC123:s3cr3t@api.twilio.com", "+15145550100", false, ""}, // credentials in the clear
		{"https://api.twilio.com", "+15145550100", false, ""},
		{"https://AC123@api.twilio.com", "+15145550100", false, ""},
		{"https://AC123:s3cr3t@api.twilio.com/2010-04-01", "+15145550100", false, ""},
		{"https://AC123:s3cr3t@api.twilio.com", "", false, ""},
		{"https://AC123:s3cr3t@api.twilio.com", "rdv", false, ""},
		{"ftp://AC123:s3cr3t@api.twilio.com", "+15145550100", false, ""},
	}
	for _, tt := range tests {
		s, err := NewTwilioSMS(tt.url, tt.from)
		if (err == nil) != tt.ok {
			t.Errorf("NewTwilioSMS(%q, %q): %v, want ok %v", tt.url, tt.from, err, tt.ok)
			continue
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("NewTwilioSMS(%q): the error shows the token: %v", tt.url, err)
		}
		if err == nil && (s.endpoint != tt.endpoint || s.from != "+15145550100") {
			t.Errorf("NewTwilioSMS(%q) posts to %s from %s", tt.url, s.endpoint, s.from)
		}
	}
}

// twilio is a stand-in for Twilio's Messages API that checks the shape
// of each request and answers as the test says.
type twilio struct {
	t      *testing.T
	answer func(w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	received []map[string]string
}

func (tw *twilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := tw.t
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/AC123/Messages.json" || !ok || user != "AC123" || pass != "s3cr3t" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("request %s %s as %q:%q, type %q", r.Method, r.URL.Path, user, pass, r.Header.Get("Content-Type"))
		http.Error(w, `{"code":20003,"message":"Authenticate","status":401}`, http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil {
		t.Errorf("form: %v", err)
	}
	got := map[string]string{"To": r.PostForm.Get("To"), "From": r.PostForm.Get("From"), "Body": r.PostForm.Get("Body")}
	tw.mu.Lock()
	tw.received = append(tw.received, got)
	tw.mu.Unlock()
	tw.answer(w, r)
}

func (tw *twilio) count() int {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return len(tw.received)
}

// answerJSON answers with a status and a Twilio body.
func answerJSON(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// TestTwilioSMS sends a rendered reminder to a stand-in for Twilio's API
// and checks the request's shape, then how each answer classifies.
func TestTwilioSMS(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name     string
		answer   func(http.ResponseWriter, *http.Request)
		timeout  time.Duration
		want     string
		received int
	}{
		{"created", answerJSON(http.StatusCreated, `{"sid":"SM1","status":"queued"}`), 0, "sent", 1},
		{"invalid number", answerJSON(http.StatusBadRequest, `{"code":21211,"message":"The 'To' number +15145550123 is not a valid phone number.","status":400}`), 0, "rejected", 1},
		{"unsubscribed", answerJSON(http.StatusBadRequest, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`), 0, "rejected", 1},
		{"our sender refused", answerJSON(http.StatusBadRequest, `{"code":21606,"message":"The From phone number is not a valid, SMS-capable inbound phone number","status":400}`), 0, "retry", 1},
		{"too many requests", answerJSON(http.StatusTooManyRequests, `{"code":20429,"message":"Too Many Requests","status":429}`), 0, "retry", 1},
		{"provider down", answerJSON(http.StatusServiceUnavailable, `<html>unavailable</html>`), 0, "retry", 1},
		{"no answer", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}, 300 * time.Millisecond, "maybe sent", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tw := &twilio{t: t, answer: tt.answer}
			srv := httptest.NewServer(tw)
			defer srv.Close()
			p, err := NewTwilioSMS(strings.Replace(srv.URL, "http://", "http://AC123:s3cr3t@", 1), "+1 514 555 0100")
			if err != nil {
				t.Fatal(err)
			}
			e, err := Render(testMessage(rdv.MessageReminder, rdv.BySMS, "fr"), testFacts())
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			err = p.Send(ctx, e)
			if got := outcome(err); got != tt.want {
				t.Fatalf("%s (%v), want %s", got, err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "+15145550123") || strings.Contains(err.Error(), "s3cr3t")) {
				t.Errorf("the error names the number or the token: %v", err)
			}
			if tw.count() != tt.received {
				t.Fatalf("the provider got %d requests, want %d", tw.count(), tt.received)
			}
			got := tw.received[0]
			if got["To"] != "+15145550123" || got["From"] != "+15145550100" || got["Body"] != e.Text {
				t.Errorf("form %v, want the reminder %q", got, e.Text)
			}
		})
	}
}

// TestTwilioSMSNotReached: a provider that cannot be reached surely got
// nothing: retry. A number that is none is refused before any request.
func TestTwilioSMSNotReached(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p, err := NewTwilioSMS("http://AC123:s3cr3t@"+addr, "+15145550100")
	if err != nil {
		t.Fatal(err)
	}
	e := Envelope{MessageID: 7, Channel: rdv.BySMS, To: "+15145550123", Text: "Rappel"}
	if err := p.Send(context.Background(), e); outcome(err) != "retry" {
		t.Errorf("unreachable provider: %s (%v), want retry", outcome(err), err)
	}
	e.To = "pas un numéro"
	if err := p.Send(context.Background(), e); outcome(err) != "rejected" {
		t.Errorf("no number: %s (%v), want rejected", outcome(err), err)
	}
	e.To, e.Channel = "lea@example.org", rdv.ByEmail
	if err := p.Send(context.Background(), e); outcome(err) != "retry" {
		t.Errorf("an email to the text-message provider: %s (%v)", outcome(err), err)
	}
}

func TestKeep(t *testing.T) {
	t.Parallel()
	for _, ch := range []rdv.MessageChannel{rdv.ByEmail, rdv.BySMS} {
		if err := Keep.Send(context.Background(), Envelope{MessageID: 1, Channel: ch}); err != nil {
			t.Errorf("%s: %v", ch, err)
		}
	}
}

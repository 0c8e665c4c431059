package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/ical"
	"rdv/ical/icaltest"
	"rdv/notify/smtptest"
)

const testFrom = "Rendez-vous santé Québec <rdv@example.org>"

// newTestSMTP makes the sender for srv, trusting its certificate.
func newTestSMTP(t *testing.T, srv *smtptest.Server, userinfo string) *SMTP {
	t.Helper()
	u := srv.URL()
	if userinfo != "" {
		u = strings.Replace(u, "://", "://"+userinfo+"@", 1)
	}
	s, err := NewSMTP(u, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	if roots := srv.RootCAs(); roots != nil {
		s.tlsConfig = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	}
	return s
}

func TestNewSMTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, from string
		ok        bool
		addr      string
		implicit  bool
		user      string
	}{
		{"smtp://mail.example.org", testFrom, true, "smtp://mail.example.org:587", false, ""},
		{"smtp://u%40x:p%3Ass@mail.example.org:2525/", "rdv@example.org", true, "smtp://mail.example.org:2525", false, "u@x"},
		{"smtps://u:p@mail.example.org", testFrom, true, "smtps://mail.example.org:465", true, "u"},
		{"smtp://[::1]:25", testFrom, true, "smtp://[::1]:25", false, ""},
		{"http://mail.example.org", testFrom, false, "", false, ""},
		{"smtp://", testFrom, false, "", false, ""},
		{"smtp://mail.example.org:0", testFrom, false, "", false, ""},
		{"smtp://mail.example.org:70000", testFrom, false, "", false, ""},
		{"smtp://mail.example.org/path", testFrom, false, "", false, ""},
		{"smtp://mail.example.org?x=1", testFrom, false, "", false, ""},
		{"smtp://user@mail.example.org", testFrom, false, "", false, ""},
		{"mail.example.org:587", testFrom, false, "", false, ""},
		{"smtp://mail.example.org", "", false, "", false, ""},
		{"smtp://mail.example.org", "rdv", false, "", false, ""},
		{"smtp://mail.example.org", "rdv <rdv@>", false, "", false, ""},
	}
	for _, tt := range tests {
		s, err := NewSMTP(tt.url, tt.from)
		if (err == nil) != tt.ok {
			t.Errorf("NewSMTP(%q, %q): %v, want ok %v", tt.url, tt.from, err, tt.ok)
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), ":p@") || strings.Contains(err.Error(), "p%3Ass") {
				t.Errorf("NewSMTP(%q): the error shows the password: %v", tt.url, err)
			}
			continue
		}
		if s.String() != tt.addr || s.implicitTLS != tt.implicit || s.user != tt.user {
			t.Errorf("NewSMTP(%q) = %s implicit %v user %q", tt.url, s, s.implicitTLS, s.user)
		}
	}
}

// TestSMTPDelivers renders a confirmation in each language and sends it
// to a real server, with credentials, in the clear to this machine, with
// STARTTLS and with TLS from the first byte; the server receives what the
// patient reads: the headers, the subject decoded, the language, the text
// and HTML with the appointment's link, and the .ics.
func TestSMTPDelivers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts []smtptest.Option
		tls  bool
	}{
		{"plain", nil, false},
		{"starttls", []smtptest.Option{smtptest.WithSTARTTLS()}, true},
		{"implicit tls", []smtptest.Option{smtptest.WithImplicitTLS()}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tt.opts...)
			srv.RequireAuth("rdv", "s3cret:pass")
			s := newTestSMTP(t, srv, "rdv:s3cret%3Apass")
			for i, lang := range []string{"fr", "en"} {
				m := testMessage(rdv.MessageConfirmed, rdv.ByEmail, lang)
				m.ID = int64(901 + i)
				e, err := Render(m, testFacts())
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Send(context.Background(), e); err != nil {
					t.Fatalf("%s: %v", lang, err)
				}
				got := srv.Wait(t, i+1, 5*time.Second)[i]
				checkDelivered(t, got, e)
				if got.TLS != tt.tls || got.User != "rdv" {
					t.Errorf("%s: over TLS %v as %q, want TLS %v as rdv", lang, got.TLS, got.User, tt.tls)
				}
			}
			if n := srv.Connections(); n != 2 {
				t.Errorf("%d connections for 2 messages", n)
			}
		})
	}
}

// checkDelivered compares what the server received with the envelope.
func checkDelivered(t *testing.T, got smtptest.Received, e Envelope) {
	t.Helper()
	h := got.Header
	if got.From != "rdv@example.org" || len(got.To) != 1 || got.To[0] != e.To {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	if from := h.Get("From"); !strings.Contains(from, "<rdv@example.org>") {
		t.Errorf("From: %q", from)
	}
	if addrs, err := h.AddressList("From"); err != nil || addrs[0].Name != "Rendez-vous santé Québec" {
		t.Errorf("From's name: %v %v", addrs, err)
	}
	if to := h.Get("To"); !strings.Contains(to, e.To) {
		t.Errorf("To: %q", to)
	}
	if got.Subject != e.Subject {
		t.Errorf("Subject %q, want %q", got.Subject, e.Subject)
	}
	if want := "<msg-" + strconv.FormatInt(e.MessageID, 10) + ".rdv@example.org>"; h.Get("Message-Id") != want {
		t.Errorf("Message-ID %q, want %q", h.Get("Message-Id"), want)
	}
	if h.Get("Content-Language") != e.Language || h.Get("Auto-Submitted") != "auto-generated" || h.Get("Date") == "" {
		t.Errorf("Content-Language %q, Auto-Submitted %q, Date %q", h.Get("Content-Language"), h.Get("Auto-Submitted"), h.Get("Date"))
	}
	if strings.TrimSpace(got.Text) != strings.TrimSpace(e.Text) {
		t.Errorf("text part:\n%s\nwant:\n%s", got.Text, e.Text)
	}
	if strings.TrimSpace(got.HTML) != strings.TrimSpace(e.HTML) {
		t.Errorf("HTML part differs:\n%s", got.HTML)
	}
	link := testBase + "/rendez-vous/42?"
	if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, `href="`+link) {
		t.Errorf("no appointment link %s", link)
	}
	if len(got.Attachments) != len(e.Attachments) {
		t.Fatalf("%d attachments, want %d", len(got.Attachments), len(e.Attachments))
	}
	for i, a := range got.Attachments {
		want := e.Attachments[i]
		if a.Name != want.Name || !strings.HasPrefix(a.ContentType, "text/calendar;") || !strings.Contains(a.ContentType, "method=PUBLISH") || string(a.Data) != string(want.Data) {
			t.Errorf("attachment %q of type %q (%d bytes), want %q", a.Name, a.ContentType, len(a.Data), want.Name)
		}
		if uid := icaltest.MustParse(t, string(a.Data)).Event(t).Prop("UID"); uid != ical.UID(42) {
			t.Errorf("attachment's UID %q", uid)
		}
	}
	if strings.Contains(string(got.Raw), testNumber) {
		t.Error("the email holds the health number")
	}
}

// outcome names how a Sender's error classifies a delivery.
func outcome(err error) string {
	switch {
	case err == nil:
		return "sent"
	case errors.Is(err, ErrRejected):
		return "rejected"
	case errors.Is(err, ErrMaybeSent):
		return "maybe sent"
	}
	return "retry"
}

// TestSMTPClassifies drives the server through each failure and checks
// what the sender says of it, and what the server holds: a message that
// surely did not arrive is "retry", one that did or may have is never
// "retry".
func TestSMTPClassifies(t *testing.T) {
	t.Parallel()
	down := func() string { // a port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "smtp://" + l.Addr().String()
	}()
	tests := []struct {
		name     string
		set      func(*smtptest.Server)
		url      string // "" for the server's
		userinfo string
		to       string
		timeout  time.Duration
		want     string
		received int // messages the server holds after it
	}{
		{name: "accepted", want: "sent", received: 1},
		{name: "slow but in time", set: func(s *smtptest.Server) { s.SetDelay(50 * time.Millisecond) }, want: "sent", received: 1},
		{name: "recipient refused", set: func(s *smtptest.Server) { s.Refuse("lea@example.org") }, want: "rejected"},
		{name: "recipient greylisted", set: func(s *smtptest.Server) { s.SetFault(smtptest.TempFailRcpt, 1) }, want: "retry"},
		{name: "mail from refused for now", set: func(s *smtptest.Server) { s.SetFault(smtptest.TempFailMail, 1) }, want: "retry"},
		{name: "message refused for now", set: func(s *smtptest.Server) { s.SetFault(smtptest.TempFailData, 1) }, want: "retry"},
		{name: "message refused for good", set: func(s *smtptest.Server) { s.SetFault(smtptest.RefuseData, 1) }, want: "rejected"},
		{name: "dropped after the data", set: func(s *smtptest.Server) { s.SetFault(smtptest.DropAfterData, 1) }, want: "maybe sent", received: 1},
		{name: "hangs after the data", set: func(s *smtptest.Server) { s.SetFault(smtptest.HangAfterData, 1) }, timeout: 500 * time.Millisecond, want: "maybe sent", received: 1},
		{name: "too slow to greet", set: func(s *smtptest.Server) { s.SetDelay(3 * time.Second) }, timeout: 300 * time.Millisecond, want: "retry"},
		{name: "wrong password", set: func(s *smtptest.Server) { s.RequireAuth("rdv", "right") }, userinfo: "rdv:wrong", want: "retry"},
		{name: "credentials needed", set: func(s *smtptest.Server) { s.RequireAuth("rdv", "right") }, want: "retry"},
		{name: "server down", url: down, want: "retry"},
		{name: "no address at all", to: "pas une adresse", want: "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			if tt.set != nil {
				tt.set(srv)
			}
			s := newTestSMTP(t, srv, tt.userinfo)
			if tt.url != "" {
				var err error
				if s, err = NewSMTP(tt.url, testFrom); err != nil {
					t.Fatal(err)
				}
			}
			e, err := Render(testMessage(rdv.MessageConfirmed, rdv.ByEmail, "fr"), testFacts())
			if err != nil {
				t.Fatal(err)
			}
			if tt.to != "" {
				e.To = tt.to
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			err = s.Send(ctx, e)
			if got := outcome(err); got != tt.want {
				t.Fatalf("%s (%v), want %s", got, err, tt.want)
			}
			if tt.timeout > 0 && time.Since(start) > tt.timeout+2*time.Second {
				t.Errorf("took %s for a send of %s", time.Since(start), tt.timeout)
			}
			if err != nil && strings.Contains(err.Error(), e.To) && tt.to == "" {
				t.Errorf("the error names the recipient: %v", err)
			}
			if n := len(srv.Messages()); n != tt.received {
				t.Errorf("the server holds %d messages, want %d", n, tt.received)
			}
		})
	}
}

// TestSMTPCancelled: a send whose context ends (a shutdown) stops at once,
// and says the message may have left when the data was written.
func TestSMTPCancelled(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.SetFault(smtptest.HangAfterData, smtptest.Always)
	s := newTestSMTP(t, srv, "")
	e, err := Render(testMessage(rdv.MessageReminder, rdv.ByEmail, "en"), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Send(ctx, e) }()
	srv.Wait(t, 1, 5*time.Second)
	cancel()
	select {
	case err := <-done:
		if outcome(err) != "maybe sent" {
			t.Errorf("%s (%v), want maybe sent", outcome(err), err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the send did not stop when its context ended")
	}
	if err := s.Send(ctx, e); outcome(err) != "retry" {
		t.Errorf("a send with no time left: %s (%v)", outcome(err), err)
	}
}

func TestSMTPRefusesOtherChannels(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newTestSMTP(t, srv, "")
	if err := s.Send(context.Background(), Envelope{MessageID: 1, Channel: rdv.BySMS, To: "+15145550123", Text: "x"}); err == nil {
		t.Fatal("the mail server took a text message")
	}
	if srv.Connections() != 0 {
		t.Error("connected for a message it cannot send")
	}
}

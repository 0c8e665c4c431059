// Package smtptest runs a real SMTP server for tests (built on
// github.com/emersion/go-smtp, on 127.0.0.1 and a free port): the
// messages it receives come back parsed (headers decoded, the text and
// HTML parts and the attachments), and knobs make it fail the ways mail
// servers fail, so that tests see how the sender classifies each: a
// recipient refused for good, a temporary refusal, a slow server, and one
// that takes the whole message and then hangs or hangs up without
// answering (the message may or may not have been delivered).
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Fault is a way the server fails a message.
type Fault int

// The faults. Each applies to the transactions (messages) that reach its
// stage while it is set.
const (
	Healthy Fault = iota
	// TempFailMail answers 451 to MAIL FROM: the server cannot take
	// mail now; nothing was sent.
	TempFailMail
	// TempFailRcpt answers 451 to RCPT TO: the recipient cannot be
	// taken now (greylisting); nothing was sent.
	TempFailRcpt
	// TempFailData answers 451 at the end of the data: the server took
	// the message and said it keeps nothing of it, for now.
	TempFailData
	// RefuseData answers 554 at the end of the data: the server took the
	// message and refuses it for good (its content, its size).
	RefuseData
	// DropAfterData takes the whole message, keeps it, and closes the
	// connection without answering: the sender cannot know whether it
	// was delivered.
	DropAfterData
	// HangAfterData takes the whole message, keeps it, and never
	// answers, until the test ends: the sender times out, not knowing.
	HangAfterData
)

// Always makes a fault last until it is set again.
const Always = -1

// Received is a message the server accepted, or took whole and then
// left unanswered (DropAfterData, HangAfterData).
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	User string   // who authenticated, "" for nobody
	TLS  bool     // whether it came over TLS (STARTTLS or implicit)
	At   time.Time
	Raw  []byte
	Message
}

// Server is a running SMTP server; Start stops it when the test ends.
type Server struct {
	// Addr is the server's host:port.
	Addr string

	srv      *smtp.Server
	startTLS bool
	implicit bool
	roots    *x509.CertPool
	stop     chan struct{} // closed when the test ends: hung sessions return

	mu        sync.Mutex
	received  []Received
	arrived   chan struct{} // closed and replaced when a message arrives
	conns     int
	refused   map[string]bool
	fault     Fault
	faultLeft int
	delay     time.Duration
	user      string // required credentials, when user != ""
	pass      string
}

// Option chooses how a server is reached.
type Option func(*Server)

// WithSTARTTLS makes the server offer STARTTLS, with a certificate for
// 127.0.0.1 that RootCAs trusts.
func WithSTARTTLS() Option { return func(s *Server) { s.startTLS = true } }

// WithImplicitTLS makes the server speak TLS from the first byte (smtps,
// usually port 465), with a certificate for 127.0.0.1 that RootCAs
// trusts.
func WithImplicitTLS() Option { return func(s *Server) { s.implicit = true } }

// Start starts a server on 127.0.0.1 and a free port, stopped by
// t.Cleanup. It accepts any message and any credentials until its knobs
// say otherwise; AUTH PLAIN is offered without TLS too, so that tests can
// send user:pass.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{stop: make(chan struct{}), arrived: make(chan struct{}), refused: map[string]bool{}}
	srv := smtp.NewServer(s)
	srv.Domain = "smtptest.localhost"
	srv.AllowInsecureAuth = true
	srv.EnableSMTPUTF8 = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = discardLog{}
	s.srv = srv
	for _, o := range opts {
		o(s)
	}
	var ln net.Listener
	var err error
	if s.startTLS || s.implicit {
		cert, roots, cerr := certificate()
		if cerr != nil {
			t.Fatalf("smtptest: %v", cerr)
		}
		s.roots = roots
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if s.implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(&countingListener{Listener: ln, s: s})
	}()
	t.Cleanup(func() {
		close(s.stop)
		_ = srv.Close()
		// A test that ends at once may close the server before Serve
		// has registered the listener: close it here too.
		_ = ln.Close()
		<-done
	})
	return s
}

// URL is the server's address as rdv's --smtp takes it:
// "smtp://127.0.0.1:port", or "smtps://…" for implicit TLS.
func (s *Server) URL() string {
	if s.implicit {
		return "smtps://" + s.Addr
	}
	return "smtp://" + s.Addr
}

// RootCAs trusts the server's certificate (nil without TLS).
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Wait waits until n messages have been received and returns them,
// failing t when they have not within timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.received), s.arrived
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtptest: %d messages received within %s, want %d", got, timeout, n)
			return nil
		}
	}
}

// Connections is how many connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Refuse makes the server refuse addr for good: 550 to RCPT TO.
func (s *Server) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[strings.ToLower(addr)] = true
}

// SetFault makes the next times transactions that reach f's stage fail
// with f (Always: until set again; Healthy clears it).
func (s *Server) SetFault(f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faultLeft = f, times
}

// SetDelay makes the server wait d before each answer to EHLO, MAIL,
// RCPT and the end of the data: a slow server.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// RequireAuth makes the server refuse mail from a client that has not
// authenticated as user with pass.
func (s *Server) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// take reports whether the fault f applies to a transaction now,
// counting it.
func (s *Server) take(f Fault) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fault != f || s.faultLeft == 0 {
		return false
	}
	if s.faultLeft > 0 {
		s.faultLeft--
	}
	return true
}

// wait sleeps the configured delay, or less when the test ends.
func (s *Server) wait() {
	s.mu.Lock()
	d := s.delay
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-s.stop:
	}
}

func (s *Server) record(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// NewSession starts a session at EHLO (smtp.Backend).
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.wait()
	return &session{s: s, conn: c}, nil
}

// session is one connection's conversation.
type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var (
	errAuthNeeded = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errBadAuth    = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	errTempMail   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	errTempRcpt   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"}
	errNoMailbox  = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	errTempData   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error in processing, try again later"}
	errRefuseData = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused"}
	errDropped    = errors.New("smtptest: connection dropped after the data")
)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		ss.s.mu.Lock()
		user, pass := ss.s.user, ss.s.pass
		ss.s.mu.Unlock()
		if user != "" && (username != user || password != pass) {
			return errBadAuth
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	ss.s.wait()
	ss.s.mu.Lock()
	needAuth := ss.s.user != ""
	ss.s.mu.Unlock()
	if needAuth && ss.user == "" {
		return errAuthNeeded
	}
	if ss.s.take(TempFailMail) {
		return errTempMail
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	ss.s.wait()
	ss.s.mu.Lock()
	refused := ss.s.refused[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if refused {
		return errNoMailbox
	}
	if ss.s.take(TempFailRcpt) {
		return errTempRcpt
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch {
	case ss.s.take(TempFailData):
		return errTempData
	case ss.s.take(RefuseData):
		return errRefuseData
	}
	_, isTLS := ss.conn.TLSConnectionState()
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), User: ss.user, TLS: isTLS, At: time.Now(), Raw: raw}
	if rec.Message, err = Parse(raw); err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Malformed message: " + err.Error()}
	}
	// The message is kept before any fault: in the ambiguous cases it
	// did arrive, and the test sees that it did.
	ss.s.record(rec)
	switch {
	case ss.s.take(DropAfterData):
		_ = ss.conn.Conn().Close()
		return errDropped
	case ss.s.take(HangAfterData):
		<-ss.s.stop
		return errDropped
	}
	ss.s.wait()
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// countingListener counts the connections the server accepts.
type countingListener struct {
	net.Listener
	s *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

// certificate makes a self-signed certificate for 127.0.0.1 and
// localhost, and the pool that trusts it.
func certificate() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}

// discardLog keeps the server's complaints about the connections that
// tests break on purpose out of the test output.
type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

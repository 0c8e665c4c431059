package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"rdv"
	"rdv/notify/smtptest"
	"rdv/postgres"
	"rdv/sqlite"
)

// The crash child's settings, in its environment: the store's kind, the
// database and the mail server.
const (
	crashChildEnv = "RDV_NOTIFY_CRASH_CHILD"
	crashDBEnv    = "RDV_NOTIFY_CRASH_DB"
	crashSMTPEnv  = "RDV_NOTIFY_CRASH_SMTP"
)

// crashExit is the crash child's exit status: the process died right
// after the mail server accepted a message.
const crashExit = 3

// TestDeliveryCrashAfterSend stops a process between sending a message
// and recording it: a child process (this test binary) delivers through
// the real mail server and exits the moment the server has accepted the
// message, before it records the outcome. Delivery restarted on the same
// database takes the job for a crashed one, finds the message sending and
// marks it uncertain: the server holds exactly one message.
func TestDeliveryCrashAfterSend(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		a := d.book(t, "lea@example.org", 0)

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestDeliveryCrashChild$", "-test.count", "1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+d.kind, crashDBEnv+"="+d.where, crashSMTPEnv+"="+mail.URL())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != crashExit {
			t.Fatalf("child: %v, want exit status %d:\n%s", err, crashExit, out)
		}
		if n := len(mail.Messages()); n != 1 {
			t.Fatalf("the child sent %d messages before it died, want 1", n)
		}
		m := d.messages(t, a.ID)[rdv.MessageConfirmed]
		if m.Status != rdv.MessageSending || m.Attempts != 1 {
			t.Fatalf("after the crash: %s after %d attempts; want sending after 1", m.Status, m.Attempts)
		}

		// Restarted, with a short rescue: River's leadership passes once
		// the dead process's lease runs out, then its job is rescued.
		began := time.Now()
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail), RescueAfter: time.Second}))
		m = d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageUncertain, 50*time.Second)
		t.Logf("marked uncertain %s after the restart", time.Since(began).Round(time.Second))
		if m.LastError == "" || m.Attempts != 1 {
			t.Errorf("uncertain: %+v; want why, and no second attempt", m)
		}
		time.Sleep(time.Second)
		if n := len(mail.Messages()); n != 1 {
			t.Fatalf("%d messages at the server after the restart, want exactly 1", n)
		}
	})
}

// TestDeliveryCrashChild is the crash child of TestDeliveryCrashAfterSend;
// it runs only in the child's environment.
func TestDeliveryCrashChild(t *testing.T) {
	kind := os.Getenv(crashChildEnv)
	if kind == "" {
		t.Skip("the crash test's child process, run by TestDeliveryCrashAfterSend")
	}
	ctx := context.Background()
	where := os.Getenv(crashDBEnv)
	d := &deliveryDB{kind: kind, where: where}
	switch kind {
	case "sqlite":
		s, err := sqlite.Open(ctx, where, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.store = s
	default:
		s, err := postgres.Open(ctx, where, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		d.store = s
	}
	smtp, err := NewSMTP(os.Getenv(crashSMTPEnv), "rdv <rdv@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	n := openDelivery(t, d, Config{
		Senders: map[rdv.MessageChannel]Sender{rdv.ByEmail: dieAfterSend{smtp}},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_ = n.Run(runCtx)
	t.Fatal("the child sent nothing within 30 s")
}

// dieAfterSend ends the process as soon as a message has left: a crash
// between the send and the record of it.
type dieAfterSend struct{ Sender }

func (s dieAfterSend) Send(ctx context.Context, e Envelope) error {
	err := s.Sender.Send(ctx, e)
	if err == nil {
		os.Exit(crashExit)
	}
	return err
}

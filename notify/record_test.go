package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/notify/smtptest"
)

// TestDeliveryRecordKeepsNoSecret: once a message has left, the store's
// record of what it said (the text staff read) holds neither the link's
// token nor the sign-in code: both open something to whoever reads them.
func TestDeliveryRecordKeepsNoSecret(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail)}))
		a := d.book(t, "lea@example.org", 0)
		const code = "482913"
		err := d.store.IssueSignInCode(context.Background(), rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: "lea@example.org",
			Code: code, CodeHash: "hash of the code", Language: "fr", Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		got := mail.Wait(t, 2, 10*time.Second)
		sent := strings.Join([]string{got[0].Text, got[1].Text}, "\n")
		if !strings.Contains(sent, a.CancelToken) || !strings.Contains(sent, code) {
			t.Fatalf("the emails should carry the token and the code:\n%s", sent)
		}
		confirmed := d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageSent, 5*time.Second)
		signin := d.waitSignIn(t, 5*time.Second)
		for _, tt := range []struct {
			m      rdv.Message
			secret string
		}{{confirmed, a.CancelToken}, {signin, code}} {
			m, err := d.store.Message(context.Background(), tt.m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Body == "" {
				t.Errorf("%s: no text recorded", m.Kind)
			}
			if strings.Contains(m.Subject, tt.secret) || strings.Contains(m.Body, tt.secret) {
				t.Errorf("%s: the record keeps the secret %q:\n%s\n%s", m.Kind, tt.secret, m.Subject, m.Body)
			}
		}
	})
}

// waitSignIn waits until the sign-in code's message has been sent, and
// returns it.
func (d *deliveryDB) waitSignIn(t testing.TB, within time.Duration) rdv.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ms, err := d.store.Messages(context.Background(), rdv.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Kind == rdv.MessageSignInCode && m.Status == rdv.MessageSent {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sign-in code sent after %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeliveryRecordKeptWhole: without a sender (make run) nothing leaves
// the platform: each message is recorded kept, its text whole, the link's
// token and the sign-in code included, for the record is its only copy
// and what a newcomer reads to sign in. The secret's own column is wiped
// all the same.
func TestDeliveryRecordKeptWhole(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		run(t, openDelivery(t, d, Config{Senders: map[rdv.MessageChannel]Sender{rdv.ByEmail: Keep}}))
		a := d.book(t, "lea@example.org", 0)
		const code = "482913"
		err := d.store.IssueSignInCode(context.Background(), rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: "lea@example.org",
			Code: code, CodeHash: "hash of the code", Language: "fr", Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		confirmed := d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageKept, 10*time.Second)
		signin := d.waitKind(t, rdv.MessageSignInCode, rdv.MessageKept, 10*time.Second)
		for _, tt := range []struct {
			m      rdv.Message
			secret string
		}{{confirmed, a.CancelToken}, {signin, code}} {
			m, err := d.store.Message(context.Background(), tt.m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject == "" || !strings.Contains(m.Body, tt.secret) || strings.Contains(m.Body, hiddenSecret) {
				t.Errorf("%s kept: the record should hold the text whole with %q:\n%s\n%s", m.Kind, tt.secret, m.Subject, m.Body)
			}
			if m.Secret != "" || m.SentAt.IsZero() || m.Attempts != 1 {
				t.Errorf("%s kept: secret %q, kept at %v, %d attempts; want the column wiped, a time, one attempt", m.Kind, m.Secret, m.SentAt, m.Attempts)
			}
		}
	})
}

// waitKind waits until a message of kind (the newest) has status, and
// returns it.
func (d *deliveryDB) waitKind(t testing.TB, kind rdv.MessageKind, status rdv.MessageStatus, within time.Duration) rdv.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ms, err := d.store.Messages(context.Background(), rdv.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Kind == kind && m.Status == status {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s message %s after %s", kind, status, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

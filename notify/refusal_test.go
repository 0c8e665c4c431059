package notify

import (
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/notify/smtptest"
)

// TestDeliveryRefusedAddress: an address the server refused for good is
// marked, and the next message to it is bounced without reaching the
// server: it would only be refused again.
func TestDeliveryRefusedAddress(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		mail.Refuse("nobody@example.org")
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail)}))
		first := d.book(t, "nobody@example.org", 0)
		m := d.waitStatus(t, first.ID, rdv.MessageConfirmed, rdv.MessageBounced, 10*time.Second)
		if !strings.Contains(m.LastError, "550") {
			t.Errorf("first bounce %+v; want the server's answer", m)
		}
		if mail.Connections() != 1 {
			t.Fatalf("%d connections for the first message, want 1", mail.Connections())
		}
		second := d.book(t, "nobody@example.org", 0)
		m = d.waitStatus(t, second.ID, rdv.MessageConfirmed, rdv.MessageBounced, 10*time.Second)
		if m.Attempts != 1 || !strings.HasPrefix(m.LastError, "address refused on ") {
			t.Errorf("second bounce %+v; want one attempt, refused at the mark", m)
		}
		// Another address still reaches the server.
		d.book(t, "lea@example.org", 0)
		mail.Wait(t, 1, 10*time.Second)
		if n := mail.Connections(); n != 2 {
			t.Fatalf("%d connections; want 2: the second message to the refused address never reached the server", n)
		}
	})
}

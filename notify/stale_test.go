package notify

import (
	"context"
	"testing"
	"time"

	"rdv"
	"rdv/notify/smtptest"
)

// TestDeliveryConfirmationOfCancelled: a confirmation that had not left
// when its appointment was cancelled (the mail server down for a while)
// is skipped: jobs run in no set order, and a « confirmed » read after
// the cancellation would send the patient to an appointment that is gone.
func TestDeliveryConfirmationOfCancelled(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		n := openDelivery(t, d, Config{Senders: emailTo(t, mail)})
		a := d.book(t, "lea@example.org", 0)
		if _, _, err := d.store.Cancel(context.Background(), rdv.CancelRequest{AppointmentID: a.ID, ByStaff: true, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		run(t, n)
		d.waitStatus(t, a.ID, rdv.MessageCancelledByClinic, rdv.MessageSent, 10*time.Second)
		m := d.waitStatus(t, a.ID, rdv.MessageConfirmed, rdv.MessageSkipped, 5*time.Second)
		if m.LastError == "" {
			t.Errorf("skipped %+v; want why", m)
		}
		time.Sleep(500 * time.Millisecond)
		if got := mail.Messages(); len(got) != 1 {
			t.Fatalf("%d emails, want only the cancellation", len(got))
		}
	})
}

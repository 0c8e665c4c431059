package notify

import (
	"testing"

	"rdv"
	"rdv/ical/icaltest"
)

// TestICALJSReadsAttachments: every calendar an email attaches (booked,
// moved, cancelled by either side, in each language, with and without
// its link) is read by ical.js, all in one run.
func TestICALJSReadsAttachments(t *testing.T) {
	t.Parallel()
	icaltest.RequireICALJS(t)
	var bodies []string
	for _, kind := range []rdv.MessageKind{rdv.MessageConfirmed, rdv.MessageRescheduled, rdv.MessageCancelled, rdv.MessageCancelledByClinic} {
		for _, lang := range []string{"fr", "en"} {
			for _, secret := range []bool{true, false} {
				m := testMessage(kind, rdv.ByEmail, lang)
				if !secret {
					m.Secret = "" // an operator's resend: no link
				}
				e, err := Render(m, factsFor(kind))
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range e.Attachments {
					bodies = append(bodies, string(a.Data))
				}
			}
		}
	}
	icaltest.MustICALJS(t, bodies)
}

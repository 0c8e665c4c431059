package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/i18n"
	"rdv/notify/smtptest"
	"rdv/storetest"
)

// propose files a request for the Plateau clinic's general consultations
// (its person reached by email at to, in lang) and proposes it the next
// free slot there, with its own token, as the matcher does. It returns
// the request, the proposal and the token.
func (d *deliveryDB) propose(t testing.TB, to, lang string) (rdv.AppointmentRequest, rdv.Proposal, string) {
	t.Helper()
	d.mu.Lock()
	var slot rdv.Slot
	for i, s := range d.free {
		if s.ClinicID == 1 && s.Service == rdv.General {
			slot = s
			d.free = append(d.free[:i:i], d.free[i+1:]...)
			break
		}
	}
	d.seq++
	seq := d.seq
	d.mu.Unlock()
	if slot.ID == 0 {
		t.Fatal("no free slot left at the Plateau clinic")
	}
	ctx, now := context.Background(), time.Now()
	r := storetest.MatchRequest(fmt.Sprintf("D-MAIL-%d", seq), now)
	r.Email, r.Phone, r.Language, r.To = to, "", lang, now.AddDate(0, 0, 14)
	r, err := d.store.AddRequest(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	token := auth.RandomToken(24)
	p, _, err := d.store.Propose(ctx, rdv.ProposeRequest{ProposalID: fmt.Sprintf("p_mail_%d", seq), RequestID: r.ID, SlotID: slot.ID,
		TTL: rdv.DefaultProposalTTL, Now: now, Token: token, TokenHash: auth.HashToken(token)})
	if err != nil {
		t.Fatalf("propose slot %d: %v", slot.ID, err)
	}
	return r, p, token
}

// proposalMessage waits for the email of a proposal to have status.
func (d *deliveryDB) proposalMessage(t testing.TB, proposalID string, status rdv.MessageStatus, within time.Duration) rdv.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ms, err := d.store.Messages(context.Background(), rdv.MessageFilter{Channel: rdv.ByEmail, Limit: rdv.MaxMessages})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.ProposalID == proposalID && m.Status == status {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the email of proposal %s not %s after %v", proposalID, status, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeliveryProposal: a proposal's email reaches the mail server in the
// request's language, names the slot (the clinic, its address, the
// practitioner, the time in the clinic's zone) and when to answer by, and
// links to the request's page with the proposal's token, which the
// store's record of it no longer holds.
func TestDeliveryProposal(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		run(t, openDelivery(t, d, Config{Senders: emailTo(t, mail)}))
		for i, lang := range []string{"fr", "en"} {
			to := lang + "@example.org"
			r, p, token := d.propose(t, to, lang)
			got := mail.Wait(t, i+1, 10*time.Second)[i]
			link := "https://rdv.example.org/demande/" + r.Reference + "?token=" + token
			deadline := "Répondez avant " + deadlineOf(p, "fr")
			want := []string{"Nous avons trouvé un rendez-vous", "Clinique du Plateau, 1000 avenue du Mont-Royal Est, Montréal",
				"Dre Amélie Tremblay", when(p.Slot.Start, "fr"), deadline, link}
			subject := "Un rendez-vous vous est proposé : " + when(p.Slot.Start, "fr")
			if lang == "en" {
				link = "https://rdv.example.org/demande/" + r.Reference + "?lang=en&token=" + token
				want = []string{"We found an appointment", "Clinique du Plateau, 1000 avenue du Mont-Royal Est, Montréal",
					"Dr. Amélie Tremblay", when(p.Slot.Start, "en"), "answer before " + deadlineOf(p, "en"), link}
				subject = "An appointment is offered to you: " + when(p.Slot.Start, "en")
			}
			if len(got.To) != 1 || got.To[0] != to || got.Subject != subject {
				t.Errorf("%s: email to %v, subject %q; want %s, %q", lang, got.To, got.Subject, to, subject)
			}
			for _, w := range want {
				if !strings.Contains(got.Text, w) {
					t.Errorf("%s: text lacks %q:\n%s", lang, w, got.Text)
				}
				if !strings.Contains(got.HTML, htmlEscape(w)) {
					t.Errorf("%s: HTML lacks %q", lang, w)
				}
			}
			m := d.proposalMessage(t, p.ID, rdv.MessageSent, 5*time.Second)
			full, err := d.store.Message(context.Background(), m.ID)
			if err != nil || full.Secret != "" || strings.Contains(m.Body, token) || !strings.Contains(m.Body, hiddenSecret) {
				t.Errorf("%s: record %q (secret %q, %v); want the token hidden and wiped", lang, m.Body, full.Secret, err)
			}
		}
	})
}

// TestDeliveryProposalAnswered: a proposal's message that had not left
// when the proposal was answered (declined here) is skipped: it would
// ask for an answer that can no longer be given.
func TestDeliveryProposalAnswered(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, d *deliveryDB) {
		mail := smtptest.Start(t)
		n := openDelivery(t, d, Config{Senders: emailTo(t, mail)})
		r, p, token := d.propose(t, "lea@example.org", "fr")
		if _, _, err := d.store.DeclineProposal(context.Background(), rdv.DeclineProposalRequest{Reference: r.Reference,
			TokenHash: auth.HashToken(token), Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		run(t, n)
		m := d.proposalMessage(t, p.ID, rdv.MessageSkipped, 10*time.Second)
		if m.LastError == "" {
			t.Errorf("skipped %+v; want why", m)
		}
		time.Sleep(300 * time.Millisecond)
		if got := mail.Messages(); len(got) != 0 {
			t.Fatalf("%d emails for a declined proposal, want none", len(got))
		}
	})
}

// when is the slot's time as the messages write it.
func when(t time.Time, lang string) string { return i18n.FormatFullDateTime(t, lang) }

// deadlineOf is when a proposal must be answered, as its message says it:
// the time, and the day too when that is not the day it was made (a test
// run near midnight).
func deadlineOf(p rdv.Proposal, lang string) string {
	if rdv.DateOf(p.ExpiresAt) != rdv.DateOf(p.CreatedAt) {
		return i18n.FormatDateTime(p.ExpiresAt, lang)
	}
	return i18n.FormatClock(p.ExpiresAt, lang)
}

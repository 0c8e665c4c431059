package storetest

import (
	"slices"
	"testing"
	"time"

	"rdv"
)

// testMessagesSealed books with both channels chosen and a reminder,
// sends the email's confirmation with a text that names the patient,
// bounces the text message with a server's answer that quotes the
// number, and sends a sign-in code to the email: no column of the
// messages', codes' or refusals' tables holds the email, the phone, the
// names, the link's token or the code. The store gives each back opened,
// and finds them by their destination: the refusal's mark, the code
// typed, the account's messages.
func testMessagesSealed(t *testing.T, f *patientsFixture) {
	raw, ok := f.store.(TableReader)
	if !ok {
		t.Fatalf("%T does not implement storetest.TableReader", f.store)
	}
	p := secretPatient()
	p.Phone = "+18195550142"
	var slot rdv.Slot
	for _, id := range f.freePublic(40) {
		if s := f.slot(id); s.Start.After(f.now.Add(3 * time.Hour)) {
			slot = s
			break
		}
	}
	if slot.ID == 0 {
		t.Fatal("no free slot three hours ahead")
	}
	r := f.confirmReq(f.mustHold(slot.ID, "sealed-messages").ID, p)
	r.Notify, r.RemindBefore = rdv.Notify{Email: true, SMS: true}, time.Hour
	a, _, err := f.store.ConfirmHold(f.ctx, r)
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	byChannel := map[rdv.MessageChannel]rdv.Message{}
	ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{AppointmentID: a.ID})
	if err != nil {
		t.Fatalf("messages of the booking: %v", err)
	}
	for _, m := range ms {
		byChannel[m.Channel] = m
	}
	email, sms := byChannel[rdv.ByEmail], byChannel[rdv.BySMS]
	if email.To != p.Email || sms.To != p.Phone {
		t.Fatalf("the booking's messages %+v, want one to %s and one to %s", ms, p.Email, p.Phone)
	}
	if full, err := f.store.Message(f.ctx, email.ID); err != nil || full.Secret != r.CancelToken {
		t.Fatalf("the confirmation as its sender reads it: %+v, %v; want the link's token as its secret", full, err)
	}

	subject := "Rendez-vous de " + p.FirstName + " " + p.LastName
	body := "Bonjour " + p.FirstName + " " + p.LastName + ", écrivez-nous à " + p.Email + " ou au " + p.Phone + "."
	if _, err := f.store.BeginSend(f.ctx, email.ID, f.now); err != nil {
		t.Fatalf("begin sending: %v", err)
	}
	if err := f.store.FinishSend(f.ctx, email.ID, rdv.SendOutcome{Status: rdv.MessageSent, Subject: subject, Body: body, Now: f.now}); err != nil {
		t.Fatalf("finish sending: %v", err)
	}
	why := "550 5.1.1 <" + p.Phone + ">: unknown number"
	f.attempt(sms.ID, rdv.MessageBounced, why)
	code := f.mustSendCode(rdv.ByEmail, p.Email)

	for _, table := range []string{"messages", "signin_codes", "refused_destinations"} {
		for i, row := range raw.TableRows(t, table) {
			for j, col := range row {
				for what, s := range map[string]string{"email": p.Email, "phone": p.Phone, "phone's digits": p.Phone[2:],
					"first name": p.FirstName, "last name": p.LastName, "link's token": r.CancelToken, "code": code} {
					if holds(col, s) {
						t.Errorf("%s row %d, column %d holds the %s in clear: %.60q", table, i, j, what, col)
					}
				}
			}
		}
	}

	got, err := f.store.Message(f.ctx, email.ID)
	if err != nil || got.To != p.Email || got.Subject != subject || got.Body != body || got.Status != rdv.MessageSent {
		t.Fatalf("the sent message read back %+v, %v; want its destination and text", got, err)
	}
	if got, err := f.store.Message(f.ctx, sms.ID); err != nil || got.To != p.Phone || got.LastError != why {
		t.Fatalf("the bounced message read back %+v, %v; want its number and the server's answer", got, err)
	}
	if !email.ReminderAt.IsZero() {
		ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{AppointmentID: a.ID, Channel: rdv.ByEmail})
		if err != nil || len(ms) != 2 || ms[0].Kind != rdv.MessageReminder || ms[0].To != p.Email {
			t.Fatalf("the email's messages after it was sent: %+v, %v; want its reminder to %s", ms, err, p.Email)
		}
		if full, err := f.store.Message(f.ctx, ms[0].ID); err != nil || full.Secret != r.CancelToken {
			t.Fatalf("the reminder as its sender reads it: %+v, %v; want the link's token", full, err)
		}
	}
	f.wantRefusal(rdv.BySMS, p.Phone, f.now, why)
	sent := f.codeMessages(rdv.ByEmail, p.Email)
	if len(sent) != 1 || sent[0].Secret != code {
		t.Fatalf("the code's messages %+v, want one carrying the code", sent)
	}

	account := f.mustVerify(f.verifyReq(rdv.ByEmail, p.Email, code))
	mine, err := f.store.AccountMessages(f.ctx, account.ID)
	if err != nil {
		t.Fatalf("the account's messages: %v", err)
	}
	var ids []int64
	for _, m := range mine {
		ids = append(ids, m.ID)
	}
	if !slices.Contains(ids, sent[0].ID) || !slices.Contains(ids, email.ID) {
		t.Fatalf("the account's messages %v, want the code's %d (found by its destination) and the booking's %d", ids, sent[0].ID, email.ID)
	}
}

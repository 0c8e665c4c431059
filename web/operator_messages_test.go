package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/i18n"
)

// outbox is what the message tests write: an appointment at clinic 1
// booked with both channels, its messages as delivery left them, and a
// sign-in code's.
type outbox struct {
	appt                  rdv.Appointment
	token                 string
	sent, failed, bounced int64 // the email confirmation, the text one, the email reminder
	uncertain             int64 // the text reminder, cut off mid-send
	code                  int64 // a sign-in code's, sent
}

// withOutbox books a slot of clinic 1 for a patient who chose email and
// text messages, and plays their delivery as the notifier would: the
// email confirmation sent with the appointment's link, the text one
// failed, the email reminder refused by the address, the text reminder
// cut off by a crash; and a sign-in code sent.
func withOutbox(t *testing.T, s *site, slotID int64) outbox {
	t.Helper()
	ctx, now := t.Context(), time.Now()
	token := fmt.Sprintf("jeton-secret-du-lien-%d", slotID)
	hold := fmt.Sprintf("h-outbox-%d", slotID)
	if _, _, err := s.store.PlaceHold(ctx, rdv.HoldRequest{HoldID: hold, SlotID: slotID, ClientKey: hold, TTL: time.Minute, Now: now}); err != nil {
		t.Fatal(err)
	}
	a, _, err := s.store.ConfirmHold(ctx, rdv.ConfirmRequest{HoldID: hold, BookedBy: rdv.BySelf, Channel: rdv.Web,
		Patient: rdv.Patient{FirstName: "Léa", LastName: "Côté", BirthDate: rdv.Date{Year: 1985, Month: 4, Day: 7}, HealthNumber: "COTL85540712",
			Email: "lea.cote@example.org", Phone: "+15145550123", Language: "fr"},
		CancelToken: token, CancelTokenHash: auth.HashToken(token), Now: now,
		Notify: rdv.Notify{Email: true, SMS: true}, RemindBefore: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	o := outbox{appt: a, token: token}
	// The confirmations first: their delivery writes the reminders.
	byKind := func(kind rdv.MessageKind) (email, sms int64) {
		t.Helper()
		ms, err := s.store.Messages(ctx, rdv.MessageFilter{AppointmentID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			switch {
			case m.Kind != kind:
			case m.Channel == rdv.ByEmail:
				email = m.ID
			default:
				sms = m.ID
			}
		}
		if email == 0 || sms == 0 {
			t.Fatalf("the booking's messages %+v, want a %s on each channel", ms, kind)
		}
		return email, sms
	}
	o.sent, o.failed = byKind(rdv.MessageConfirmed)
	link := fmt.Sprintf("https://rdv.example/rendez-vous/%d?token=%s", a.ID, token)
	deliver(t, s, o.sent, rdv.SendOutcome{Status: rdv.MessageSent, Subject: "Votre rendez-vous est confirmé",
		Body: "Bonjour,\n\nVotre rendez-vous est confirmé.\nPour l'annuler : " + link + "\n\n<b>Clinique du Plateau</b>"})
	deliver(t, s, o.failed, rdv.SendOutcome{Status: rdv.MessageFailed, Error: "fournisseur : 503 indisponible"})
	o.bounced, o.uncertain = byKind(rdv.MessageReminder)
	deliver(t, s, o.bounced, rdv.SendOutcome{Status: rdv.MessageBounced, Error: "550 adresse inconnue"})
	for range 2 { // the second attempt finds the first cut off
		if _, err := s.store.BeginSend(ctx, o.uncertain, now); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.store.IssueSignInCode(ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: "lea.cote@example.org", Code: "482913",
		CodeHash: "hash-of-482913", Language: "fr", Now: now}); err != nil {
		t.Fatal(err)
	}
	all, err := s.store.Messages(ctx, rdv.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Kind == rdv.MessageSignInCode && o.code == 0 { // the newest
			o.code = m.ID
		}
	}
	deliver(t, s, o.code, rdv.SendOutcome{Status: rdv.MessageSent, Subject: "Votre code de connexion", Body: "Votre code : 482913\nIl est valable 10 minutes."})
	return o
}

// deliver plays one delivery attempt ending with o.
func deliver(t *testing.T, s *site, id int64, o rdv.SendOutcome) {
	t.Helper()
	o.Now = time.Now()
	if _, err := s.store.BeginSend(t.Context(), id, o.Now); err != nil {
		t.Fatalf("begin sending message %d: %v", id, err)
	}
	if err := s.store.FinishSend(t.Context(), id, o); err != nil {
		t.Fatalf("finish sending message %d: %v", id, err)
	}
}

func messagePath(id int64) string { return fmt.Sprintf("%s/%d", messagesPath, id) }

// TestOperatorMessages: operators read every message with what became
// of it, narrow the list to the dead letters or a channel, and open one
// to read its text as sent, its secrets hidden; in both languages.
func TestOperatorMessages(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	o := withOutbox(t, s, 3)
	for _, lang := range []string{"fr", "en"} {
		b := staffBrowser(t, s, accts, rdv.Operator)
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		b.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, `href="`+messagesPath+`"`, translate(lang, "msgs.link"))

		list := b.do(http.MethodGet, messagesPath, nil).want(t, http.StatusOK)
		list.contains(t, translate(lang, "msgs.title"), "lea.cote@example.org", "514 555-0123", "fournisseur : 503 indisponible", "550 adresse inconnue")
		for _, k := range []string{"msg.kind.confirmed", "msg.kind.reminder", "msg.kind.signin_code", "msg.channel.email", "msg.channel.sms",
			"msg.status.sent", "msg.status.failed", "msg.status.bounced", "msg.status.uncertain"} {
			list.contains(t, translate(lang, k))
		}
		for _, id := range []int64{o.sent, o.failed, o.bounced, o.uncertain, o.code} {
			list.contains(t, `href="`+messagePath(id)+`"`)
		}
		// The newest first: the sign-in code was written last.
		if strings.Index(list.body, messagePath(o.code)) > strings.Index(list.body, messagePath(o.sent)) {
			t.Errorf("%s: the list is not newest first", lang)
		}

		problems := b.do(http.MethodGet, messagesPath+"?statut=problemes", nil).want(t, http.StatusOK)
		for id, want := range map[int64]bool{o.failed: true, o.bounced: true, o.uncertain: true, o.sent: false, o.code: false} {
			if got := strings.Contains(problems.body, `href="`+messagePath(id)+`"`); got != want {
				t.Errorf("%s: the problems' list shows message %d: %v, want %v", lang, id, got, want)
			}
		}
		texts := b.do(http.MethodGet, messagesPath+"?canal=sms", nil).want(t, http.StatusOK)
		for id, want := range map[int64]bool{o.failed: true, o.uncertain: true, o.sent: false, o.bounced: false} {
			if got := strings.Contains(texts.body, `href="`+messagePath(id)+`"`); got != want {
				t.Errorf("%s: the text messages' list shows message %d: %v, want %v", lang, id, got, want)
			}
		}
		none := b.do(http.MethodGet, messagesPath+"?statut=problemes&canal=email", nil).want(t, http.StatusOK)
		if strings.Contains(none.body, messagePath(o.sent)) || !strings.Contains(none.body, messagePath(o.bounced)) {
			t.Errorf("%s: both filters together do not narrow the list", lang)
		}

		// The confirmation as it was sent: its text escaped, the link's
		// token hidden, the other messages about the appointment listed.
		sent := b.do(http.MethodGet, messagePath(o.sent), nil).want(t, http.StatusOK)
		sent.contains(t, "Votre rendez-vous est confirmé", "Pour l&#39;annuler", "&lt;b&gt;Clinique du Plateau&lt;/b&gt;", "token=•••",
			translate(lang, "msg.hidden"), translate(lang, "msgs.about.others"), `href="`+messagePath(o.failed)+`"`)
		if strings.Contains(sent.body, o.token) || strings.Contains(sent.body, "<b>Clinique") {
			t.Errorf("%s: the message's page shows the link's token or its text unescaped", lang)
		}
		if strings.Contains(sent.body, "/renvoyer") {
			t.Errorf("%s: a sent message offers to be sent again", lang)
		}
		code := b.do(http.MethodGet, messagePath(o.code), nil).want(t, http.StatusOK)
		code.contains(t, "Votre code : ••••••", translate(lang, "msg.hidden"))
		if strings.Contains(code.body, "482913") {
			t.Errorf("%s: the sign-in code's page shows the code", lang)
		}
		for id, key := range map[int64]string{o.failed: "msg.resend.failed", o.bounced: "msg.resend.bounced", o.uncertain: "msg.resend.uncertain"} {
			page := b.do(http.MethodGet, messagePath(id), nil).want(t, http.StatusOK)
			page.contains(t, translate(lang, key), `action="`+messagePath(id)+`/renvoyer"`, translate(lang, "msg.no_text"))
		}
	}
	b := staffBrowser(t, s, accts, rdv.Operator)
	b.do(http.MethodGet, messagePath(99999), nil).want(t, http.StatusNotFound)
	b.do(http.MethodGet, messagesPath+"/x", nil).want(t, http.StatusNotFound)
}

// TestOperatorResendsMessage: a failed, bounced or uncertain message is
// queued again (post/redirect/get); a sent one is left as it is, and a
// forged post changes nothing.
func TestOperatorResendsMessage(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	o := withOutbox(t, s, 3)
	b := staffBrowser(t, s, accts, rdv.Operator)
	status := func(id int64) rdv.MessageStatus {
		m, err := s.store.Message(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return m.Status
	}
	for _, id := range []int64{o.failed, o.bounced, o.uncertain} {
		page := b.do(http.MethodGet, messagePath(id), nil).want(t, http.StatusOK)
		forged := b.do(http.MethodPost, messagePath(id)+"/renvoyer", url.Values{"csrf": {"x"}}).want(t, http.StatusForbidden)
		forged.contains(t, translate("fr", "error.403.csrf"))
		if st := status(id); st == rdv.MessageQueued {
			t.Fatalf("a forged post queued message %d again", id)
		}
		done := b.post(page, messagePath(id)+"/renvoyer", url.Values{}).want(t, http.StatusSeeOther)
		if loc := done.location(t); loc != messagePath(id)+"?avis=resent" {
			t.Fatalf("resending led to %s", loc)
		}
		if st := status(id); st != rdv.MessageQueued {
			t.Fatalf("message %d is %s after resending, want queued", id, st)
		}
		b.do(http.MethodGet, done.location(t), nil).want(t, http.StatusOK).contains(t, translate("fr", "msg.notice.resent"), translate("fr", "msg.status.queued"))
	}
	page := b.do(http.MethodGet, messagePath(o.sent), nil).want(t, http.StatusOK)
	again := b.post(page, messagePath(o.sent)+"/renvoyer", url.Values{}).want(t, http.StatusSeeOther)
	b.do(http.MethodGet, again.location(t), nil).want(t, http.StatusOK).contains(t, translate("fr", "msg.notice.not_resendable"))
	if st := status(o.sent); st != rdv.MessageSent {
		t.Fatalf("a sent message is %s after a resend asked", st)
	}
	b.post(page, messagePath(99999)+"/renvoyer", url.Values{}).want(t, http.StatusNotFound)
}

// TestMessagesStaffOnly: the operators' pages are theirs alone; the
// desk sees what was sent about its own clinic's appointments, never
// another clinic's.
func TestMessagesStaffOnly(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	o := withOutbox(t, s, 3)
	for _, role := range []rdv.Role{rdv.PhoneAgent, rdv.Receptionist, rdv.ClinicAdmin} {
		b := staffBrowser(t, s, accts, role)
		day := b.do(http.MethodGet, "/clinique", nil)
		for _, path := range []string{messagesPath, messagePath(o.sent), incidentsPath} {
			b.do(http.MethodGet, path, nil).want(t, http.StatusForbidden)
		}
		form := url.Values{"csrf": {hiddenValue(t, day.body, "csrf")}}
		b.do(http.MethodPost, messagePath(o.failed)+"/renvoyer", form).want(t, http.StatusForbidden)
	}
	anon := newBrowser(t, s)
	if loc := anon.do(http.MethodGet, messagesPath, nil).want(t, http.StatusSeeOther).location(t); !signInRedirect(loc) {
		t.Fatalf("anonymous visit led to %s", loc)
	}

	for _, lang := range []string{"fr", "en"} {
		desk := staffBrowser(t, s, accts, rdv.Receptionist)
		desk.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		item := desk.do(http.MethodGet, fmt.Sprintf("/clinique/rendez-vous/%d", o.appt.ID), nil).want(t, http.StatusOK)
		item.contains(t, translate(lang, "msgs.about.title"), translate(lang, "msg.kind.confirmed"), translate(lang, "msg.kind.reminder"),
			translate(lang, "msg.status.sent"), translate(lang, "msg.status.failed"), translate(lang, "msg.channel.sms"))
		if strings.Contains(item.body, "/operateur/courriels") || strings.Contains(item.body, "482913") || strings.Contains(item.body, o.token) {
			t.Errorf("%s: the desk's page links the operators' pages or shows a secret", lang)
		}
	}
	// Another clinic's desk reaches neither the appointment nor its messages.
	laval := otherClinicDesk(t, s, accts)
	laval.do(http.MethodGet, fmt.Sprintf("/clinique/rendez-vous/%d", o.appt.ID), nil).want(t, http.StatusNotFound)
	// An appointment of the clinic without messages says so.
	none := staffBrowser(t, s, accts, rdv.Receptionist).do(http.MethodGet, "/clinique/creneau/2", nil).want(t, http.StatusOK)
	none.contains(t, translate("fr", "msgs.about.none"))
}

// TestHideSecrets: what a message's text carries of a secret never
// reaches a page.
func TestHideSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    rdv.Message
		text string
		want string
	}{
		{"link's token", rdv.Message{Kind: rdv.MessageConfirmed}, "Voir : https://x.example/rendez-vous/4?token=abc_DEF-123&lang=en.",
			"Voir : https://x.example/rendez-vous/4?token=•••&lang=en."},
		{"token first in the query", rdv.Message{Kind: rdv.MessageReminder}, "/rendez-vous/4?lang=en&token=abc\n", "/rendez-vous/4?lang=en&token=•••\n"},
		{"secret still held", rdv.Message{Kind: rdv.MessageRescheduled, Secret: "s3cr3t"}, "le lien s3cr3t", "le lien •••"},
		{"sign-in code", rdv.Message{Kind: rdv.MessageSignInCode}, "Code : 048213.", "Code : ••••••."},
		{"six digits elsewhere stay", rdv.Message{Kind: rdv.MessageOutage}, "Appelez le 811 ou le 514555.", "Appelez le 811 ou le 514555."},
	} {
		if got := hideSecrets(tc.m, tc.text); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if !slices.Contains(problemStatuses, rdv.MessageUncertain) {
		t.Fatal("uncertain messages are not among the problems")
	}
}

// TestEveryMessageKindNamed: the operators' and the desk's lists name
// every kind of message, in both languages.
func TestEveryMessageKindNamed(t *testing.T) {
	for _, k := range rdv.MessageKinds {
		tx, ok := i18n.Lookup("msg.kind." + string(k))
		if !ok || tx[0] == "" || tx[1] == "" {
			t.Errorf("message kind %s has no name in both languages: %q", k, tx)
		}
	}
}

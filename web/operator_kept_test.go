package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rdv"
)

// TestOperatorKeptMessageShownWhole: without a sender for its channel
// (make run) a message is kept, and its page shows it whole, sign-in code
// included, saying why: that record is its only copy, and how a newcomer
// signs in. A message that left keeps its code hidden.
func TestOperatorKeptMessageShownWhole(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	o := withOutbox(t, s, 3)
	ctx, now := t.Context(), time.Now()
	if err := s.store.IssueSignInCode(ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: "nouveau@example.org", Code: "613502",
		CodeHash: "hash-of-613502", Language: "fr", Now: now}); err != nil {
		t.Fatal(err)
	}
	ms, err := s.store.Messages(ctx, rdv.MessageFilter{Limit: 1})
	if err != nil || len(ms) != 1 || ms[0].To != "nouveau@example.org" {
		t.Fatalf("the new code's message: %+v, %v", ms, err)
	}
	kept := ms[0].ID
	deliver(t, s, kept, rdv.SendOutcome{Status: rdv.MessageKept, Subject: "Votre code de connexion", Body: "Votre code : 613502\nIl est valable 10 minutes."})

	for _, lang := range []string{"fr", "en"} {
		b := staffBrowser(t, s, accts, rdv.Operator)
		b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		page := b.do(http.MethodGet, messagePath(kept), nil).want(t, http.StatusOK)
		page.contains(t, "Votre code : 613502", translate(lang, "msg.kept"), translate(lang, "msg.status.kept"))
		if strings.Contains(page.body, translate(lang, "msg.hidden")) || strings.Contains(page.body, "••••••") {
			t.Errorf("%s: the kept message's page hides its code", lang)
		}
		sent := b.do(http.MethodGet, messagePath(o.code), nil).want(t, http.StatusOK)
		sent.contains(t, "Votre code : ••••••", translate(lang, "msg.hidden"))
		if strings.Contains(sent.body, "482913") || strings.Contains(sent.body, translate(lang, "msg.kept")) {
			t.Errorf("%s: the sent code's page shows the code, or calls it kept", lang)
		}

		list := b.do(http.MethodGet, messagesPath+"?statut=gardes", nil).want(t, http.StatusOK)
		list.contains(t, translate(lang, "msgs.filter.kept"), `href="`+messagePath(kept)+`"`)
		if strings.Contains(list.body, `href="`+messagePath(o.code)+`"`) {
			t.Errorf("%s: the kept messages' list shows a sent one", lang)
		}
	}
	for _, m := range []rdv.Message{{Kind: rdv.MessageSignInCode, Status: rdv.MessageKept}, {Kind: rdv.MessageConfirmed, Status: rdv.MessageKept}} {
		const text = "Code : 613502 ; https://x.example/rendez-vous/4?token=abc"
		if got := hideSecrets(m, text); got != text || carriesSecret(m, text) {
			t.Errorf("%s kept: shown %q, hidden %v; want it whole", m.Kind, got, carriesSecret(m, text))
		}
	}
}

package smtptest

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	raw := strings.ReplaceAll(`From: =?utf-8?q?Rendez-vous_sant=C3=A9?= <rdv@example.org>
To: <lea@example.org>
Subject: =?UTF-8?q?Rendez-vous_confirm=C3=A9?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Votre rendez-vous est confirm=C3=A9, =
le 8 d=C3=A9cembre.
--inner
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<p>Confirm=C3=A9</p>
--inner--
--outer
Content-Type: text/calendar; charset=utf-8; method=PUBLISH; name="rdv.ics"
Content-Disposition: attachment; filename="rdv.ics"
Content-Transfer-Encoding: base64

QkVHSU46VkNBTEVOREFSDQpF
TkQ6VkNBTEVOREFSDQo=
--outer--
`, "\n", "\r\n")
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Rendez-vous confirmé" || m.Header.Get("To") != "<lea@example.org>" {
		t.Errorf("subject %q, To %q", m.Subject, m.Header.Get("To"))
	}
	if m.Text != "Votre rendez-vous est confirmé, le 8 décembre." {
		t.Errorf("text %q", m.Text)
	}
	if m.HTML != "<p>Confirmé</p>" {
		t.Errorf("html %q", m.HTML)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "rdv.ics" || string(m.Attachments[0].Data) != "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" ||
		!strings.HasPrefix(m.Attachments[0].ContentType, "text/calendar") {
		t.Errorf("attachments %+v", m.Attachments)
	}

	single, err := Parse([]byte("Subject: plain\r\n\r\nJust text.\r\n"))
	if err != nil || single.Text != "Just text.\n" || single.Subject != "plain" {
		t.Errorf("a single-part message: %+v, %v", single, err)
	}
	if _, err := Parse([]byte("Content-Type: multipart/mixed\r\n\r\nno boundary")); err == nil {
		t.Error("a multipart without its boundary parsed")
	}
}

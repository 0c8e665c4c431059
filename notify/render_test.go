package notify

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"rdv"
	"rdv/i18n"
	"rdv/i18n/i18ntest"
	"rdv/ical"
	"rdv/ical/icaltest"
)

// The facts every rendering test starts from: an appointment on Tuesday
// 8 December 2026 at 9:30 in Montréal, at a clinic whose name holds what
// HTML must escape, for a patient whose health number must never show.
const (
	testBase   = "https://rdv.example.org"
	testToken  = "jeton-secret_42"
	testNumber = "TREL12345678"
)

var testStart = time.Date(2026, time.December, 8, 14, 30, 0, 0, time.UTC) // 9:30 in Toronto

func testFacts() Facts {
	a := rdv.Appointment{
		ID: 42,
		Slot: rdv.Slot{ID: 7, ClinicID: 3, PractitionerID: 5, Service: rdv.General,
			Start: testStart, End: testStart.Add(15 * time.Minute)},
		Patient:  rdv.Patient{FirstName: "Léa", LastName: "Tremblay", HealthNumber: testNumber, Email: "lea@example.org", Phone: "+15145550123"},
		Status:   rdv.Booked,
		Revision: 2,
	}
	c := rdv.Clinic{ID: 3, Name: "Clinique <Plateau> & fils", Address: "1000 avenue du Mont-Royal Est", City: "Montréal", Phone: "514 555-0100"}
	return Facts{Appointment: &a, Clinic: &c, Practitioner: "Dre Amélie Gagnon", Links: Links{Base: testBase + "/"},
		Now: time.Date(2026, time.November, 28, 9, 5, 7, 0, time.UTC)}
}

func testMessage(kind rdv.MessageKind, ch rdv.MessageChannel, lang string) rdv.Message {
	m := rdv.Message{ID: 901, Kind: kind, Channel: ch, Language: lang, AppointmentID: 42, Revision: 2, Secret: testToken, To: "lea@example.org"}
	if ch == rdv.BySMS {
		m.To = "+15145550123"
	}
	switch kind {
	case rdv.MessageSignInCode:
		m.AppointmentID, m.Secret = 0, "482913"
	case rdv.MessageOutage:
		m.IncidentID, m.Secret = 12, ""
	case rdv.MessageProposal:
		m.AppointmentID, m.Revision, m.ProposalID = 0, 0, "p_offer"
	}
	return m
}

// factsFor gives each kind the facts the worker gathers for it.
func factsFor(kind rdv.MessageKind) Facts {
	f := testFacts()
	switch kind {
	case rdv.MessageSignInCode:
		f.Appointment, f.Clinic, f.Practitioner = nil, nil, ""
	case rdv.MessageCancelled, rdv.MessageCancelledByClinic:
		f.Appointment.Status = rdv.Cancelled
		f.Appointment.Revision = 3
	case rdv.MessageProposal:
		// Made at 8:00 on the day, held 30 minutes.
		made := time.Date(2026, time.December, 8, 13, 0, 0, 0, time.UTC)
		f.Proposal = &rdv.Proposal{ID: "p_offer", RequestID: 77, Slot: f.Appointment.Slot, Status: rdv.ProposalLive,
			CreatedAt: made, ExpiresAt: made.Add(30 * time.Minute)}
		f.Request = &rdv.AppointmentRequest{ID: 77, Reference: "D-7KQ4-M2XH-9RTB", FirstName: "Léa", LastName: "Tremblay",
			HealthNumber: testNumber, Service: rdv.General, Status: rdv.RequestProposed}
		f.Appointment = nil
	case rdv.MessageOutage:
		f.Incident = &rdv.Incident{ID: 12, TextFR: "Panne du réseau de la clinique.\nLes rendez-vous du matin sont reportés.",
			TextEN: "The clinic's network is down.\nMorning appointments are postponed."}
	}
	return f
}

var allKinds = []rdv.MessageKind{rdv.MessageConfirmed, rdv.MessageRescheduled, rdv.MessageCancelled,
	rdv.MessageCancelledByClinic, rdv.MessageReminder, rdv.MessageSignInCode, rdv.MessageOutage, rdv.MessageProposal}

// frenchProbes are the English pieces of every text, with the services'
// names, which come from the domain's own table.
func frenchProbes() i18ntest.Probes {
	services := map[string]i18n.Text{}
	for _, svc := range rdv.Services {
		services["service "+string(svc)] = i18n.Text{svc.Name("fr"), svc.Name("en")}
	}
	return i18ntest.English(services)
}

// TestRenderEveryKind renders every kind on both channels in both
// languages and checks what each must say, in its language only, and
// never the health number.
func TestRenderEveryKind(t *testing.T) {
	t.Parallel()
	probes := frenchProbes()
	manageFR := testBase + "/rendez-vous/42?token=" + testToken
	manageEN := testBase + "/rendez-vous/42?lang=en&token=" + testToken
	searchFR := testBase + "/recherche?lieu=Montr%C3%A9al&service=general"
	requestFR := testBase + "/demande"
	answerFR := testBase + "/demande/D-7KQ4-M2XH-9RTB?token=" + testToken
	answerEN := testBase + "/demande/D-7KQ4-M2XH-9RTB?lang=en&token=" + testToken
	tests := []struct {
		kind     rdv.MessageKind
		subject  [2]string   // French, English
		text     [2][]string // in the plain text and the HTML
		textOnly [2][]string // lines of the plain text's details
		sms      [2][]string
		calendar bool
	}{
		{rdv.MessageConfirmed,
			[2]string{"Rendez-vous confirmé : mardi 8 décembre 2026 à 9 h 30", "Appointment booked: Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"Votre rendez-vous est confirmé.", "mardi 8 décembre 2026 à 9 h 30", "Dre Amélie Gagnon", "Clinique <Plateau> & fils, 1000 avenue du Mont-Royal Est, Montréal", "Consultation générale", manageFR, "Léa Tremblay"},
				{"Your appointment is booked.", "Tuesday, December 8, 2026 at 9:30 a.m.", "Dr. Amélie Gagnon", "General consultation", manageEN}},
			[2][]string{{"Date et heure : mardi 8 décembre 2026 à 9 h 30\n", "Avec : Dre Amélie Gagnon\n", "Numéro du rendez-vous : 42\n"},
				{"Date and time: Tuesday, December 8, 2026 at 9:30 a.m.\n", "With: Dr. Amélie Gagnon\n", "Appointment number: 42\n"}},
			[2][]string{{"mardi 8 décembre 2026 à 9 h 30", manageFR}, {"Tuesday, December 8, 2026 at 9:30 a.m.", manageEN}},
			true},
		{rdv.MessageRescheduled,
			[2]string{"Rendez-vous déplacé : mardi 8 décembre 2026 à 9 h 30", "Appointment moved: Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"a été déplacé", manageFR}, {"has been moved", manageEN}},
			[2][]string{},
			[2][]string{{"déplacé au mardi 8 décembre 2026 à 9 h 30", manageFR}, {"moved to Tuesday", manageEN}},
			true},
		{rdv.MessageCancelled,
			[2]string{"Rendez-vous annulé : mardi 8 décembre 2026 à 9 h 30", "Appointment cancelled: Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"est annulé, comme vous l'avez demandé", searchFR}, {"is cancelled, as you asked", searchFR[:len(searchFR)-len("lieu=Montr%C3%A9al&service=general")] + "lang=en&lieu=Montr%C3%A9al&service=general"}},
			[2][]string{},
			[2][]string{{"annulé, comme demandé", searchFR}, {"cancelled, as you asked", "lang=en"}},
			true},
		{rdv.MessageCancelledByClinic,
			[2]string{"Rendez-vous annulé par la clinique : mardi 8 décembre 2026 à 9 h 30", "Appointment cancelled by the clinic: Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"Nous sommes désolés", "a dû annuler", searchFR, "appelez la clinique au 514 555-0100"}, {"We are sorry", "had to cancel", "call the clinic at 514 555-0100"}},
			[2][]string{},
			[2][]string{{"Désolés", "514 555-0100", searchFR}, {"Sorry", "514 555-0100", "/recherche?lang=en"}},
			true},
		{rdv.MessageReminder,
			[2]string{"Rappel : rendez-vous le mardi 8 décembre 2026 à 9 h 30", "Reminder: appointment on Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"Nous vous rappelons", "1000 avenue du Mont-Royal Est", "annulez-le pour libérer la place", manageFR}, {"reminder of your appointment", "cancel it to free the time", manageEN}},
			[2][]string{},
			[2][]string{{"Rappel", "9 h 30", "1000 avenue du Mont-Royal Est, Montréal", manageFR}, {"Reminder", "9:30 a.m.", "Mont-Royal", manageEN}},
			false},
		{rdv.MessageSignInCode,
			[2]string{"Votre code de connexion", "Your sign-in code"},
			[2][]string{{"482913", "valide 10 minutes", testBase + "/compte/connexion", "Si vous n'avez pas demandé ce code, ignorez ce message"}, {"482913", "valid for 10 minutes", testBase + "/compte/connexion?lang=en", "If you did not ask for this code, ignore this message"}},
			[2][]string{},
			[2][]string{{"482913", "10 minutes", "ignorez"}, {"482913", "10 minutes", "ignore"}},
			false},
		{rdv.MessageOutage,
			[2]string{"Avis de perturbation : votre rendez-vous du mardi 8 décembre 2026 à 9 h 30", "Service disruption: your appointment on Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"Panne du réseau de la clinique.", "Les rendez-vous du matin sont reportés.", "514 555-0100", "Info-Santé au 811", requestFR}, {"The clinic's network is down.", "514 555-0100", "Info-Santé at 811", requestFR + "?lang=en"}},
			[2][]string{},
			[2][]string{{"Panne du réseau", "514 555-0100", "811", requestFR}, {"network is down", "514 555-0100", "811", requestFR + "?lang=en"}},
			false},
		{rdv.MessageProposal,
			[2]string{"Un rendez-vous vous est proposé : mardi 8 décembre 2026 à 9 h 30", "An appointment is offered to you: Tuesday, December 8, 2026 at 9:30 a.m."},
			[2][]string{{"Nous avons trouvé un rendez-vous", "Léa Tremblay", "Dre Amélie Gagnon", "Clinique <Plateau> & fils, 1000 avenue du Mont-Royal Est, Montréal",
				"Consultation générale", "Répondez avant 8 h 30", "Pour l'accepter ou le refuser", answerFR},
				{"We found an appointment", "Dr. Amélie Gagnon", "answer before 8:30 a.m.", "To accept or decline it", answerEN}},
			[2][]string{{"Date et heure : mardi 8 décembre 2026 à 9 h 30\n", "Téléphone de la clinique : 514 555-0100\n"},
				{"Date and time: Tuesday, December 8, 2026 at 9:30 a.m.\n", "With: Dr. Amélie Gagnon\n"}},
			[2][]string{{"proposé le mardi 8 décembre 2026 à 9 h 30", "Répondez avant 8 h 30", answerFR}, {"offered on Tuesday, December 8, 2026 at 9:30 a.m.", "before 8:30 a.m.", answerEN}},
			false},
	}
	for _, tt := range tests {
		for li, lang := range []string{"fr", "en"} {
			t.Run(string(tt.kind)+"/"+lang, func(t *testing.T) {
				t.Parallel()
				f := factsFor(tt.kind)
				e, err := Render(testMessage(tt.kind, rdv.ByEmail, lang), f)
				if err != nil {
					t.Fatal(err)
				}
				if e.MessageID != 901 || e.Channel != rdv.ByEmail || e.To != "lea@example.org" || e.Language != lang {
					t.Errorf("envelope %d %s %q %s", e.MessageID, e.Channel, e.To, e.Language)
				}
				if e.Subject != tt.subject[li] {
					t.Errorf("subject %q, want %q", e.Subject, tt.subject[li])
				}
				for _, want := range tt.text[li] {
					if !strings.Contains(e.Text, want) {
						t.Errorf("text lacks %q:\n%s", want, e.Text)
					}
					if !strings.Contains(e.HTML, htmlEscape(want)) {
						t.Errorf("HTML lacks %q:\n%s", htmlEscape(want), e.HTML)
					}
				}
				for _, want := range tt.textOnly[li] {
					if !strings.Contains(e.Text, want) {
						t.Errorf("text lacks %q:\n%s", want, e.Text)
					}
				}
				if !strings.Contains(e.HTML, `<html lang="`+lang+`">`) {
					t.Errorf("HTML not marked %s", lang)
				}
				if f.Clinic != nil && (strings.Contains(e.HTML, "<Plateau>") || !strings.Contains(e.HTML, "&lt;Plateau&gt; &amp; fils")) {
					t.Errorf("the clinic's name is not escaped in HTML:\n%s", e.HTML)
				}
				if got := len(e.Attachments) == 1; got != tt.calendar {
					t.Errorf("%d attachments, want a calendar: %v", len(e.Attachments), tt.calendar)
				}
				sms, err := Render(testMessage(tt.kind, rdv.BySMS, lang), f)
				if err != nil {
					t.Fatal(err)
				}
				if sms.Subject != "" || sms.HTML != "" || len(sms.Attachments) != 0 || sms.To != "+15145550123" {
					t.Errorf("a text message with email parts: %+v", sms)
				}
				if n := utf8.RuneCountInString(sms.Text); n > SMSMaxChars || strings.Contains(sms.Text, "\n") {
					t.Errorf("text message of %d characters or several lines: %q", n, sms.Text)
				}
				for _, want := range tt.sms[li] {
					if !strings.Contains(sms.Text, want) {
						t.Errorf("text message lacks %q: %s", want, sms.Text)
					}
				}
				for part, body := range map[string]string{"subject": e.Subject, "text": e.Text, "html": e.HTML, "sms": sms.Text} {
					if strings.Contains(body, testNumber) {
						t.Errorf("%s shows the health number", part)
					}
					if strings.Contains(body, "[[") {
						t.Errorf("%s misses a text: %s", part, body)
					}
					if lang == "fr" {
						probes.NoEnglish(t, string(tt.kind)+" "+part, body)
					}
				}
			})
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&#34;").Replace(s)
}

// TestRenderCalendar: the attached .ics passes a strict reading, is the
// event the appointment's page serves (one UID), carries the revision as
// SEQUENCE, links to the appointment's page, and is cancelled with the
// appointment.
func TestRenderCalendar(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind      rdv.MessageKind
		sequence  int
		cancelled bool
	}{
		{rdv.MessageConfirmed, 2, false},
		{rdv.MessageRescheduled, 2, false},
		{rdv.MessageCancelled, 3, true},
		{rdv.MessageCancelledByClinic, 3, true},
	} {
		for _, lang := range []string{"fr", "en"} {
			e, err := Render(testMessage(tt.kind, rdv.ByEmail, lang), factsFor(tt.kind))
			if err != nil {
				t.Fatal(err)
			}
			att := e.Attachments[0]
			if att.Name != "rendez-vous-42.ics" || !strings.HasPrefix(att.ContentType, "text/calendar;") || !strings.Contains(att.ContentType, "method=PUBLISH") {
				t.Errorf("%s: attachment %q of type %q", tt.kind, att.Name, att.ContentType)
			}
			cal := icaltest.MustParse(t, string(att.Data))
			if m := cal.Prop("METHOD"); m != "PUBLISH" {
				t.Errorf("%s: METHOD %q", tt.kind, m)
			}
			ev := cal.Event(t)
			if uid := ev.Prop("UID"); uid != ical.UID(42) || uid != "rdv-42@rdv" {
				t.Errorf("%s: UID %q", tt.kind, uid)
			}
			if got := ev.Sequence(t); got != tt.sequence {
				t.Errorf("%s: SEQUENCE %d, want %d", tt.kind, got, tt.sequence)
			}
			if got, want := ev.Prop("DTSTART"), "20261208T143000Z"; got != want {
				t.Errorf("%s: DTSTART %s, want %s", tt.kind, got, want)
			}
			if got, want := ev.Prop("URL"), testBase+"/rendez-vous/42?token="+testToken; got != want {
				t.Errorf("%s: URL %q, want %q", tt.kind, got, want)
			}
			if err := icaltest.AbsoluteURL(ev.Prop("URL")); err != nil {
				t.Error(err)
			}
			status, alarms := ev.Prop("STATUS"), len(ev.Components("VALARM"))
			if tt.cancelled != (status == "CANCELLED") || tt.cancelled != (alarms == 0) {
				t.Errorf("%s: STATUS %s with %d alarms", tt.kind, status, alarms)
			}
			if summary := ev.Prop("SUMMARY"); !strings.Contains(summary, rdv.General.Name(lang)) || !strings.Contains(summary, "Clinique <Plateau> & fils") {
				t.Errorf("%s %s: SUMMARY %q", tt.kind, lang, summary)
			}
			if strings.Contains(string(att.Data), testNumber) {
				t.Errorf("%s: the calendar shows the health number", tt.kind)
			}
		}
	}
}

// TestRenderLinks: links are absolute, from the configured address; an
// English reader's carry the language; a message whose token was wiped
// (sent again by an operator) points to the sign-in page instead.
func TestRenderLinks(t *testing.T) {
	t.Parallel()
	e, err := Render(testMessage(rdv.MessageConfirmed, rdv.ByEmail, "en"), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	var link string
	for _, l := range strings.Fields(e.Text) {
		if strings.Contains(l, "/rendez-vous/") {
			link = l
		}
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.Host != "rdv.example.org" || u.Path != "/rendez-vous/42" ||
		u.Query().Get("token") != testToken || u.Query().Get(i18n.Query) != "en" {
		t.Errorf("appointment link %q", link)
	}

	m := testMessage(rdv.MessageConfirmed, rdv.ByEmail, "fr")
	m.Secret = ""
	e, err = Render(m, testFacts())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.Text, "/rendez-vous/") || !strings.Contains(e.Text, testBase+"/compte/connexion") {
		t.Errorf("without the token, the text should send to the sign-in page:\n%s", e.Text)
	}
	if ev := icaltest.MustParse(t, string(e.Attachments[0].Data)).Event(t); ev.Prop("URL") != "" {
		t.Errorf("a calendar link without its token: %q", ev.Prop("URL"))
	}
	m.Channel = rdv.BySMS
	if sms, err := Render(m, testFacts()); err != nil || !strings.HasSuffix(sms.Text, testBase+"/compte/connexion") {
		t.Errorf("text message without the token: %q, %v", sms.Text, err)
	}
}

// TestRenderOutageWithoutAppointment: a notice about no particular
// appointment still says what to do.
func TestRenderOutageWithoutAppointment(t *testing.T) {
	t.Parallel()
	f := factsFor(rdv.MessageOutage)
	f.Appointment, f.Clinic = nil, nil
	f.Incident.TextEN = "" // an operator who wrote French only
	for _, ch := range []rdv.MessageChannel{rdv.ByEmail, rdv.BySMS} {
		e, err := Render(testMessage(rdv.MessageOutage, ch, "en"), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Panne du réseau", "811", testBase + "/demande?lang=en"} {
			if !strings.Contains(e.Text, want) {
				t.Errorf("%s lacks %q:\n%s", ch, want, e.Text)
			}
		}
		if ch == rdv.ByEmail && e.Subject != "Service disruption notice" {
			t.Errorf("subject %q", e.Subject)
		}
	}
}

// TestRenderSMSFits: a clinic with a long name and address gets the short
// form; a long operator notice is cut to fit.
func TestRenderSMSFits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Clinique médicale familiale ", 7)
	for _, kind := range allKinds {
		f := factsFor(kind)
		if f.Clinic != nil {
			f.Clinic.Name, f.Clinic.Address = long[:200], strings.Repeat("é", 100)
		}
		if f.Incident != nil {
			f.Incident.TextFR = strings.Repeat("Panne générale du réseau. ", 20)
		}
		for _, lang := range []string{"fr", "en"} {
			e, err := Render(testMessage(kind, rdv.BySMS, lang), f)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, lang, err)
			}
			if n := utf8.RuneCountInString(e.Text); n > SMSMaxChars {
				t.Errorf("%s %s: %d characters: %s", kind, lang, n, e.Text)
			}
			if kind != rdv.MessageSignInCode && kind != rdv.MessageCancelled && !strings.Contains(e.Text, testBase) {
				t.Errorf("%s %s: the link was cut: %s", kind, lang, e.Text)
			}
		}
	}
}

// TestRenderRefuses: a message whose facts do not hold what it tells is
// a defect, reported, never a message with holes.
func TestRenderRefuses(t *testing.T) {
	t.Parallel()
	noBase := testFacts()
	noBase.Links.Base = ""
	noClinic := testFacts()
	noClinic.Clinic = nil
	tests := []struct {
		name string
		m    rdv.Message
		f    Facts
	}{
		{"no public address", testMessage(rdv.MessageConfirmed, rdv.ByEmail, "fr"), noBase},
		{"no appointment", testMessage(rdv.MessageReminder, rdv.ByEmail, "fr"), factsFor(rdv.MessageSignInCode)},
		{"no clinic", testMessage(rdv.MessageConfirmed, rdv.BySMS, "fr"), noClinic},
		{"no incident", testMessage(rdv.MessageOutage, rdv.ByEmail, "fr"), testFacts()},
		{"no code", func() rdv.Message {
			m := testMessage(rdv.MessageSignInCode, rdv.BySMS, "fr")
			m.Secret = ""
			return m
		}(), factsFor(rdv.MessageSignInCode)},
		{"unknown kind", testMessage("birthday", rdv.ByEmail, "fr"), testFacts()},
		{"no proposal", testMessage(rdv.MessageProposal, rdv.ByEmail, "fr"), testFacts()},
		{"no proposal token", func() rdv.Message {
			m := testMessage(rdv.MessageProposal, rdv.BySMS, "en")
			m.Secret = ""
			return m
		}(), factsFor(rdv.MessageProposal)},
		{"unknown channel", testMessage(rdv.MessageConfirmed, "pigeon", "fr"), testFacts()},
	}
	for _, tt := range tests {
		if e, err := Render(tt.m, tt.f); err == nil {
			t.Errorf("%s: rendered %+v", tt.name, e)
		}
	}
}

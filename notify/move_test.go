package notify

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"rdv"
)

// TestRenderMoveProposal: a proposal to a place on the waitlist says it
// moves the appointment, from which time, that it is free, and that
// declining keeps the appointment, on every channel and in both
// languages; a proposal to another request says none of it.
func TestRenderMoveProposal(t *testing.T) {
	t.Parallel()
	move := func() Facts {
		f := factsFor(rdv.MessageProposal)
		f.Request.MovesAppointment, f.Request.ClinicID, f.Request.Scope = 42, 3, rdv.ScopeOwnClinic
		f.Request.To = testStart.Add(48 * time.Hour) // the appointment to move
		return f
	}
	tests := []struct {
		lang    string
		subject string
		email   []string
		sms     []string
	}{
		{"fr", "Votre rendez-vous peut être avancé : mardi 8 décembre 2026 à 9 h 30",
			[]string{"votre rendez-vous du jeudi 10 décembre 2026 à 9 h 30 peut y être avancé, sans frais",
				"vous gardez votre rendez-vous du jeudi 10 décembre 2026 à 9 h 30", "Pour l'accepter ou le refuser"},
			[]string{"Votre rendez-vous du jeudi 10 décembre 2026 à 9 h 30 peut être avancé au mardi 8 décembre 2026 à 9 h 30", testBase}},
		{"en", "Your appointment can be moved earlier: Tuesday, December 8, 2026 at 9:30 a.m.",
			[]string{"your appointment on Thursday, December 10, 2026 at 9:30 a.m. can be moved to it, free of charge",
				"you keep your appointment on Thursday, December 10, 2026 at 9:30 a.m.", "To accept or decline it"},
			[]string{"Your appointment on Thursday, December 10, 2026 at 9:30 a.m. can be moved earlier to Tuesday, December 8, 2026 at 9:30 a.m.", testBase}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			e, err := Render(testMessage(rdv.MessageProposal, rdv.ByEmail, tt.lang), move())
			if err != nil {
				t.Fatal(err)
			}
			if e.Subject != tt.subject {
				t.Errorf("subject %q, want %q", e.Subject, tt.subject)
			}
			for _, want := range tt.email {
				if !strings.Contains(e.Text, want) || !strings.Contains(e.HTML, htmlEscape(want)) {
					t.Errorf("email lacks %q:\n%s", want, e.Text)
				}
			}
			s, err := Render(testMessage(rdv.MessageProposal, rdv.BySMS, tt.lang), move())
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.sms {
				if !strings.Contains(s.Text, want) {
					t.Errorf("text message lacks %q: %s", want, s.Text)
				}
			}
			// A long clinic name gives way to the link.
			f := move()
			f.Clinic.Name = strings.Repeat("Clinique médicale familiale ", 7)
			if s, err := Render(testMessage(rdv.MessageProposal, rdv.BySMS, tt.lang), f); err != nil ||
				utf8.RuneCountInString(s.Text) > SMSMaxChars || !strings.Contains(s.Text, testBase) {
				t.Errorf("long text message: %q, %v", s.Text, err)
			}
			plain, err := Render(testMessage(rdv.MessageProposal, rdv.ByEmail, tt.lang), factsFor(rdv.MessageProposal))
			if err != nil {
				t.Fatal(err)
			}
			for _, word := range []string{"avancé", "moved earlier", "waitlist", "liste d'attente"} {
				if strings.Contains(plain.Subject+plain.Text, word) {
					t.Errorf("a proposal to another request says %q", word)
				}
			}
		})
	}
}

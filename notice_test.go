package rdv

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAppointmentContact(t *testing.T) {
	child := Patient{FirstName: "Léo", Language: "fr"}
	parent := &Patient{FirstName: "Ana", Email: "ana@example.org", Phone: "+15145550101", Language: "en"}
	tests := []struct {
		name     string
		a        Appointment
		ch       MessageChannel
		to, lang string
	}{
		{"own email", Appointment{Patient: Patient{Email: "a@example.org", Language: "en"}}, ByEmail, "a@example.org", "en"},
		{"own phone", Appointment{Patient: Patient{Phone: "+15145550100", Language: "fr"}}, BySMS, "+15145550100", "fr"},
		{"no email, no guardian", Appointment{Patient: Patient{Phone: "+15145550100"}}, ByEmail, "", ""},
		{"child without email: the guardian's, in the guardian's language", Appointment{Patient: child, Guardian: parent}, ByEmail, "ana@example.org", "en"},
		{"child without phone: the guardian's", Appointment{Patient: child, Guardian: parent}, BySMS, "+15145550101", "en"},
		{"teen with an email of their own", Appointment{Patient: Patient{Email: "teen@example.org", Language: "fr"}, Guardian: parent}, ByEmail, "teen@example.org", "fr"},
		{"no language recorded: French", Appointment{Patient: Patient{Email: "a@example.org"}}, ByEmail, "a@example.org", "fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to, lang := tt.a.Contact(tt.ch)
			if to != tt.to || lang != tt.lang {
				t.Fatalf("Contact(%s) = %q, %q; want %q, %q", tt.ch, to, lang, tt.to, tt.lang)
			}
		})
	}
}

func TestAppointmentNoticesAndConfirmations(t *testing.T) {
	now := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	start := now.Add(72 * time.Hour)
	a := Appointment{ID: 7, Revision: 2, Slot: Slot{Start: start},
		Patient: Patient{Email: "a@example.org", Language: "en"}, Notify: Notify{Email: true, SMS: true}}
	// SMS chosen but no phone: only the email is written.
	got := a.Notices(MessageConfirmed, "tok", now, now)
	if len(got) != 1 {
		t.Fatalf("notices %+v, want one by email", got)
	}
	m := got[0]
	if m.Kind != MessageConfirmed || m.Channel != ByEmail || m.To != "a@example.org" || m.Language != "en" ||
		m.AppointmentID != 7 || m.Revision != 2 || m.Secret != "tok" || !m.DueAt.Equal(now) || m.Status != MessageQueued {
		t.Fatalf("notice %+v", m)
	}
	if got := (Appointment{Patient: a.Patient}).Notices(MessageConfirmed, "", now, now); len(got) != 0 {
		t.Fatalf("notices without a channel chosen: %+v", got)
	}
	tests := []struct {
		name   string
		before time.Duration
		want   bool
	}{
		{"a day before", 24 * time.Hour, true},
		{"none asked", 0, false},
		{"negative", -time.Hour, false},
		{"due now or past: none", 72 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.Confirmations(MessageConfirmed, tt.before, "tok", now)
			if len(got) != 1 || got[0].Kind != MessageConfirmed || !got[0].DueAt.Equal(now) {
				t.Fatalf("confirmations %+v, want one due now", got)
			}
			if got[0].ReminderAt.IsZero() == tt.want || tt.want && !got[0].ReminderAt.Equal(start.Add(-tt.before)) {
				t.Fatalf("confirmation brings a reminder at %v, want one: %v", got[0].ReminderAt, tt.want)
			}
		})
	}
}

func TestMessageFollowUp(t *testing.T) {
	now := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	remind := now.Add(48 * time.Hour)
	m := Message{ID: 9, Kind: MessageConfirmed, Channel: BySMS, To: "+15145550100", Language: "en", AppointmentID: 7, Revision: 2,
		Secret: "tok", DueAt: now.Add(-time.Minute), ReminderAt: remind, Status: MessageSending}
	tests := []struct {
		status MessageStatus
		want   bool
	}{
		{MessageSent, true},
		{MessageKept, true},
		{MessageFailed, true},    // the server may take the reminder later
		{MessageUncertain, true}, // the confirmation may have left
		{MessageBounced, false},  // refused for good: so would the reminder be
		{MessageSkipped, false},  // no longer true: the appointment changed
		{MessageQueued, false},   // retried: not ended
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			r, ok := m.FollowUp(tt.status, now)
			if ok != tt.want {
				t.Fatalf("FollowUp(%s) = %v, want %v", tt.status, ok, tt.want)
			}
			want := Message{Kind: MessageReminder, Channel: BySMS, To: "+15145550100", Language: "en", AppointmentID: 7, Revision: 2,
				Secret: "tok", DueAt: remind, Status: MessageQueued, CreatedAt: now}
			if ok && r != want {
				t.Fatalf("follow-up %+v, want %+v", r, want)
			}
		})
	}
	if _, ok := (Message{Kind: MessageConfirmed}).FollowUp(MessageSent, now); ok {
		t.Fatal("a message that brings no reminder has a follow-up")
	}
}

func TestAppointmentCheckChannels(t *testing.T) {
	child := Patient{FirstName: "Léo"}
	parent := &Patient{FirstName: "Ana", Email: "ana@example.org"}
	tests := []struct {
		name   string
		a      Appointment
		fields []string
	}{
		{"none chosen", Appointment{}, nil},
		{"email given", Appointment{Patient: Patient{Email: "a@example.org"}, Notify: Notify{Email: true}}, nil},
		{"the guardian's email", Appointment{Patient: child, Guardian: parent, Notify: Notify{Email: true}}, nil},
		{"text without a phone", Appointment{Patient: child, Guardian: parent, Notify: Notify{Email: true, SMS: true}}, []string{"notify.sms"}},
		{"nothing given", Appointment{Notify: Notify{Email: true, SMS: true}}, []string{"notify.email", "notify.sms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range AllFieldErrors(tt.a.CheckChannels()) {
				if !errors.Is(e, ErrNoDestination) {
					t.Fatalf("%v does not wrap ErrNoDestination", e)
				}
				got = append(got, e.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestIncidentValidate(t *testing.T) {
	from := time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC)
	good := Incident{From: from, To: from.Add(time.Hour), TextFR: "Panne.\nAppelez la clinique.", TextEN: "Outage.",
		DeclaredAt: from.Add(-time.Hour)}
	many := make([]int64, MaxIncidentClinics+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name  string
		edit  func(*Incident)
		field string // "" when valid
	}{
		{"good", func(*Incident) {}, ""},
		{"every clinic", func(in *Incident) { in.ClinicIDs = nil }, ""},
		{"no declaration time", func(in *Incident) { in.DeclaredAt = time.Time{} }, "declared_at"},
		{"empty window", func(in *Incident) { in.To = in.From }, "to"},
		{"no French", func(in *Incident) { in.TextFR = "" }, "text_fr"},
		{"no English", func(in *Incident) { in.TextEN = "" }, "text_en"},
		{"control character", func(in *Incident) { in.TextEN = "Outage\x1b[2J" }, "text_en"},
		{"too long", func(in *Incident) { in.TextFR = strings.Repeat("é", MaxIncidentText+1) }, "text_fr"},
		{"too many clinics", func(in *Incident) { in.ClinicIDs = many }, "clinic_ids"},
		{"bad clinic", func(in *Incident) { in.ClinicIDs = []int64{3, 0} }, "clinic_ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.edit(&in)
			err := in.Validate()
			if got := ErrorField(err); got != tt.field || (tt.field != "" && ErrorCode(err) != EINVALID) {
				t.Fatalf("Validate() = %v (field %q), want field %q", err, got, tt.field)
			}
		})
	}
}

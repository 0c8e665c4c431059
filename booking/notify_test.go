package booking_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/booking"
)

// slotsFrom returns the IDs of the offered slots that start at or after t.
func (w *world) slotsFrom(t *testing.T, from time.Time) []int64 {
	t.Helper()
	var out []int64
	for _, id := range w.offered() {
		sl, err := w.store.Slot(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !sl.Start.Before(from) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no slot offered from %v", from)
	}
	return out
}

// messages lists the messages written about an appointment.
func (w *world) messages(t *testing.T, id int64) []rdv.Message {
	t.Helper()
	ms, err := w.store.Messages(context.Background(), rdv.MessageFilter{AppointmentID: id})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// count tallies messages by kind and channel, the reminders a message
// brings after it (rdv.Message.ReminderAt) among them.
func count(ms []rdv.Message) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[string(m.Kind)+" "+string(m.Channel)]++
		if !m.ReminderAt.IsZero() {
			out[string(rdv.MessageReminder)+" "+string(m.Channel)]++
		}
	}
	return out
}

func TestConfirmChannels(t *testing.T) {
	t.Parallel()
	withEmail := patient()
	withEmail.Email = "lea@example.org"
	parent := rdv.Patient{FirstName: "Marc", LastName: "Tremblay", Email: "marc@example.org", Phone: "514-555-0100", Language: "en"}
	tests := []struct {
		name     string
		in       booking.ConfirmInput
		want     rdv.Notify
		messages map[string]int
		to       string
	}{
		{"default: by email when there is one", booking.ConfirmInput{Patient: withEmail}, rdv.Notify{Email: true},
			map[string]int{"confirmed email": 1, "reminder email": 1}, "lea@example.org"},
		{"default: nothing without an email", booking.ConfirmInput{Patient: patient()}, rdv.Notify{}, map[string]int{}, ""},
		{"default: the guardian's email for a child", booking.ConfirmInput{Patient: child(), Guardian: &parent, Relationship: rdv.Parent},
			rdv.Notify{Email: true}, map[string]int{"confirmed email": 1, "reminder email": 1}, "marc@example.org"},
		{"text messages chosen", booking.ConfirmInput{Patient: withEmail, Notify: &rdv.Notify{SMS: true}}, rdv.Notify{SMS: true},
			map[string]int{"confirmed sms": 1, "reminder sms": 1}, ""},
		{"nothing chosen", booking.ConfirmInput{Patient: withEmail, Notify: &rdv.Notify{}}, rdv.Notify{}, map[string]int{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			h, err := w.engine.Hold(ctx, w.slotsFrom(t, w.now.Add(48*time.Hour))[0], "a", nil)
			if err != nil {
				t.Fatal(err)
			}
			in := tt.in
			in.HoldID = h.ID
			a, err := w.engine.Confirm(ctx, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Notify != tt.want {
				t.Fatalf("channels %+v, want %+v", a.Notify, tt.want)
			}
			ms := w.messages(t, a.ID)
			if got := count(ms); !maps.Equal(got, tt.messages) {
				t.Fatalf("messages %v, want %v", got, tt.messages)
			}
			for _, m := range ms {
				if tt.to != "" && m.To != tt.to {
					t.Fatalf("message to %q, want %q", m.To, tt.to)
				}
				if sent, err := w.store.Message(ctx, m.ID); err != nil || sent.Secret != a.CancelToken {
					t.Fatalf("message %d carries %q (%v), want the link's token", m.ID, sent.Secret, err)
				}
			}
		})
	}
}

func TestRemindBefore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config time.Duration
		lead   time.Duration // 0: no reminder
	}{
		{"default: a day before", 0, 24 * time.Hour},
		{"two hours before", 2 * time.Hour, 2 * time.Hour},
		{"none", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			e := booking.New(w.store, w.index, booking.Config{RemindBefore: tt.config, Now: func() time.Time { return w.now }}, nil)
			if e.Config().RemindBefore == 0 {
				t.Fatal("no reminder lead after the defaults")
			}
			ids := w.slotsFrom(t, w.now.Add(48*time.Hour))
			h, _ := e.Hold(ctx, ids[0], "a", nil)
			p := patient()
			p.Email = "lea@example.org"
			a, err := e.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: p}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The move's notice brings a new reminder with the same lead.
			h2, _ := e.Hold(ctx, ids[1], "a", nil)
			moved, err := e.Reschedule(ctx, a.ID, a.CancelToken, h2.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			ms := w.messages(t, a.ID)
			if len(ms) != 2 {
				t.Fatalf("messages %+v, want the confirmation and the notice of the move", ms)
			}
			for _, m := range ms {
				if m.Kind == rdv.MessageRescheduled {
					if sent, _ := w.store.Message(ctx, m.ID); sent.Secret != a.CancelToken {
						t.Fatalf("the notice of the move carries %q, want the link's token", sent.Secret)
					}
				}
				start := a.Slot.Start
				if m.Revision == 1 {
					start = moved.Slot.Start
				}
				if tt.lead == 0 && !m.ReminderAt.IsZero() || tt.lead != 0 && !m.ReminderAt.Equal(start.Add(-tt.lead)) {
					t.Fatalf("%s of revision %d brings a reminder at %v, want %v before %v", m.Kind, m.Revision, m.ReminderAt, tt.lead, start)
				}
			}
		})
	}
}

// signIn makes the patient account of an email, as signing in does.
func (w *world) signIn(t *testing.T, email string) int64 {
	t.Helper()
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	code := auth.NewCode()
	if err := w.store.IssueSignInCode(ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: email, Code: code,
		CodeHash: auth.CodeHash(key, email, code), Now: w.now}); err != nil {
		t.Fatal(err)
	}
	token := auth.RandomToken(16)
	acc, err := w.store.VerifySignInCode(ctx, rdv.VerifyCodeRequest{Channel: rdv.ByEmail, To: email, CodeHash: auth.CodeHash(key, email, code), Now: w.now,
		Session: rdv.PatientSession{TokenHash: auth.HashToken(token), CSRFToken: token, ExpiresAt: w.now.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	return acc.ID
}

func TestActForAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	lea, sam := w.signIn(t, "lea@example.org"), w.signIn(t, "sam@example.org")
	ids := w.offered()
	h, _ := w.engine.Hold(ctx, ids[0], "a", nil)
	a, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient(), AccountID: lea}, nil)
	if err != nil || a.AccountID != lea {
		t.Fatalf("booking for the account: %+v, %v", a, err)
	}
	h2, _ := w.engine.Hold(ctx, ids[1], "a", nil)
	for _, acc := range []int64{sam, 0} {
		_, err := w.engine.RescheduleForAccount(ctx, acc, a.ID, h2.ID, nil)
		mustCode(t, err, rdv.ENOTFOUND)
		_, err = w.engine.CancelForAccount(ctx, acc, a.ID, nil)
		mustCode(t, err, rdv.ENOTFOUND)
	}
	_, err = w.engine.RescheduleForAccount(ctx, lea, a.ID, "", nil)
	mustCode(t, err, rdv.EINVALID)
	moved, err := w.engine.RescheduleForAccount(ctx, lea, a.ID, h2.ID, nil)
	if err != nil || moved.Slot.ID != ids[1] {
		t.Fatalf("reschedule for the account: %+v, %v", moved, err)
	}
	cancelled, err := w.engine.CancelForAccount(ctx, lea, a.ID, nil)
	if err != nil || cancelled.Status != rdv.Cancelled {
		t.Fatalf("cancel for the account: %+v, %v", cancelled, err)
	}
	got := w.offered()
	for _, id := range ids[:2] {
		if !slices.Contains(got, id) {
			t.Fatalf("slot %d not offered again after the account's move and cancel", id)
		}
	}
}

func TestConfirmRefusesAChannelWithoutContact(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	h, _ := w.engine.Hold(ctx, w.offered()[0], "a", nil)
	_, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient(), Notify: &rdv.Notify{Email: true}}, nil)
	mustCode(t, err, rdv.EINVALID)
	if f := rdv.ErrorField(err); f != "notify.email" || !errors.Is(err, rdv.ErrNoDestination) {
		t.Fatalf("error %v on %q, want notify.email without a destination", err, f)
	}
	if _, err := w.engine.Confirm(ctx, booking.ConfirmInput{HoldID: h.ID, Patient: patient(), Notify: &rdv.Notify{SMS: true}}, nil); err != nil {
		t.Fatalf("the refusal spoilt the hold: %v", err)
	}
}

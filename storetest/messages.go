package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runMessages runs the conformance suite of the outbox: the messages that
// bookings, reschedules and cancellations write in their own transactions
// (confirmations, reminders, notices), the rule that a patient books a
// slot kept for registered patients only when on the clinic's roster, the
// delivery side's transitions (rdv.MessageStore) and outage incidents.
//
// The fixture's clock is 08:00 on the first day; the network has three
// days of slots (public ones 09:00–11:00, rostered ones 11:00–12:00).
func runMessages(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"ConfirmationPerChannel", testMessagesConfirm},
		{"ReminderFollowsTheConfirmation", testMessagesFollowUp},
		{"NoChannelNoMessage", testMessagesNoChannel},
		{"NoReminderWhenTooClose", testMessagesTooClose},
		{"GuardianHearsForTheChild", testMessagesGuardian},
		{"ReplayWritesNoSecondSet", testMessagesReplay},
		{"RefusedConfirmWritesNone", testMessagesRefusedConfirm},
		{"RescheduleLeavesTheOldReminderStale", testMessagesReschedule},
		{"Cancels", testMessagesCancels},
		{"StatusChangeWritesNothing", testMessagesStatusChange},
		{"RosteredSlots", testMessagesRostered},
		{"DeliveryTransitions", testMessagesDelivery},
		{"Dispatch", testMessagesDispatch},
		{"UrgentFirst", testMessagesUrgentFirst},
		{"Filters", testMessagesFilters},
		{"Incident", testMessagesIncident},
		{"IncidentRefused", testMessagesIncidentRefused},
		{"IncidentOnce", testMessagesIncidentOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, open))
		})
	}
}

// remindBefore is the reminder's lead in these tests.
const remindBefore = 24 * time.Hour

// freeSlot returns the first slot of the network, free at load, of the
// clinic and audience on the given day (0 is Start), after skip others.
func (f *fixture) freeSlot(day int, clinic int64, aud rdv.Audience, skip int) rdv.Slot {
	f.t.Helper()
	date := Start.AddDays(day)
	for i, s := range f.slots {
		if s.ClinicID == clinic && s.Audience == aud && f.patients[i] == 0 && s.State == rdv.SlotFree && rdv.DateOf(s.Start.In(rdv.Toronto)) == date {
			if skip == 0 {
				return s
			}
			skip--
		}
	}
	f.t.Fatalf("no free %s slot of clinic %d on day %d", aud, clinic, day)
	return rdv.Slot{}
}

// reachable is a new patient with an email and a phone of their own.
func (f *fixture) reachable(lang string) rdv.Patient {
	f.seq++
	p := TestPatient(f.seq)
	p.Email = fmt.Sprintf("patient%d@example.org", f.seq)
	p.Phone = fmt.Sprintf("+1514555%04d", f.seq)
	p.Language = lang
	return p
}

// book holds the slot (rostered ones too) and confirms it for a reachable
// patient who chose email and text messages and a reminder a day before;
// edit changes the request first.
func (f *fixture) book(slotID int64, edit func(*rdv.ConfirmRequest)) (rdv.Appointment, error) {
	f.t.Helper()
	r := f.holdReq(slotID, f.nextID("client"))
	r.AllowRostered = true
	h, _, err := f.store.PlaceHold(f.ctx, r)
	if err != nil {
		f.t.Fatalf("hold slot %d: %v", slotID, err)
	}
	cr := f.confirmReq(h.ID, f.reachable("fr"))
	cr.Notify, cr.RemindBefore = rdv.Notify{Email: true, SMS: true}, remindBefore
	if edit != nil {
		edit(&cr)
	}
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	return a, err
}

func (f *fixture) mustBookNotified(slotID int64, edit func(*rdv.ConfirmRequest)) rdv.Appointment {
	f.t.Helper()
	a, err := f.book(slotID, edit)
	if err != nil {
		f.t.Fatalf("book slot %d: %v", slotID, err)
	}
	return a
}

// messages lists the messages about an appointment (every message when
// id is 0), oldest first.
func (f *fixture) messages(id int64) []rdv.Message {
	f.t.Helper()
	ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{AppointmentID: id, Limit: rdv.MaxMessages})
	if err != nil {
		f.t.Fatalf("messages of appointment %d: %v", id, err)
	}
	slices.Reverse(ms)
	return ms
}

// message reads one message as its sender does, Secret included.
func (f *fixture) message(id int64) rdv.Message {
	f.t.Helper()
	m, err := f.store.Message(f.ctx, id)
	if err != nil {
		f.t.Fatalf("message %d: %v", id, err)
	}
	return m
}

// brief is what the tests compare of a message.
type brief struct {
	Kind     rdv.MessageKind
	Channel  rdv.MessageChannel
	To       string
	Revision int
	DueAt    time.Time
}

func briefs(ms []rdv.Message) []brief {
	out := make([]brief, len(ms))
	for i, m := range ms {
		out[i] = brief{m.Kind, m.Channel, m.To, m.Revision, m.DueAt}
	}
	return out
}

// wantMessages fails the test unless ms are want, in any order.
func wantMessages(t *testing.T, what string, ms []rdv.Message, want ...brief) {
	t.Helper()
	got := briefs(ms)
	key := func(b brief) string { return fmt.Sprint(b.Kind, b.Channel, b.To, b.Revision, b.DueAt.UnixMilli()) }
	gs, ws := make([]string, len(got)), make([]string, len(want))
	for i := range got {
		gs[i] = key(got[i])
	}
	for i := range want {
		ws[i] = key(want[i])
	}
	slices.Sort(gs)
	slices.Sort(ws)
	if !slices.Equal(gs, ws) {
		t.Fatalf("%s: messages\n%+v\nwant\n%+v", what, got, want)
	}
}

func testMessagesConfirm(t *testing.T, f *fixture) {
	sl := f.freeSlot(2, 1, rdv.Public, 0)
	a := f.mustBookNotified(sl.ID, func(r *rdv.ConfirmRequest) { r.Patient.Language = "en" })
	if !a.Notify.Email || !a.Notify.SMS || a.AccountID != 0 {
		t.Fatalf("answer's channels %+v, account %d", a.Notify, a.AccountID)
	}
	if got := f.appointment(a.ID); got.Notify != a.Notify {
		t.Fatalf("appointment read back with channels %+v, want %+v", got.Notify, a.Notify)
	}
	due := sl.Start.Add(-remindBefore)
	ms := f.messages(a.ID)
	// The reminders are written when the confirmations' delivery ends.
	wantMessages(t, "a booking", ms,
		brief{rdv.MessageConfirmed, rdv.ByEmail, a.Patient.Email, 0, f.now},
		brief{rdv.MessageConfirmed, rdv.BySMS, a.Patient.Phone, 0, f.now})
	for _, m := range ms {
		if m.Status != rdv.MessageQueued || m.Attempts != 0 || m.Language != "en" || m.AppointmentID != a.ID || m.IncidentID != 0 ||
			!m.CreatedAt.Equal(f.now) || !m.ReminderAt.Equal(due) {
			t.Fatalf("message as written: %+v, want a reminder at %v", m, due)
		}
		if m.Secret != "" {
			t.Fatalf("the list shows message %d's secret", m.ID)
		}
		// Only the sender's read gives the link's token.
		if got := f.message(m.ID); got.Secret != a.CancelToken || got.Kind != m.Kind || got.To != m.To {
			t.Fatalf("message %d read by its sender: %+v, want the secret %q", m.ID, got, a.CancelToken)
		}
	}
}

// deliver runs one attempt of message id that ends as status.
func (f *fixture) deliver(id int64, status rdv.MessageStatus) {
	f.t.Helper()
	if _, err := f.store.BeginSend(f.ctx, id, f.now); err != nil {
		f.t.Fatalf("begin sending message %d: %v", id, err)
	}
	if err := f.store.FinishSend(f.ctx, id, rdv.SendOutcome{Status: status, Now: f.now}); err != nil {
		f.t.Fatalf("finish sending message %d as %s: %v", id, status, err)
	}
}

// testMessagesFollowUp: a confirmation's reminder is written once, when
// its delivery ends, with the link's token the confirmation carried; none
// after a bounce or a skip, none while it is retried, and none again when
// an operator sends the confirmation again.
func testMessagesFollowUp(t *testing.T, f *fixture) {
	tests := []struct {
		status rdv.MessageStatus
		want   bool
	}{
		{rdv.MessageSent, true},
		{rdv.MessageKept, true},
		{rdv.MessageFailed, true},
		{rdv.MessageUncertain, true},
		{rdv.MessageBounced, false},
		{rdv.MessageSkipped, false},
	}
	for i, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			sl := f.freeSlot(2, 1, rdv.Public, i)
			a := f.mustBookNotified(sl.ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{Email: true} })
			ms := f.messages(a.ID)
			if len(ms) != 1 {
				t.Fatalf("booking wrote %+v, want its confirmation only", briefs(ms))
			}
			c := ms[0]
			// A retry ends nothing: no reminder yet.
			f.deliver(c.ID, rdv.MessageQueued)
			if got := f.messages(a.ID); len(got) != 1 {
				t.Fatalf("a retried confirmation wrote %+v", briefs(got))
			}
			if tt.status == rdv.MessageUncertain {
				// A crash mid-send: the next attempt finds it sending.
				for range 2 {
					if _, err := f.store.BeginSend(f.ctx, c.ID, f.now); err != nil {
						t.Fatalf("begin: %v", err)
					}
				}
			} else {
				f.deliver(c.ID, tt.status)
			}
			got := f.messages(a.ID)
			if !tt.want {
				wantMessages(t, "a confirmation "+string(tt.status), got, brief{rdv.MessageConfirmed, rdv.ByEmail, a.Patient.Email, 0, f.now})
				return
			}
			due := sl.Start.Add(-remindBefore)
			wantMessages(t, "a confirmation "+string(tt.status), got,
				brief{rdv.MessageConfirmed, rdv.ByEmail, a.Patient.Email, 0, f.now},
				brief{rdv.MessageReminder, rdv.ByEmail, a.Patient.Email, 0, due})
			r := f.message(got[1].ID)
			if r.Kind != rdv.MessageReminder || r.Secret != a.CancelToken || r.Language != c.Language || r.Status != rdv.MessageQueued ||
				!r.ReminderAt.IsZero() || !slices.Contains(undispatchedIDs(t, f, due), r.ID) {
				t.Fatalf("reminder %+v, want queued for dispatch with the link's token", r)
			}
			if m := f.message(c.ID); m.Secret != "" || !m.ReminderAt.IsZero() {
				t.Fatalf("confirmation after its follow-up: %+v, want no secret and no reminder to come", m)
			}
			// Sent again by an operator, it brings no second reminder.
			if tt.status == rdv.MessageSent || tt.status == rdv.MessageKept {
				return
			}
			if err := f.store.Resend(f.ctx, c.ID, f.now); err != nil {
				t.Fatalf("resend: %v", err)
			}
			f.deliver(c.ID, rdv.MessageSent)
			if again := f.messages(a.ID); len(again) != 2 {
				t.Fatalf("a confirmation sent again wrote %+v", briefs(again))
			}
		})
	}
}

func testMessagesNoChannel(t *testing.T, f *fixture) {
	a := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{} })
	if ms := f.messages(0); len(ms) != 0 {
		t.Fatalf("a booking without channels wrote %+v", briefs(ms))
	}
	// A channel chosen without its contact has nowhere to go.
	b := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 1).ID, func(r *rdv.ConfirmRequest) {
		r.Patient.Phone = ""
		r.Notify = rdv.Notify{SMS: true}
	})
	if ms := f.messages(0); len(ms) != 0 {
		t.Fatalf("a booking by text message without a phone wrote %+v (appointments %d, %d)", briefs(ms), a.ID, b.ID)
	}
}

func testMessagesTooClose(t *testing.T, f *fixture) {
	// Today at 09:00 is an hour away: a reminder a day before is past.
	sl := f.freeSlot(0, 1, rdv.Public, 0)
	a := f.mustBookNotified(sl.ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{Email: true} })
	wantMessages(t, "a booking an hour away", f.messages(a.ID), brief{rdv.MessageConfirmed, rdv.ByEmail, a.Patient.Email, 0, f.now})
	// No reminder asked: none either.
	b := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, func(r *rdv.ConfirmRequest) {
		r.Notify, r.RemindBefore = rdv.Notify{Email: true}, 0
	})
	wantMessages(t, "a booking without reminder", f.messages(b.ID), brief{rdv.MessageConfirmed, rdv.ByEmail, b.Patient.Email, 0, f.now})
}

func testMessagesGuardian(t *testing.T, f *fixture) {
	child := rdv.Patient{FirstName: "Léo", LastName: "Lavoie", BirthDate: rdv.Date{Year: 2024, Month: 6, Day: 1},
		HealthNumber: "LAVL24060118", Language: "fr"}
	parent := f.reachable("en")
	a := f.mustBookNotified(f.freeSlot(0, 1, rdv.Public, 0).ID, func(r *rdv.ConfirmRequest) {
		r.Patient, r.Guardian, r.Relationship, r.BookedBy = child, &parent, rdv.Parent, rdv.ByGuardian
	})
	ms := f.messages(a.ID)
	wantMessages(t, "a child's booking", ms,
		brief{rdv.MessageConfirmed, rdv.ByEmail, parent.Email, 0, f.now},
		brief{rdv.MessageConfirmed, rdv.BySMS, parent.Phone, 0, f.now})
	for _, m := range ms {
		if m.Language != "en" {
			t.Fatalf("message %d to the guardian in %q, want the guardian's language", m.ID, m.Language)
		}
	}
}

func testMessagesReplay(t *testing.T, f *fixture) {
	h := f.mustHold(f.freeSlot(2, 1, rdv.Public, 0).ID, "me")
	cr := f.confirmReq(h.ID, f.reachable("fr"))
	cr.Notify, cr.RemindBefore = rdv.Notify{Email: true}, remindBefore
	cr.Idem = idem("POST /api/v1/appointments", "k", "confirm")
	a, _, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	again, ch, err := f.store.ConfirmHold(f.ctx, cr)
	if err != nil || !ch.Replayed || again.ID != a.ID {
		t.Fatalf("replayed confirm: %+v, %v, replayed %v", again, err, ch.Replayed)
	}
	if ms := f.messages(0); len(ms) != 1 {
		t.Fatalf("a booking and its replay wrote %+v, want one confirmation", briefs(ms))
	}
}

func testMessagesRefusedConfirm(t *testing.T, f *fixture) {
	sl := f.freeSlot(2, 1, rdv.Public, 0)
	first := f.mustHold(sl.ID, "first")
	// The first hold runs out; another takes the slot and books it.
	f.now = first.ExpiresAt.Add(time.Second)
	b := f.mustBookNotified(sl.ID, nil)
	before := f.messages(0)
	cr := f.confirmReq(first.ID, f.reachable("fr"))
	cr.Notify, cr.RemindBefore = rdv.Notify{Email: true, SMS: true}, remindBefore
	_, _, err := f.store.ConfirmHold(f.ctx, cr)
	wantCode(t, "confirm of a hold whose slot was taken", err, rdv.EGONE)
	if after := f.messages(0); len(after) != len(before) {
		t.Fatalf("a refused confirm wrote messages: %+v (the booking of appointment %d wrote %d)", briefs(after), b.ID, len(before))
	}
}

func testMessagesReschedule(t *testing.T, f *fixture) {
	from, to := f.freeSlot(1, 1, rdv.Public, 0), f.freeSlot(2, 1, rdv.Public, 0)
	a := f.mustBookNotified(from.ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{Email: true} })
	h := f.mustHold(to.ID, "me")
	moved, _, err := f.store.Reschedule(f.ctx, rdv.RescheduleRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken),
		HoldID: h.ID, Now: f.now, Token: a.CancelToken, RemindBefore: remindBefore})
	if err != nil {
		t.Fatalf("reschedule: %v", err)
	}
	if moved.Revision != 1 || moved.Notify != a.Notify {
		t.Fatalf("moved appointment: revision %d, channels %+v", moved.Revision, moved.Notify)
	}
	to2 := a.Patient.Email
	wantMessages(t, "a booking moved", f.messages(a.ID),
		brief{rdv.MessageConfirmed, rdv.ByEmail, to2, 0, f.now},
		brief{rdv.MessageRescheduled, rdv.ByEmail, to2, 1, f.now})
	// Delivered, each brings its reminder: the old time's of revision 0.
	for _, m := range f.messages(a.ID) {
		f.deliver(m.ID, rdv.MessageSent)
	}
	ms := f.messages(a.ID)
	wantMessages(t, "a booking moved, its notices sent", ms,
		brief{rdv.MessageConfirmed, rdv.ByEmail, to2, 0, f.now},
		brief{rdv.MessageReminder, rdv.ByEmail, to2, 0, from.Start.Add(-remindBefore)},
		brief{rdv.MessageRescheduled, rdv.ByEmail, to2, 1, f.now},
		brief{rdv.MessageReminder, rdv.ByEmail, to2, 1, to.Start.Add(-remindBefore)})
	for _, m := range ms {
		// The old reminder is queued; its revision tells the sender that
		// the appointment changed since.
		if m.Kind == rdv.MessageReminder && m.Revision == 0 && (m.Status != rdv.MessageQueued || m.Revision >= f.appointment(a.ID).Revision) {
			t.Fatalf("old reminder %+v, appointment at revision %d", m, f.appointment(a.ID).Revision)
		}
		if m.Kind == rdv.MessageReminder && m.Revision == 1 && f.message(m.ID).Secret != a.CancelToken {
			t.Fatalf("the reminder of the new time does not carry the link")
		}
	}
}

func testMessagesCancels(t *testing.T, f *fixture) {
	tests := []struct {
		name    string
		byStaff bool
		want    rdv.MessageKind
	}{
		{"by the patient", false, rdv.MessageCancelled},
		{"by the clinic", true, rdv.MessageCancelledByClinic},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.mustBookNotified(f.freeSlot(0, 1, rdv.Public, i).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{SMS: true} })
			cancel := rdv.CancelRequest{AppointmentID: a.ID, TokenHash: auth.HashToken(a.CancelToken), ByStaff: tt.byStaff, Now: f.now}
			if _, _, err := f.store.Cancel(f.ctx, cancel); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			ms := f.messages(a.ID)
			wantMessages(t, "a booking cancelled", ms,
				brief{rdv.MessageConfirmed, rdv.BySMS, a.Patient.Phone, 0, f.now},
				brief{tt.want, rdv.BySMS, a.Patient.Phone, 1, f.now})
			if got := f.message(ms[len(ms)-1].ID); got.Kind != tt.want || got.Secret != "" {
				t.Fatalf("the notice %+v carries a secret: the appointment's link no longer leads anywhere", got)
			}
			// Cancelling again changes nothing and tells nothing.
			if _, _, err := f.store.Cancel(f.ctx, cancel); err != nil {
				t.Fatalf("cancel again: %v", err)
			}
			if again := f.messages(a.ID); len(again) != len(ms) {
				t.Fatalf("a second cancel wrote %+v", briefs(again))
			}
		})
	}
}

func testMessagesStatusChange(t *testing.T, f *fixture) {
	a := f.mustBookNotified(5, nil)
	before := len(f.messages(a.ID))
	if _, err := f.store.SetAppointmentStatus(f.ctx, rdv.AppointmentStatusRequest{ClinicID: 1, AppointmentID: a.ID, Status: rdv.Arrived, Now: f.now}); err != nil {
		t.Fatalf("mark arrived: %v", err)
	}
	if after := f.messages(a.ID); len(after) != before {
		t.Fatalf("an arrival wrote messages: %+v", briefs(after))
	}
}

func testMessagesRostered(t *testing.T, f *fixture) {
	rostered := f.freeSlot(1, 1, rdv.Rostered, 0)
	h := f.holdReq(rostered.ID, "patient")
	h.AllowRostered = true
	held, _, err := f.store.PlaceHold(f.ctx, h)
	if err != nil {
		t.Fatalf("hold rostered slot: %v", err)
	}
	p := f.reachable("fr")
	confirm := func(by rdv.BookedBy) (rdv.Appointment, error) {
		cr := f.confirmReq(held.ID, p)
		cr.BookedBy, cr.Notify = by, rdv.Notify{Email: true}
		if by == rdv.ByGuardian {
			g := f.reachable("fr")
			cr.Guardian, cr.Relationship = &g, rdv.Parent
		}
		a, _, err := f.store.ConfirmHold(f.ctx, cr)
		return a, err
	}
	for _, by := range []rdv.BookedBy{rdv.BySelf, rdv.ByGuardian} {
		_, err := confirm(by)
		wantCode(t, "a booking of a rostered slot by "+string(by)+" for a patient not on the roster", err, rdv.ENOTROSTERED)
	}
	if ms := f.messages(0); len(ms) != 0 {
		t.Fatalf("refused bookings wrote %+v", briefs(ms))
	}
	f.wantState(rostered.ID, rdv.SlotHeld)

	// Staff and agents book such slots for whom they judge right.
	for i, by := range []rdv.BookedBy{rdv.ByStaff, rdv.ByAgent} {
		if _, err := f.book(f.freeSlot(1, 1, rdv.Rostered, 1+i).ID, func(r *rdv.ConfirmRequest) { r.BookedBy = by }); err != nil {
			t.Fatalf("a booking of a rostered slot by %s: %v", by, err)
		}
	}

	entry := func(clinic int64) rdv.RosterEntry {
		return rdv.RosterEntry{ClinicID: clinic, FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate,
			HealthNumber: p.HealthNumber, AddedAt: f.now}
	}
	// On another clinic's roster: still not this one's.
	if _, err := f.store.AddToRoster(f.ctx, entry(2)); err != nil {
		if rdv.ErrorCode(err) == rdv.EUNAVAILABLE {
			t.Skipf("rosters not written in this store yet: %v", err)
		}
		t.Fatalf("add to clinic 2's roster: %v", err)
	}
	_, err = confirm(rdv.BySelf)
	wantCode(t, "a booking of clinic 1's rostered slot for a patient on clinic 2's roster", err, rdv.ENOTROSTERED)
	if _, err := f.store.AddToRoster(f.ctx, entry(1)); err != nil {
		t.Fatalf("add to clinic 1's roster: %v", err)
	}
	a, err := confirm(rdv.BySelf)
	if err != nil {
		t.Fatalf("a booking of a rostered slot for a patient on the roster: %v", err)
	}
	wantMessages(t, "a rostered booking", f.messages(a.ID), brief{rdv.MessageConfirmed, rdv.ByEmail, p.Email, 0, f.now})
}

func testMessagesDelivery(t *testing.T, f *fixture) {
	a := f.mustBookNotified(f.freeSlot(0, 1, rdv.Public, 0).ID, nil)
	ms := f.messages(a.ID)
	if len(ms) != 2 {
		t.Fatalf("booking wrote %+v, want two confirmations", briefs(ms))
	}
	email, sms := ms[0], ms[1]
	if email.Channel != rdv.ByEmail {
		email, sms = sms, email
	}
	begin := func(id int64, wantBefore rdv.MessageStatus) rdv.Message {
		t.Helper()
		m, err := f.store.BeginSend(f.ctx, id, f.now)
		if err != nil || m.ID != id || m.Status != wantBefore {
			t.Fatalf("begin sending message %d: %+v, %v; want it as it was, %s", id, m, err, wantBefore)
		}
		return m
	}
	finish := func(id int64, o rdv.SendOutcome) error {
		o.Now = f.now
		return f.store.FinishSend(f.ctx, id, o)
	}
	want := func(id int64, status rdv.MessageStatus, attempts int, secret bool) rdv.Message {
		t.Helper()
		m := f.message(id)
		if m.Status != status || m.Attempts != attempts || (m.Secret != "") != secret {
			t.Fatalf("message %d: %s, %d attempts, secret %q; want %s, %d, secret kept %v", id, m.Status, m.Attempts, m.Secret, status, attempts, secret)
		}
		return m
	}

	// A first attempt that surely did not leave: queued again, secret kept.
	if m := begin(email.ID, rdv.MessageQueued); m.Attempts != 0 || m.Secret != a.CancelToken {
		t.Fatalf("begin answered %+v, want the queued message with its secret", m)
	}
	want(email.ID, rdv.MessageSending, 1, true)
	if err := finish(email.ID, rdv.SendOutcome{Status: rdv.MessageQueued, Error: "421 try again later"}); err != nil {
		t.Fatalf("finish with a retry: %v", err)
	}
	if m := want(email.ID, rdv.MessageQueued, 1, true); m.LastError != "421 try again later" {
		t.Fatalf("last error %q", m.LastError)
	}
	// The second leaves: recorded as sent, secret wiped.
	begin(email.ID, rdv.MessageQueued)
	f.now = f.now.Add(time.Minute)
	if err := finish(email.ID, rdv.SendOutcome{Status: rdv.MessageSent, Subject: "Rendez-vous confirmé", Body: "Votre rendez-vous…"}); err != nil {
		t.Fatalf("finish sent: %v", err)
	}
	if m := want(email.ID, rdv.MessageSent, 2, false); m.Subject != "Rendez-vous confirmé" || m.Body != "Votre rendez-vous…" || !m.SentAt.Equal(f.now) {
		t.Fatalf("sent message %+v", m)
	}
	// A sent message is not started again, nor finished, nor resent.
	begin(email.ID, rdv.MessageSent)
	want(email.ID, rdv.MessageSent, 2, false)
	wantCode(t, "finish a sent message", finish(email.ID, rdv.SendOutcome{Status: rdv.MessageQueued}), rdv.ECONFLICT)
	wantCode(t, "resend a sent message", f.store.Resend(f.ctx, email.ID, f.now), rdv.ENOTFOUND)

	// A crash after the text may have left: the next attempt finds it
	// sending, marks it uncertain and does not start.
	begin(sms.ID, rdv.MessageQueued)
	begin(sms.ID, rdv.MessageSending)
	if m := want(sms.ID, rdv.MessageUncertain, 1, false); m.LastError == "" {
		t.Fatal("an uncertain message tells operators nothing")
	}
	begin(sms.ID, rdv.MessageUncertain)
	wantCode(t, "finish an uncertain message", finish(sms.ID, rdv.SendOutcome{Status: rdv.MessageSent}), rdv.ECONFLICT)
	// An operator sends it again: queued, due now, for the dispatcher.
	f.now = f.now.Add(time.Hour)
	if err := f.store.Resend(f.ctx, sms.ID, f.now); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if m := want(sms.ID, rdv.MessageQueued, 1, false); !m.DueAt.Equal(f.now) {
		t.Fatalf("resent message due %v, want %v", m.DueAt, f.now)
	}
	if !slices.Contains(undispatchedIDs(t, f, f.now), sms.ID) {
		t.Fatal("a resent message waits for no delivery job")
	}

	// Failed and bounced are given up (secret wiped) and may be resent.
	for _, status := range []rdv.MessageStatus{rdv.MessageFailed, rdv.MessageBounced, rdv.MessageSkipped} {
		begin(sms.ID, rdv.MessageQueued)
		if err := finish(sms.ID, rdv.SendOutcome{Status: status, Error: "550 no such user"}); err != nil {
			t.Fatalf("finish %s: %v", status, err)
		}
		want(sms.ID, status, f.message(sms.ID).Attempts, false)
		err := f.store.Resend(f.ctx, sms.ID, f.now)
		if status == rdv.MessageSkipped {
			wantCode(t, "resend a skipped message", err, rdv.ENOTFOUND)
			continue
		}
		if err != nil {
			t.Fatalf("resend %s: %v", status, err)
		}
	}

	// What does not end an attempt is refused; unknown messages are not found.
	wantCode(t, "finish as sending", finish(email.ID, rdv.SendOutcome{Status: rdv.MessageSending}), rdv.EINVALID)
	_, err := f.store.BeginSend(f.ctx, 1_000_000, f.now)
	wantCode(t, "begin an unknown message", err, rdv.ENOTFOUND)
	_, err = f.store.Message(f.ctx, 1_000_000)
	wantCode(t, "read an unknown message", err, rdv.ENOTFOUND)
	wantCode(t, "resend an unknown message", f.store.Resend(f.ctx, 1_000_000, f.now), rdv.ENOTFOUND)
	wantCode(t, "finish an unknown message", finish(1_000_000, rdv.SendOutcome{Status: rdv.MessageSent}), rdv.ENOTFOUND)
}

// undispatchedIDs returns the messages without a delivery job due by
// before, in the order the store gives them.
func undispatchedIDs(t *testing.T, f *fixture, before time.Time) []int64 {
	t.Helper()
	ms, err := f.store.UndispatchedMessages(f.ctx, before, 1000)
	if err != nil {
		t.Fatalf("undispatched messages: %v", err)
	}
	out := make([]int64, len(ms))
	for i, m := range ms {
		if m.Secret != "" {
			t.Fatalf("undispatched message %d shows its secret", m.ID)
		}
		if m.DueAt.After(before) {
			t.Fatalf("undispatched message %d due %v, after %v", m.ID, m.DueAt, before)
		}
		out[i] = m.ID
	}
	return out
}

func testMessagesDispatch(t *testing.T, f *fixture) {
	a := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, nil)
	b := f.mustBookNotified(f.freeSlot(2, 2, rdv.Public, 1).ID, nil)
	// Delivered, the confirmations bring their reminders.
	for _, m := range f.messages(0) {
		f.deliver(m.ID, rdv.MessageSent)
	}
	// Each booking wrote a confirmation, due now, and a reminder, due a
	// day before its appointment, per channel: a's reminders fall due
	// first (its slot is earlier).
	byKind := func(appt int64, kind rdv.MessageKind) []int64 {
		var ids []int64
		for _, m := range f.messages(appt) {
			if m.Kind == kind {
				ids = append(ids, m.ID)
			}
		}
		if len(ids) != 2 {
			t.Fatalf("appointment %d has %d %s messages, want one per channel", appt, len(ids), kind)
		}
		return ids
	}
	confirmations := slices.Concat(byKind(a.ID, rdv.MessageConfirmed), byKind(b.ID, rdv.MessageConfirmed))
	aReminders, bReminders := byKind(a.ID, rdv.MessageReminder), byKind(b.ID, rdv.MessageReminder)
	aDue, bDue := f.message(aReminders[0]).DueAt, f.message(bReminders[0]).DueAt
	if !aDue.Before(bDue) || !aDue.After(f.now) {
		t.Fatalf("reminders due %v and %v, want after %v and a's first", aDue, bDue, f.now)
	}

	// A message due later is not returned until its time, and then the
	// earliest due come first.
	tests := []struct {
		name   string
		before time.Time
		want   []int64
	}{
		{"now: the confirmations", f.now, confirmations},
		{"just before a's reminders", aDue.Add(-time.Millisecond), confirmations},
		{"when a's reminders fall due", aDue, slices.Concat(confirmations, aReminders)},
		{"when b's fall due", bDue, slices.Concat(confirmations, aReminders, bReminders)},
		{"long after", bDue.Add(30 * 24 * time.Hour), slices.Concat(confirmations, aReminders, bReminders)},
	}
	for _, tt := range tests {
		if got := undispatchedIDs(t, f, tt.before); !slices.Equal(got, tt.want) {
			t.Fatalf("undispatched %s: %v, want %v", tt.name, got, tt.want)
		}
	}
	all := undispatchedIDs(t, f, bDue)
	first, err := f.store.UndispatchedMessages(f.ctx, bDue, 3)
	if err != nil || len(first) != 3 || first[0].ID != all[0] || first[2].ID != all[2] {
		t.Fatalf("the 3 earliest due undispatched: %v, %v", first, err)
	}
	before := make(map[int64]rdv.Message)
	for _, id := range all[:5] {
		before[id] = f.message(id)
	}
	if err := f.store.MarkDispatched(f.ctx, all[:5]); err != nil {
		t.Fatalf("mark dispatched: %v", err)
	}
	if err := f.store.MarkDispatched(f.ctx, nil); err != nil {
		t.Fatalf("mark none dispatched: %v", err)
	}
	if left := undispatchedIDs(t, f, bDue); !slices.Equal(left, all[5:]) {
		t.Fatalf("undispatched after marking 5: %v, want %v", left, all[5:])
	}
	// Dispatching changes nothing else: status, secret, attempts.
	for _, id := range all[:5] {
		if m := f.message(id); m != before[id] {
			t.Fatalf("dispatched message %+v, was %+v", m, before[id])
		}
	}
}

func testMessagesFilters(t *testing.T, f *fixture) {
	a := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, nil)
	b := f.mustBookNotified(f.freeSlot(2, 2, rdv.Public, 0).ID, nil)
	// a's confirmations are sent, and bring their reminders.
	for _, m := range f.messages(a.ID) {
		f.deliver(m.ID, rdv.MessageSent)
	}
	all, err := f.store.Messages(f.ctx, rdv.MessageFilter{})
	if err != nil || len(all) != 6 {
		t.Fatalf("every message: %d, %v; want 6", len(all), err)
	}
	if !slices.IsSortedFunc(all, func(x, y rdv.Message) int { return int(y.ID - x.ID) }) {
		t.Fatal("messages not listed newest first")
	}
	// One of b's fails for good.
	failed := f.messages(b.ID)[0].ID
	if _, err := f.store.BeginSend(f.ctx, failed, f.now); err != nil {
		t.Fatal(err)
	}
	if err := f.store.FinishSend(f.ctx, failed, rdv.SendOutcome{Status: rdv.MessageFailed, Error: "timeout", Now: f.now}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter rdv.MessageFilter
		want   int
		check  func(rdv.Message) bool
	}{
		{"clinic 1", rdv.MessageFilter{ClinicID: 1}, 4, func(m rdv.Message) bool { return m.AppointmentID == a.ID }},
		{"clinic 3", rdv.MessageFilter{ClinicID: 3}, 0, nil},
		// b's two confirmations, and the reminder of the one that failed.
		{"appointment", rdv.MessageFilter{AppointmentID: b.ID}, 3, func(m rdv.Message) bool { return m.AppointmentID == b.ID }},
		{"appointment of another clinic", rdv.MessageFilter{AppointmentID: b.ID, ClinicID: 1}, 0, nil},
		{"text messages", rdv.MessageFilter{Channel: rdv.BySMS}, 3, func(m rdv.Message) bool { return m.Channel == rdv.BySMS }},
		{"dead letters", rdv.MessageFilter{Statuses: []rdv.MessageStatus{rdv.MessageFailed, rdv.MessageBounced, rdv.MessageUncertain}}, 1,
			func(m rdv.Message) bool { return m.ID == failed }},
		{"queued email of clinic 2", rdv.MessageFilter{ClinicID: 2, Channel: rdv.ByEmail, Statuses: []rdv.MessageStatus{rdv.MessageQueued}}, 1,
			func(m rdv.Message) bool { return m.AppointmentID == b.ID && m.Channel == rdv.ByEmail }},
		{"limit", rdv.MessageFilter{Limit: 3}, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.store.Messages(f.ctx, tt.filter)
			if err != nil || len(got) != tt.want {
				t.Fatalf("Messages(%+v): %d messages, %v; want %d", tt.filter, len(got), err, tt.want)
			}
			for _, m := range got {
				if m.Secret != "" {
					t.Fatalf("the list shows message %d's secret", m.ID)
				}
				if tt.check != nil && !tt.check(m) {
					t.Fatalf("Messages(%+v) listed %+v", tt.filter, m)
				}
			}
		})
	}
}

func testMessagesIncident(t *testing.T, f *fixture) {
	// Clinic 1 on the third day: told is booked with both channels; at the
	// window's end, after it, cancelled or without channels: not told.
	told := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, nil)
	silent := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 1).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{} })
	cancelled := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 2).ID, nil)
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: cancelled.ID, ByStaff: true, Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	atEnd := f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 4).ID, nil)
	// Clinic 2 in the window: told only when every clinic is touched.
	other := f.mustBookNotified(f.freeSlot(2, 2, rdv.Public, 0).ID, func(r *rdv.ConfirmRequest) { r.Notify = rdv.Notify{Email: true} })
	// Clinic 1 the day before: never.
	before := f.mustBookNotified(f.freeSlot(1, 1, rdv.Public, 0).ID, nil)

	in := rdv.Incident{ClinicIDs: []int64{1}, From: told.Slot.Start, To: atEnd.Slot.Start, TextFR: "Panne informatique.\nAppelez la clinique.",
		TextEN: "IT outage.\nCall the clinic.", DeclaredAt: f.now}
	first, err := f.store.DeclareIncident(f.ctx, in)
	if err != nil {
		t.Fatalf("declare incident: %v", err)
	}
	if first.ID == 0 || first.Notified != 2 {
		t.Fatalf("incident %+v, want 2 notices (appointment %d by email and text)", first, told.ID)
	}
	outages := func(a rdv.Appointment) []rdv.Message {
		var out []rdv.Message
		for _, m := range f.messages(a.ID) {
			if m.Kind == rdv.MessageOutage {
				out = append(out, m)
			}
		}
		return out
	}
	got := outages(told)
	wantMessages(t, "the appointment in the window", got,
		brief{rdv.MessageOutage, rdv.ByEmail, told.Patient.Email, 0, f.now},
		brief{rdv.MessageOutage, rdv.BySMS, told.Patient.Phone, 0, f.now})
	for _, m := range got {
		if m.IncidentID != first.ID || m.Status != rdv.MessageQueued || f.message(m.ID).Secret != "" {
			t.Fatalf("outage notice %+v of incident %d", m, first.ID)
		}
	}
	for _, a := range []rdv.Appointment{silent, cancelled, atEnd, other, before} {
		if got := outages(a); len(got) != 0 {
			t.Fatalf("appointment %d (%v) told of the outage: %+v", a.ID, a.Slot.Start, briefs(got))
		}
	}

	// A second incident, every clinic: told again (a new incident), and
	// the other clinic's appointment now too.
	f.now = f.now.Add(time.Hour)
	in.ClinicIDs, in.DeclaredAt, in.DeclaredBy = nil, f.now, 0
	second, err := f.store.DeclareIncident(f.ctx, in)
	if err != nil {
		t.Fatalf("declare second incident: %v", err)
	}
	if second.ID == first.ID || second.Notified != 3 {
		t.Fatalf("second incident %+v, want 3 notices", second)
	}
	if n := len(outages(told)); n != 4 {
		t.Fatalf("appointment %d has %d outage notices after two incidents, want 4", told.ID, n)
	}
	wantMessages(t, "the other clinic's appointment", outages(other), brief{rdv.MessageOutage, rdv.ByEmail, other.Patient.Email, 0, f.now})

	list, err := f.store.Incidents(f.ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("incidents: %+v, %v", list, err)
	}
	if list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("incidents %d, %d; want the newest (%d) first", list[0].ID, list[1].ID, second.ID)
	}
	if l := list[1]; !slices.Equal(l.ClinicIDs, []int64{1}) || !l.From.Equal(in.From) || !l.To.Equal(in.To) || l.TextFR != in.TextFR ||
		l.TextEN != in.TextEN || l.Notified != 2 || !l.DeclaredAt.Equal(first.DeclaredAt) {
		t.Fatalf("first incident read back %+v, want %+v", l, first)
	}
	if list[0].ClinicIDs != nil {
		t.Fatalf("an incident of every clinic read back with clinics %v", list[0].ClinicIDs)
	}
}

func testMessagesIncidentRefused(t *testing.T, f *fixture) {
	f.mustBookNotified(f.freeSlot(2, 1, rdv.Public, 0).ID, nil)
	good := rdv.Incident{From: f.now, To: f.now.Add(72 * time.Hour), TextFR: "Panne.", TextEN: "Outage.", DeclaredAt: f.now}
	tests := []struct {
		name  string
		edit  func(*rdv.Incident)
		field string
	}{
		{"window backwards", func(in *rdv.Incident) { in.From, in.To = in.To, in.From }, "to"},
		{"no English", func(in *rdv.Incident) { in.TextEN = "" }, "text_en"},
		{"escape in the text", func(in *rdv.Incident) { in.TextFR = "Panne\x1b]8;;" }, "text_fr"},
		{"too many clinics", func(in *rdv.Incident) { in.ClinicIDs = make([]int64, rdv.MaxIncidentClinics+1) }, "clinic_ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.edit(&in)
			_, err := f.store.DeclareIncident(f.ctx, in)
			if rdv.ErrorCode(err) != rdv.EINVALID || rdv.ErrorField(err) != tt.field {
				t.Fatalf("declare %+v: %v, want %s on %s", in, err, rdv.EINVALID, tt.field)
			}
		})
	}
	if list, err := f.store.Incidents(f.ctx); err != nil || len(list) != 0 {
		t.Fatalf("refused incidents stored: %+v, %v", list, err)
	}
	for _, m := range f.messages(0) {
		if m.Kind == rdv.MessageOutage {
			t.Fatalf("a refused incident wrote %+v", m)
		}
	}
}

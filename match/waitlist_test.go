package match_test

import (
	"testing"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/storetest"
)

// The waitlist of one's own clinic in the queue: a place on it takes only
// earlier slots of its appointment's clinic, waits its turn with the
// other requests by the same rules, and its move frees the old slot for
// the next.

// signIn makes a patient account for an email, as signing in by code does.
func (w *world) signIn(email string) rdv.PatientAccount {
	w.t.Helper()
	key := []byte("0123456789abcdef0123456789abcdef")
	code := auth.NewCode()
	if err := w.store.IssueSignInCode(w.ctx, rdv.SignInCodeRequest{Channel: rdv.ByEmail, To: email, Code: code,
		CodeHash: auth.CodeHash(key, email, code), Language: "fr", Now: w.now, MaxPerAddress: 20}); err != nil {
		w.t.Fatalf("issue a code: %v", err)
	}
	acc, err := w.store.VerifySignInCode(w.ctx, rdv.VerifyCodeRequest{Channel: rdv.ByEmail, To: email,
		CodeHash: auth.CodeHash(key, email, code), Language: "fr", Now: w.now,
		Session: rdv.PatientSession{TokenHash: auth.HashToken(email), CSRFToken: "csrf", CreatedAt: w.now, ExpiresAt: w.now.Add(time.Hour)}})
	if err != nil {
		w.t.Fatalf("verify the code: %v", err)
	}
	return acc
}

// block holds a slot for a client of its own, out of the test's way.
func (w *world) block(s rdv.Slot) rdv.Hold {
	w.t.Helper()
	h, ch, err := w.store.PlaceHold(w.ctx, rdv.HoldRequest{HoldID: auth.RandomToken(12), SlotID: s.ID, ClientKey: auth.RandomToken(12),
		TTL: time.Hour, Now: w.now})
	if err != nil {
		w.t.Fatalf("hold slot %d: %v", s.ID, err)
	}
	w.index.Apply(ch)
	return h
}

// bookFor books slot s for the account, by email.
func (w *world) bookFor(acc rdv.PatientAccount, s rdv.Slot) rdv.Appointment {
	w.t.Helper()
	h := w.block(s)
	w.seq++
	p := storetest.TestPatient(w.seq)
	p.Email = acc.Email
	a, ch, err := w.store.ConfirmHold(w.ctx, rdv.ConfirmRequest{HoldID: h.ID, Patient: p, BookedBy: rdv.BySelf, Channel: rdv.Web,
		Notify: rdv.Notify{Email: true}, AccountID: acc.ID, CancelTokenHash: auth.HashToken("t"), Now: w.now})
	if err != nil {
		w.t.Fatalf("book slot %d: %v", s.ID, err)
	}
	w.index.Apply(ch)
	return a
}

// waitlist puts appointment a on the waitlist of its clinic, received
// after the requests added before it.
func (w *world) waitlist(acc rdv.PatientAccount, a rdv.Appointment) rdv.AppointmentRequest {
	w.t.Helper()
	w.seq++
	a, err := w.store.Appointment(w.ctx, a.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	c, _ := w.index.Clinic(a.Slot.ClinicID)
	ref := w.ref(w.seq)
	r, err := rdv.WaitlistInput{Appointment: a, Clinic: c, Account: acc, Reference: ref,
		TokenHash: auth.HashToken(storetest.RequestToken(ref)), Now: w.now}.Request()
	if err != nil {
		w.t.Fatal(err)
	}
	r.ReceivedAt = w.now.Add(time.Duration(w.seq) * time.Second).Truncate(time.Millisecond)
	if r, err = w.store.AddRequest(w.ctx, r); err != nil {
		w.t.Fatalf("waitlist appointment %d: %v", a.ID, err)
	}
	return r
}

// TestWaitlistEarlierAtItsClinic: a place on the waitlist is proposed an
// earlier slot of its appointment's clinic, never a later one, never one
// of another clinic however early.
func TestWaitlistEarlierAtItsClinic(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	acc := w.signIn("lea@example.org")
	a := w.bookFor(acc, w.slotAt(1, 2, 10*60))
	r := w.waitlist(acc, a)
	p, ok := w.admit(r)
	if !ok || p.Slot.ClinicID != a.Slot.ClinicID || !p.Slot.Start.Before(a.Slot.Start) || p.Slot.Service != a.Slot.Service {
		t.Fatalf("proposal %+v (%v), want an earlier slot of clinic %d", p.Slot, ok, a.Slot.ClinicID)
	}
	if _, err := w.match.Decline(w.ctx, r.Reference, storetest.RequestToken(r.Reference), p.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []rdv.Slot{w.slotAt(1, 2, 10*60+15), w.slotAt(2, 2, 10*60+45), w.slotAt(3, 0, 9*60), w.slotAt(4, 1, 9*60)} {
		if p, ok := w.offer(s); ok {
			t.Fatalf("slot %d (clinic %d, %v) went to request %d; the appointment is at clinic %d, %v",
				s.ID, s.ClinicID, s.Start, p.RequestID, a.Slot.ClinicID, a.Slot.Start)
		}
	}
	if p, ok := w.offer(w.slotAt(2, 1, 9*60)); !ok || p.RequestID != r.ID {
		t.Fatalf("an earlier slot of the clinic: to request %d (%v), want %d", p.RequestID, ok, r.ID)
	}
}

// TestWaitlistFirstComeFirstServed: a place on the waitlist and another
// own-clinic request that fit one slot get it in the order they came,
// whichever came first.
func TestWaitlistFirstComeFirstServed(t *testing.T) {
	t.Parallel()
	for _, waitlistFirst := range []bool{true, false} {
		w := newWorld(t)
		acc := w.signIn("lea@example.org")
		a := w.bookFor(acc, w.slotAt(1, 0, 9*60+45))
		// Every earlier general slot of the clinic is held, but S.
		s := w.slotAt(2, 0, 9*60+30)
		for _, o := range []rdv.Slot{w.slotAt(1, 0, 9*60), w.slotAt(1, 0, 9*60+30), w.slotAt(2, 0, 9*60), w.slotAt(2, 0, 9*60+15)} {
			w.block(o)
		}
		h := w.hold(s)
		own := func(r *rdv.AppointmentRequest) {
			r.Scope = rdv.ScopeOwnClinic
			r.Weekdays, r.Times = 1<<storetest.Start.Weekday(), "09:30-09:45"
		}
		var first, second rdv.AppointmentRequest
		if waitlistFirst {
			first = w.waitlist(acc, a)
			second = w.add(own)
		} else {
			first = w.add(own)
			second = w.waitlist(acc, a)
		}
		o := first
		if waitlistFirst {
			o = second
		}
		if _, err := w.store.AddToRoster(w.ctx, rdv.RosterEntry{ClinicID: 1, FirstName: o.FirstName, LastName: o.LastName,
			BirthDate: o.BirthDate, HealthNumber: o.HealthNumber, AddedAt: w.now}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []rdv.AppointmentRequest{second, first} {
			if p, ok := w.admit(r); ok {
				t.Fatalf("request %s got slot %d while its only slots are held", r.Reference, p.Slot.ID)
			}
		}
		freed := w.release(h)
		for _, want := range []rdv.AppointmentRequest{first, second} {
			p, ok := w.offer(freed)
			if !ok || p.RequestID != want.ID {
				t.Fatalf("waitlist first %v: slot went to request %d (%v), want %d", waitlistFirst, p.RequestID, ok, want.ID)
			}
			if _, err := w.match.Decline(w.ctx, want.Reference, storetest.RequestToken(want.Reference), p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestWaitlistMoveFreesTheOldSlot: accepting moves the appointment; its
// old slot is free at once, for the next request that fits it.
func TestWaitlistMoveFreesTheOldSlot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	acc := w.signIn("lea@example.org")
	old := w.slotAt(1, 1, 9*60+30)
	a := w.bookFor(acc, old)
	next := w.add(onlyS) // fits the old slot only, booked: it waits
	if _, ok := w.admit(next); ok {
		t.Fatal("a request got a slot while its only one is booked")
	}
	r := w.waitlist(acc, a)
	p, ok := w.admit(r)
	if !ok {
		t.Fatal("no earlier slot proposed to the waitlist")
	}
	moved, err := w.match.Accept(w.ctx, r.Reference, storetest.RequestToken(r.Reference), p.ID)
	if err != nil {
		t.Fatalf("accept the move: %v", err)
	}
	if moved.ID != a.ID || moved.Slot.ID != p.Slot.ID || moved.Revision != a.Revision+1 {
		t.Fatalf("moved %+v, want appointment %d on slot %d", moved, a.ID, p.Slot.ID)
	}
	if got := w.status(r); got != rdv.RequestBooked {
		t.Fatalf("the place on the waitlist: %s, want booked", got)
	}
	if sl, err := w.store.Slot(w.ctx, old.ID); err != nil || sl.State != rdv.SlotFree {
		t.Fatalf("old slot after the move: %+v, %v", sl, err)
	}
	if got, ok := w.offer(old); !ok || got.RequestID != next.ID {
		t.Fatalf("the old slot went to request %d (%v), want %d", got.RequestID, ok, next.ID)
	}
}

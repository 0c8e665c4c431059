package storetest

import (
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// testGuestBookingsJoinByEmail: the bookings made without an account that
// gave the email proved, as the patient's or the guardian's and in any
// case, join the account; others stay out.
func testGuestBookingsJoinByEmail(t *testing.T, f *patientsFixture) {
	free := f.freePublic(4)
	to := "lea.tremblay@example.org"
	mine := TestPatient(70)
	mine.Email, mine.Phone = "Lea.Tremblay@Example.org", "+15145550123"
	later := f.book(free[3], mine, nil)
	sooner := f.book(free[0], mine, nil)
	child := rdv.Patient{FirstName: "Zoé", LastName: "Essai", BirthDate: rdv.Date{Year: 2022, Month: time.May, Day: 4},
		HealthNumber: "ESSZ22550401", Language: "fr"}
	guardian := TestPatient(71)
	guardian.Email = to
	forChild := f.book(free[1], child, &guardian)
	other := TestPatient(72)
	other.Email = "marc@example.org"
	theirs := f.book(free[2], other, nil)

	a := f.mustSignIn(rdv.ByEmail, to)
	list, err := f.store.AccountAppointments(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("account's appointments: %v", err)
	}
	if got := appointmentIDs(list); !equalIDs(got, []int64{sooner.ID, forChild.ID, later.ID}) {
		t.Fatalf("account's appointments %v, want %v soonest first (not %d)", got, []int64{sooner.ID, forChild.ID, later.ID}, theirs.ID)
	}
	for _, got := range list {
		want := f.appointment(got.ID)
		want.AccountID = a.ID
		if got.AccountID != a.ID || got.Slot != want.Slot || got.Patient != want.Patient || got.Status != rdv.Booked ||
			(got.Guardian == nil) != (want.Guardian == nil) || got.Guardian != nil && *got.Guardian != *want.Guardian {
			t.Fatalf("account's appointment\n%+v\nwant as the store reads it\n%+v", got, want)
		}
	}
	if got := f.appointment(sooner.ID).AccountID; got != a.ID {
		t.Fatalf("appointment %d read alone has account %d, want %d", sooner.ID, got, a.ID)
	}

	// A cancelled appointment stays listed; a booking already in an
	// account stays there when another account proves its other contact.
	if _, _, err := f.store.Cancel(f.ctx, rdv.CancelRequest{AppointmentID: later.ID, TokenHash: auth.HashToken(later.CancelToken), Now: f.now}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	f.now = f.now.Add(time.Hour)
	byPhone := f.mustSignIn(rdv.BySMS, mine.Phone)
	if list, err := f.store.AccountAppointments(f.ctx, byPhone.ID); err != nil || len(list) != 0 {
		t.Fatalf("appointments of the phone's account: %v, %v; want none, they joined the email's", appointmentIDs(list), err)
	}
	if list, err := f.store.AccountAppointments(f.ctx, a.ID); err != nil || len(list) != 3 || list[2].Status != rdv.Cancelled {
		t.Fatalf("account's appointments after a cancel: %v, %v; want the three, the last cancelled", appointmentIDs(list), err)
	}
	if list, err := f.store.AccountAppointments(f.ctx, a.ID+1000); err != nil || len(list) != 0 {
		t.Fatalf("appointments of an unknown account: %v, %v; want none", list, err)
	}
}

// testGuestBookingsJoinByPhone: the same by phone, the patient's or the
// guardian's.
func testGuestBookingsJoinByPhone(t *testing.T, f *patientsFixture) {
	free := f.freePublic(3)
	to := "+15145550123"
	mine := TestPatient(80)
	mine.Phone = to
	own := f.book(free[0], mine, nil)
	child := rdv.Patient{FirstName: "Zoé", LastName: "Essai", BirthDate: rdv.Date{Year: 2022, Month: time.May, Day: 4},
		HealthNumber: "ESSZ22550401", Language: "fr"}
	guardian := TestPatient(81)
	guardian.Phone = to
	forChild := f.book(free[1], child, &guardian)
	other := TestPatient(82)
	other.Phone = "+14185550123"
	f.book(free[2], other, nil)

	// The email sign-in of someone who booked by phone joins nothing.
	byEmail := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	if list, err := f.store.AccountAppointments(f.ctx, byEmail.ID); err != nil || len(list) != 0 {
		t.Fatalf("appointments of an email account: %v, %v; want none", appointmentIDs(list), err)
	}
	a := f.mustSignIn(rdv.BySMS, to)
	list, err := f.store.AccountAppointments(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("account's appointments: %v", err)
	}
	if got := appointmentIDs(list); !equalIDs(got, []int64{own.ID, forChild.ID}) {
		t.Fatalf("account's appointments %v, want %v", got, []int64{own.ID, forChild.ID})
	}
}

// book books slotID for p (and guardian), as a guest.
func (f *patientsFixture) book(slotID int64, p rdv.Patient, guardian *rdv.Patient) rdv.Appointment {
	f.t.Helper()
	r := f.confirmReq(f.mustHold(slotID, f.nextID("guest")).ID, p)
	if guardian != nil {
		r.Guardian, r.Relationship, r.BookedBy = guardian, rdv.Parent, rdv.ByGuardian
	}
	a, _, err := f.store.ConfirmHold(f.ctx, r)
	if err != nil {
		f.t.Fatalf("book slot %d: %v", slotID, err)
	}
	return a
}

func appointmentIDs(list []rdv.Appointment) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

func equalIDs(a, b []int64) bool { return slices.Equal(a, b) }

// testPatientSessions: a session lives until it expires or is deleted.
func testPatientSessions(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	r := f.verifyReq(rdv.ByEmail, to, f.mustSendCode(rdv.ByEmail, to))
	a := f.mustVerify(r)
	hash := r.Session.TokenHash
	if _, got, err := f.store.PatientSessionByTokenHash(f.ctx, hash, r.Session.ExpiresAt.Add(-time.Millisecond)); err != nil || got.ID != a.ID {
		t.Fatalf("session just before it expires: %+v, %v", got, err)
	}
	_, _, err := f.store.PatientSessionByTokenHash(f.ctx, hash, r.Session.ExpiresAt)
	wantCode(t, "session once expired", err, rdv.ENOTFOUND)
	_, _, err = f.store.PatientSessionByTokenHash(f.ctx, auth.HashToken("unknown"), f.now)
	wantCode(t, "unknown session", err, rdv.ENOTFOUND)

	// A second sign-in has a session of its own; signing out of one
	// leaves the other.
	f.now = f.now.Add(time.Minute)
	r2 := f.verifyReq(rdv.ByEmail, to, f.mustSendCode(rdv.ByEmail, to))
	f.mustVerify(r2)
	for range 2 {
		if err := f.store.DeletePatientSession(f.ctx, hash); err != nil {
			t.Fatalf("sign out: %v", err)
		}
	}
	_, _, err = f.store.PatientSessionByTokenHash(f.ctx, hash, f.now)
	wantCode(t, "session signed out", err, rdv.ENOTFOUND)
	if _, got, err := f.store.PatientSessionByTokenHash(f.ctx, r2.Session.TokenHash, f.now); err != nil || got.ID != a.ID {
		t.Fatalf("the other session: %+v, %v", got, err)
	}
	// A session token in use cannot be given again.
	f.now = f.now.Add(time.Minute)
	r3 := f.verifyReq(rdv.ByEmail, to, f.mustSendCode(rdv.ByEmail, to))
	r3.Session.TokenHash = r2.Session.TokenHash
	_, err = f.store.VerifySignInCode(f.ctx, r3)
	wantCode(t, "session token in use", err, rdv.ECONFLICT)
}

// testUpdatePatientAccount: the language and the channels change, with
// the time they were chosen; nothing else does.
func testUpdatePatientAccount(t *testing.T, f *patientsFixture) {
	a := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	changed := a
	changed.Language, changed.Notify, changed.ConsentAt = "fr", rdv.Notify{SMS: true}, f.now.Add(time.Hour)
	changed.Email, changed.Phone, changed.CreatedAt = "mallory@example.org", "+15145550666", f.now.Add(-time.Hour)
	if err := f.store.UpdatePatientAccount(f.ctx, changed); err != nil {
		t.Fatalf("update account: %v", err)
	}
	want := a
	want.Language, want.Notify, want.ConsentAt = "fr", rdv.Notify{SMS: true}, f.now.Add(time.Hour)
	if got, err := f.store.PatientAccount(f.ctx, a.ID); err != nil || got != want {
		t.Fatalf("account after update %+v, %v; want %+v", got, err, want)
	}
	bad := want
	bad.Language = "de"
	wantCode(t, "update to an unknown language", f.store.UpdatePatientAccount(f.ctx, bad), rdv.EINVALID)
	bad = want
	bad.ConsentAt = time.Time{}
	wantCode(t, "update without the time of the choice", f.store.UpdatePatientAccount(f.ctx, bad), rdv.EINVALID)
	unknown := want
	unknown.ID = a.ID + 1000
	wantCode(t, "update an unknown account", f.store.UpdatePatientAccount(f.ctx, unknown), rdv.ENOTFOUND)
	_, err := f.store.PatientAccount(f.ctx, a.ID+1000)
	wantCode(t, "unknown account", err, rdv.ENOTFOUND)
}

package storetest

import (
	"testing"
	"time"

	"rdv"
)

// person is the account holder's record of p, or a dependent's.
func (f *patientsFixture) person(accountID int64, p rdv.Patient, rel rdv.Relationship) rdv.Person {
	return rdv.Person{AccountID: accountID, FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate,
		HealthNumber: p.HealthNumber, Relationship: rel, CreatedAt: f.now}
}

func (f *patientsFixture) mustSavePerson(p rdv.Person) rdv.Person {
	f.t.Helper()
	got, err := f.store.SavePerson(f.ctx, p)
	if err != nil {
		f.t.Fatalf("save person %+v: %v", p, err)
	}
	return got
}

// wantPeople checks an account's people, in order.
func (f *patientsFixture) wantPeople(accountID int64, want ...rdv.Person) {
	f.t.Helper()
	got, err := f.store.People(f.ctx, accountID)
	if err != nil {
		f.t.Fatalf("people of account %d: %v", accountID, err)
	}
	if len(got) != len(want) {
		f.t.Fatalf("account %d has people\n%+v\nwant\n%+v", accountID, got, want)
	}
	for i := range got {
		if got[i] != want[i] { // #nosec G602 -- the lengths are equal: checked above
			f.t.Fatalf("account %d's person %d\n%+v\nwant\n%+v", accountID, i, got[i], want[i])
		}
	}
}

func child() rdv.Patient {
	return rdv.Patient{FirstName: "Zoé", LastName: "Essai", BirthDate: rdv.Date{Year: 2022, Month: time.May, Day: 4}, HealthNumber: "ESSZ22550401"}
}

// testPeople: the holder and dependents are added, listed holder first,
// changed and removed; one holder per account.
func testPeople(t *testing.T, f *patientsFixture) {
	a := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	f.wantPeople(a.ID)
	kidIn := f.person(a.ID, child(), rdv.Parent)
	kidIn.HealthNumber = "essz 2255 0401"
	kid := f.mustSavePerson(kidIn)
	if kid.ID == 0 || kid.HealthNumber != "ESSZ22550401" || kid.AccountID != a.ID || !kid.CreatedAt.Equal(f.now) {
		t.Fatalf("person added %+v, want an ID, the number normalised and the time of the write", kid)
	}
	f.now = f.now.Add(time.Minute)
	baby := f.mustSavePerson(f.person(a.ID, rdv.Patient{FirstName: "Noé", LastName: "Essai", BirthDate: rdv.Date{Year: 2031, Month: time.January, Day: 2}}, rdv.LegalGuardian))
	f.now = f.now.Add(time.Minute)
	self := f.mustSavePerson(f.person(a.ID, TestPatient(90), rdv.Self))
	f.wantPeople(a.ID, self, kid, baby)

	_, err := f.store.SavePerson(f.ctx, f.person(a.ID, TestPatient(91), rdv.Self))
	wantCode(t, "a second holder", err, rdv.ECONFLICT)
	toSelf := kid
	toSelf.Relationship = rdv.Self
	_, err = f.store.SavePerson(f.ctx, toSelf)
	wantCode(t, "a dependent made a second holder", err, rdv.ECONFLICT)

	renamed := kid
	renamed.FirstName, renamed.Relationship, renamed.CreatedAt = " Zoélie ", rdv.OtherRelation, f.now
	got := f.mustSavePerson(renamed)
	want := kid
	want.FirstName, want.Relationship = "Zoélie", rdv.OtherRelation
	if got != want {
		t.Fatalf("person changed\n%+v\nwant\n%+v (added when first saved)", got, want)
	}
	f.wantPeople(a.ID, self, want, baby)

	if err := f.store.RemovePerson(f.ctx, a.ID, kid.ID); err != nil {
		t.Fatalf("remove person: %v", err)
	}
	f.wantPeople(a.ID, self, baby)
	wantCode(t, "remove a person twice", f.store.RemovePerson(f.ctx, a.ID, kid.ID), rdv.ENOTFOUND)
	// The holder removed, another may be recorded.
	if err := f.store.RemovePerson(f.ctx, a.ID, self.ID); err != nil {
		t.Fatalf("remove the holder: %v", err)
	}
	f.mustSavePerson(f.person(a.ID, TestPatient(91), rdv.Self))
}

// testPeopleOfOneAccount: an account sees and changes only its own people.
func testPeopleOfOneAccount(t *testing.T, f *patientsFixture) {
	a := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	b := f.mustSignIn(rdv.BySMS, "+15145550123")
	kid := f.mustSavePerson(f.person(a.ID, child(), rdv.Parent))
	bSelf := f.mustSavePerson(f.person(b.ID, TestPatient(92), rdv.Self))
	aSelf := f.mustSavePerson(f.person(a.ID, TestPatient(93), rdv.Self))

	stolen := kid
	stolen.AccountID, stolen.FirstName = b.ID, "Zack"
	_, err := f.store.SavePerson(f.ctx, stolen)
	wantCode(t, "change another account's person", err, rdv.ENOTFOUND)
	wantCode(t, "remove another account's person", f.store.RemovePerson(f.ctx, b.ID, kid.ID), rdv.ENOTFOUND)
	theirs := bSelf
	theirs.AccountID = a.ID
	_, err = f.store.SavePerson(f.ctx, theirs)
	wantCode(t, "take another account's holder", err, rdv.ENOTFOUND)
	f.wantPeople(a.ID, aSelf, kid)
	f.wantPeople(b.ID, bSelf)
}

// testPeopleRefused: an invalid person, an unknown account or person.
func testPeopleRefused(t *testing.T, f *patientsFixture) {
	a := f.mustSignIn(rdv.ByEmail, "lea@example.org")
	bad := f.person(a.ID, child(), rdv.Parent)
	bad.HealthNumber = "ESSZ22550501"
	_, err := f.store.SavePerson(f.ctx, bad)
	wantCode(t, "a number of another birth date", err, rdv.EINVALID)
	if got := rdv.ErrorField(err); got != "person.health_number" {
		t.Fatalf("field %q, want person.health_number", got)
	}
	bad = f.person(a.ID, child(), "cousin")
	_, err = f.store.SavePerson(f.ctx, bad)
	wantCode(t, "an unknown relationship", err, rdv.EINVALID)
	_, err = f.store.SavePerson(f.ctx, f.person(a.ID+1000, child(), rdv.Parent))
	wantCode(t, "a person of an unknown account", err, rdv.ENOTFOUND)
	unknown := f.person(a.ID, child(), rdv.Parent)
	unknown.ID = 1000
	_, err = f.store.SavePerson(f.ctx, unknown)
	wantCode(t, "change an unknown person", err, rdv.ENOTFOUND)
	wantCode(t, "remove an unknown person", f.store.RemovePerson(f.ctx, a.ID, 1000), rdv.ENOTFOUND)
	f.wantPeople(a.ID)
}

// rosterEntry is the entry that registers p with a clinic.
func (f *patientsFixture) rosterEntry(clinicID int64, p rdv.Patient, by int64) rdv.RosterEntry {
	return rdv.RosterEntry{ClinicID: clinicID, FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate,
		HealthNumber: p.HealthNumber, AddedBy: by, AddedAt: f.now}
}

func (f *patientsFixture) mustRoster(e rdv.RosterEntry) rdv.RosterEntry {
	f.t.Helper()
	got, err := f.store.AddToRoster(f.ctx, e)
	if err != nil {
		f.t.Fatalf("add to roster: %v", err)
	}
	return got
}

// wantRoster checks a clinic's roster, in order.
func (f *patientsFixture) wantRoster(clinicID int64, want ...rdv.RosterEntry) {
	f.t.Helper()
	got, err := f.store.Roster(f.ctx, clinicID)
	if err != nil {
		f.t.Fatalf("roster of clinic %d: %v", clinicID, err)
	}
	if len(got) != len(want) {
		f.t.Fatalf("roster of clinic %d\n%+v\nwant\n%+v", clinicID, got, want)
	}
	for i := range got {
		if got[i] != want[i] { // #nosec G602 -- the lengths are equal: checked above
			f.t.Fatalf("roster of clinic %d, entry %d\n%+v\nwant\n%+v", clinicID, i, got[i], want[i])
		}
	}
}

// wantRosteredClinics checks the clinics that register one of these
// patients, as an account's people.
func (f *patientsFixture) wantRosteredClinics(patients []rdv.Patient, want ...int64) {
	f.t.Helper()
	var people []rdv.Person
	for _, p := range patients {
		people = append(people, f.person(0, p, rdv.OtherRelation))
	}
	got, err := f.store.RosteredClinics(f.ctx, people)
	if err != nil || !equalIDs(got, want) {
		f.t.Fatalf("clinics rostering %+v: %v, %v; want %v", people, got, err, want)
	}
}

// testRoster: a patient is registered once per clinic, listed with their
// identity, found by their numbers, and removed.
func testRoster(t *testing.T, f *patientsFixture) {
	desk := mustCreateAccount(t, f.fixture, f.store, account("desk@clinique.example", rdv.Receptionist, 1))
	other := mustCreateAccount(t, f.fixture, f.store, account("other@clinique.example", rdv.Receptionist, 1))
	lea := TestPatient(100)
	in := f.rosterEntry(1, lea, desk.ID)
	in.HealthNumber = " " + lea.HealthNumber[:4] + " " + lea.HealthNumber[4:8] + " " + lea.HealthNumber[8:]
	e := f.mustRoster(in)
	want := f.rosterEntry(1, lea, desk.ID)
	want.PatientID = e.PatientID
	if e.PatientID == 0 || e != want {
		t.Fatalf("entry added\n%+v\nwant\n%+v", e, want)
	}
	// Registering again changes nothing, and answers the first entry.
	f.now = f.now.Add(time.Minute) // before the first slot, which the test books
	if again := f.mustRoster(f.rosterEntry(1, lea, other.ID)); again != want {
		t.Fatalf("entry added twice\n%+v\nwant the first\n%+v", again, want)
	}
	f.wantRoster(1, want)
	f.wantRoster(2)

	// The patient registered is the one bookings find by the number.
	if a := f.book(f.freePublic(1)[0], lea, nil); a.Patient.ID != e.PatientID {
		t.Fatalf("booking filed under patient %d, want the registered %d", a.Patient.ID, e.PatientID)
	}

	marc := TestPatient(101)
	marc.FirstName, marc.LastName = "Marc", "Abel"
	marc.HealthNumber = "ABEM" + marc.HealthNumber[4:]
	m := f.mustRoster(f.rosterEntry(1, marc, 0))
	lea3 := f.mustRoster(f.rosterEntry(3, lea, 0))
	f.wantRoster(1, m, want) // by last name
	f.wantRoster(3, lea3)
	f.wantRosteredClinics([]rdv.Patient{lea}, 1, 3)
	f.wantRosteredClinics([]rdv.Patient{marc, {}, lea}, 1, 3)
	f.wantRosteredClinics([]rdv.Patient{marc}, 1)
	f.wantRosteredClinics([]rdv.Patient{TestPatient(102)})
	f.wantRosteredClinics(nil)

	if err := f.store.RemoveFromRoster(f.ctx, 1, e.PatientID); err != nil {
		t.Fatalf("remove from roster: %v", err)
	}
	f.wantRoster(1, m)
	f.wantRosteredClinics([]rdv.Patient{lea}, 3)
	wantCode(t, "remove from the roster twice", f.store.RemoveFromRoster(f.ctx, 1, e.PatientID), rdv.ENOTFOUND)
	wantCode(t, "remove from another clinic's roster", f.store.RemoveFromRoster(f.ctx, 2, m.PatientID), rdv.ENOTFOUND)
	f.wantRoster(1, m)
}

// testRosterRefused: an entry without a valid identity, or for an
// unknown clinic, registers nobody.
func testRosterRefused(t *testing.T, f *patientsFixture) {
	lea := TestPatient(110)
	for _, tc := range []struct {
		name  string
		edit  func(*rdv.RosterEntry)
		code  string
		field string
	}{
		{"no health number", func(e *rdv.RosterEntry) { e.HealthNumber = "" }, rdv.EINVALID, "patient.health_number"},
		{"number of another name", func(e *rdv.RosterEntry) { e.LastName = "Gagnon" }, rdv.EINVALID, "patient.health_number"},
		{"no birth date", func(e *rdv.RosterEntry) { e.BirthDate = rdv.Date{} }, rdv.EINVALID, "patient.birth_date"},
		{"unknown clinic", func(e *rdv.RosterEntry) { e.ClinicID = 99 }, rdv.ENOTFOUND, ""},
	} {
		e := f.rosterEntry(1, lea, 0)
		tc.edit(&e)
		_, err := f.store.AddToRoster(f.ctx, e)
		wantCode(t, tc.name, err, tc.code)
		if got := rdv.ErrorField(err); got != tc.field {
			t.Fatalf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
	f.wantRoster(1)
	f.wantRosteredClinics([]rdv.Patient{lea})
	// Nothing was added: the first booking under the number adds the
	// patient with its own details.
	booked := lea
	booked.FirstName = "Pat"
	a := f.book(f.freePublic(1)[0], booked, nil)
	if got := f.patient(a.Patient.ID); got.FirstName != "Pat" {
		t.Fatalf("patient stored as %+v, want the booking's details: a refused entry adds nobody", got)
	}
}

// testRosterKeepsPatients: registering a known number under other
// details changes nothing stored about the patient.
func testRosterKeepsPatients(t *testing.T, f *patientsFixture) {
	stored := f.patient(1) // Marie Lavoie, of the network
	e := f.rosterEntry(2, rdv.Patient{FirstName: "Mallory", LastName: "Lavoie-Attaquant", BirthDate: stored.BirthDate, HealthNumber: stored.HealthNumber}, 0)
	got := f.mustRoster(e)
	if got.PatientID != stored.ID || got.FirstName != stored.FirstName || got.LastName != stored.LastName {
		t.Fatalf("entry %+v, want the stored patient %d as stored", got, stored.ID)
	}
	if after := f.patient(stored.ID); after != stored {
		t.Fatalf("patient after registration\n%+v\nwant unchanged\n%+v", after, stored)
	}

	// A patient a booking added is kept as the booking gave it.
	p := TestPatient(120)
	p.Email = "p120@example.org"
	a := f.book(f.freePublic(1)[0], p, nil)
	before := f.patient(a.Patient.ID)
	renamed := p
	renamed.FirstName = "Paul"
	if got := f.mustRoster(f.rosterEntry(1, renamed, 0)); got.PatientID != a.Patient.ID || got.FirstName != p.FirstName {
		t.Fatalf("entry %+v, want patient %d as stored", got, a.Patient.ID)
	}
	if after := f.patient(a.Patient.ID); after != before {
		t.Fatalf("patient after registration\n%+v\nwant unchanged\n%+v", after, before)
	}
}

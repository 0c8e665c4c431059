package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/fieldcrypt"
)

// Rekeyer is what a store handed to Run offers so that the suite can open
// its database again with other keys: the keys a server restarts with
// after a key is added, or wrong ones.
type Rekeyer interface {
	// KeysText is the text of the key set the store was opened with.
	KeysText() string
	// Reopen opens the store's database again, beside the first store,
	// with keys; it fails as a server's start would.
	Reopen(t *testing.T, keys *fieldcrypt.Keys) (rdv.Store, error)
}

// runSealedPatients checks that patient data is sealed at rest and still
// found by equality, and that keys rotate while the store serves. The
// store must be a TableReader and a Rekeyer.
func runSealedPatients(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *patientsFixture)
	}{
		{"NothingInClear", testPatientDataSealed},
		{"MessagesNothingInClear", testMessagesSealed},
		{"StaffAndWebhookSecretsSealed", testSecretsSealed},
		{"SamePatientByBlindIndex", testSamePatientByBlindIndex},
		{"RotateWhileBooking", testRotateWhileBooking},
		{"WrongOrMissingKeysRefused", testWrongKeysRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &patientsFixture{fixture: newFixture(t, open), key: []byte("0123456789abcdef0123456789abcdef")})
		})
	}
}

// wantNothingInClear fails when a column of a table that keeps patient
// data (fieldcrypt.Tables) holds one of the secrets as the database
// stores it.
func wantNothingInClear(t *testing.T, raw TableReader, secrets map[string]string) {
	t.Helper()
	for _, sealed := range fieldcrypt.Tables {
		table := sealed.Name
		for i, row := range raw.TableRows(t, table) {
			for j, col := range row {
				for what, s := range secrets {
					if holds(col, s) {
						t.Errorf("%s row %d, column %d holds the %s in clear: %.60q", table, i, j, what, col)
					}
				}
			}
		}
	}
}

// testPatientDataSealed books for a child with a guardian, registers a
// patient with a clinic, signs in with the guardian's email and adds that
// patient to the account: no column of the patients', appointments',
// accounts' or people's tables holds a name, birth date, health number,
// phone or email, and every read gives them back.
func testPatientDataSealed(t *testing.T, f *patientsFixture) {
	raw, ok := f.store.(TableReader)
	if !ok {
		t.Fatalf("%T does not implement storetest.TableReader", f.store)
	}
	free := f.freePublic(1)
	child := secretPatient()
	guardian := TestPatient(4343)
	guardian.FirstName, guardian.LastName = "Rosalie", "Vaillancourt-Després"
	guardian.Email, guardian.Phone = "rosalie.vaillancourt@example.org", "+14185550177"
	a := f.book(free[0], child, &guardian)
	// A registration's number must match the name: the suite's patients'
	// do.
	registered := TestPatient(4244)
	entry, err := f.store.AddToRoster(f.ctx, rdv.RosterEntry{ClinicID: a.Slot.ClinicID, FirstName: registered.FirstName, LastName: registered.LastName,
		BirthDate: registered.BirthDate, HealthNumber: registered.HealthNumber, AddedAt: f.now})
	if err != nil {
		t.Fatalf("add to roster: %v", err)
	}
	account := f.mustSignIn(rdv.ByEmail, guardian.Email)
	person, err := f.store.SavePerson(f.ctx, rdv.Person{AccountID: account.ID, FirstName: registered.FirstName, LastName: registered.LastName,
		BirthDate: registered.BirthDate, HealthNumber: registered.HealthNumber, Relationship: rdv.Parent, CreatedAt: f.now})
	if err != nil {
		t.Fatalf("save person: %v", err)
	}

	req := f.addMatchRequest("sealed-1", func(r *rdv.AppointmentRequest) {
		r.FirstName, r.LastName, r.BirthDate, r.HealthNumber = registered.FirstName, registered.LastName, registered.BirthDate, registered.HealthNumber
		r.Email, r.Phone = "requester.secret@example.org", "+14505550123"
	})

	wantNothingInClear(t, raw, map[string]string{
		"request's email": req.Email, "request's phone": req.Phone,
		"health number": child.HealthNumber, "first name": child.FirstName, "last name": child.LastName,
		"birth date": child.BirthDate.String(), "email": child.Email, "phone": child.Phone,
		"guardian's first name": guardian.FirstName, "guardian's last name": guardian.LastName,
		"guardian's health number": guardian.HealthNumber, "guardian's email": guardian.Email, "guardian's phone": guardian.Phone,
		"registered patient's health number": registered.HealthNumber, "registered patient's last name": registered.LastName,
	})

	got := f.appointment(a.ID)
	if got.Patient.HealthNumber != child.HealthNumber || got.Patient.LastName != child.LastName || got.Patient.Email != child.Email ||
		got.Patient.BirthDate != child.BirthDate || got.Guardian == nil || got.Guardian.Phone != guardian.Phone || got.Guardian.Email != guardian.Email {
		t.Fatalf("appointment read back %+v (guardian %+v), want the booking's people", got.Patient, got.Guardian)
	}
	p, err := f.store.Patient(f.ctx, a.Patient.ID)
	if err != nil || p.HealthNumber != child.HealthNumber || p.FirstName != child.FirstName || p.Phone != child.Phone {
		t.Fatalf("patient read back %+v, %v", p, err)
	}
	roster, err := f.store.Roster(f.ctx, a.Slot.ClinicID)
	if err != nil || len(roster) != 1 || roster[0].PatientID != entry.PatientID || roster[0].LastName != registered.LastName ||
		roster[0].HealthNumber != registered.HealthNumber {
		t.Fatalf("roster read back %+v, %v", roster, err)
	}
	people, err := f.store.People(f.ctx, account.ID)
	if err != nil || len(people) != 1 || people[0].ID != person.ID || people[0].HealthNumber != registered.HealthNumber || people[0].BirthDate != registered.BirthDate {
		t.Fatalf("people read back %+v, %v", people, err)
	}
	if got, err := f.store.Request(f.ctx, req.ID); err != nil || got.HealthNumber != registered.HealthNumber || got.Email != req.Email ||
		got.BirthDate != registered.BirthDate {
		t.Fatalf("request read back %+v, %v", got, err)
	}
	if acct, err := f.store.PatientAccount(f.ctx, account.ID); err != nil || acct.Email != guardian.Email {
		t.Fatalf("account read back %+v, %v", acct, err)
	}
}

// testSecretsSealed: a staff member's authenticator secret, from which
// anyone computes their codes, and a clinic's webhook signing secret,
// with which anyone signs a forged event, are sealed at rest and read
// back as given.
func testSecretsSealed(t *testing.T, f *patientsFixture) {
	raw, ok := f.store.(TableReader)
	if !ok {
		t.Fatalf("%T does not implement storetest.TableReader", f.store)
	}
	a := mustCreateAccount(t, f.fixture, f.store, account("totp@x.example", rdv.Operator, 0))
	const secret, signing = "SEALEDSECRETQQQQ", "whsec_c2NlbGzDqS1kZS10ZXN0" // #nosec G101 -- a test's secrets
	if err := f.store.StartTOTP(f.ctx, a.ID, secret, ms()); err != nil {
		t.Fatalf("start TOTP: %v", err)
	}
	if _, err := f.store.AddWebhookEndpoint(f.ctx, rdv.WebhookEndpoint{ClinicID: 1, URL: "https://dossiers.example.org/rdv",
		Events: []rdv.EventType{rdv.EventBooked}, Secret: signing, CreatedAt: f.now}); err != nil {
		t.Fatalf("add webhook endpoint: %v", err)
	}
	wantNothingInClear(t, raw, map[string]string{"authenticator secret": secret, "webhook signing secret": signing})
	if got, err := f.store.TOTP(f.ctx, a.ID); err != nil || got.Secret != secret {
		t.Fatalf("TOTP read back %+v, %v; want the secret given", got, err)
	}
}

// testSamePatientByBlindIndex: two bookings with one health number, typed
// differently, are filed under one patient, found through the blind
// index; a registration by that number finds them too.
func testSamePatientByBlindIndex(t *testing.T, f *patientsFixture) {
	free := f.freePublic(2)
	p := TestPatient(4444)
	first := f.book(free[0], p, nil)
	again := p
	again.HealthNumber = strings.ToLower(p.HealthNumber[:4]) + " " + p.HealthNumber[4:]
	again.Phone = "+18195550100"
	second := f.book(free[1], again, nil)
	if first.Patient.ID == 0 || second.Patient.ID != first.Patient.ID {
		t.Fatalf("two bookings of health number %s filed under patients %d and %d, want one", p.HealthNumber, first.Patient.ID, second.Patient.ID)
	}
	e, err := f.store.AddToRoster(f.ctx, rdv.RosterEntry{ClinicID: first.Slot.ClinicID, FirstName: p.FirstName, LastName: p.LastName,
		BirthDate: p.BirthDate, HealthNumber: p.HealthNumber, AddedAt: f.now})
	if err != nil || e.PatientID != first.Patient.ID {
		t.Fatalf("registration of the number filed under patient %d, %v; want %d", e.PatientID, err, first.Patient.ID)
	}
	clinics, err := f.store.RosteredClinics(f.ctx, []rdv.Person{{FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate,
		HealthNumber: p.HealthNumber}})
	if err != nil || len(clinics) != 1 || clinics[0] != first.Slot.ClinicID {
		t.Fatalf("rostered clinics %v, %v; want [%d]", clinics, err, first.Slot.ClinicID)
	}
}

// testRotateWhileBooking adds a key, reopens the database with it and
// rotates in small batches while bookings go on through the same store:
// at the end no row is left under the old key, every appointment reads
// back, and a store that has only the old key cannot read what the new
// one sealed.
func testRotateWhileBooking(t *testing.T, f *patientsFixture) {
	rk, ok := f.store.(Rekeyer)
	if !ok {
		t.Fatalf("%T does not implement storetest.Rekeyer", f.store)
	}
	free := f.freePublic(13)
	before := f.book(free[0], secretPatient(), nil)
	free = free[1:]
	old, err := fieldcrypt.Parse(rk.KeysText())
	if err != nil {
		t.Fatal(err)
	}
	next, err := fieldcrypt.Parse(rk.KeysText() + old.NextKey())
	if err != nil {
		t.Fatal(err)
	}
	s2, err := rk.Reopen(t, next)
	if err != nil {
		t.Fatalf("reopen with a key added: %v", err)
	}
	stale, err := s2.StaleSealed(f.ctx)
	if err != nil || stale == 0 {
		t.Fatalf("rows to rotate before the rotation: %d, %v; want some", stale, err)
	}
	g := *f.fixture
	g.store = s2
	var wg sync.WaitGroup
	booked := make(chan rdv.Appointment, len(free))
	wg.Go(func() {
		for i, id := range free {
			h, _, err := s2.PlaceHold(f.ctx, g.holdReq(id, "rotating-"+time.Duration(i).String()))
			if err != nil {
				t.Errorf("hold while rotating: %v", err)
				return
			}
			a, _, err := s2.ConfirmHold(f.ctx, g.confirmReq(h.ID, TestPatient(4500+i)))
			if err != nil {
				t.Errorf("book while rotating: %v", err)
				return
			}
			booked <- a
		}
	})
	rotated, err := s2.RotateKeys(f.ctx, 7, nil)
	wg.Wait()
	close(booked)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if rotated < stale {
		t.Errorf("rotated %d rows, want at least the %d stale", rotated, stale)
	}
	if _, err := s2.RotateKeys(f.ctx, 7, nil); err != nil { // rows a write held, if any
		t.Fatalf("rotate again: %v", err)
	}
	if left, err := s2.StaleSealed(f.ctx); err != nil || left != 0 {
		t.Fatalf("rows left under the old key: %d, %v", left, err)
	}
	if got, err := s2.Appointment(f.ctx, before.ID); err != nil || got.Patient.HealthNumber != before.Patient.HealthNumber {
		t.Fatalf("appointment booked before the rotation: %+v, %v", got.Patient, err)
	}
	n := 0
	for a := range booked {
		n++
		got, err := s2.Appointment(f.ctx, a.ID)
		if err != nil || got.Patient != a.Patient {
			t.Fatalf("appointment booked while rotating: %+v, %v; want %+v", got.Patient, err, a.Patient)
		}
		if _, err := f.store.Appointment(f.ctx, a.ID); err == nil {
			t.Fatalf("a store with the old key only read appointment %d sealed with the new one", a.ID)
		}
	}
	if n != len(free) {
		t.Fatalf("%d bookings while rotating, want %d", n, len(free))
	}
	raw := f.store.(TableReader)
	for _, row := range raw.TableRows(t, "patients") {
		for _, col := range row {
			if v := string(col); fieldcrypt.SealedWith(v) != "" && fieldcrypt.SealedWith(v) != "k2" {
				t.Fatalf("a patient value still sealed with %s after the rotation", fieldcrypt.SealedWith(v))
			}
		}
	}
}

// testWrongKeysRefused: a database opened with another key set, or
// without the key that sealed its values, refuses to open and says why.
func testWrongKeysRefused(t *testing.T, f *patientsFixture) {
	rk, ok := f.store.(Rekeyer)
	if !ok {
		t.Fatalf("%T does not implement storetest.Rekeyer", f.store)
	}
	f.book(f.freePublic(1)[0], secretPatient(), nil)
	other, _ := NewKeys(t)
	if _, err := rk.Reopen(t, other); err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("opened with another key set: %v; want a refusal that names the keys", err)
	}
	if _, err := rk.Reopen(t, nil); err == nil || !strings.Contains(err.Error(), "--keys") {
		t.Fatalf("opened without keys: %v; want a refusal that asks for them", err)
	}
}

package storetest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"rdv"
)

// TableReader is what a store handed to Run offers to show what it keeps
// at rest: every row of a table, each column as the database holds it
// (RawRows). Closing an account is checked against it.
type TableReader interface {
	TableRows(t *testing.T, table string) [][][]byte
}

// runPrivacy runs the suite of a patient's rights: the reads of their
// export, the consent's history, closing an account, and the register of
// confidentiality incidents.
func runPrivacy(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *patientsFixture)
	}{
		{"ExportReads", testExportReads},
		{"ConsentHistory", testConsentHistory},
		{"CloseAccount", testCloseAccount},
		{"CloseUnknownAccount", testCloseUnknownAccount},
		{"IncidentRegister", testIncidentRegister},
		{"IncidentRegisterRefused", testIncidentRegisterRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &patientsFixture{fixture: newFixture(t, open), key: []byte("0123456789abcdef0123456789abcdef")})
		})
	}
}

// privacyPerson is the account holder of the privacy tests: every one of
// its values is distinct, so that a search of the database's rows finds
// them only where they are kept.
func privacyPerson() rdv.Patient {
	p := rdv.Patient{FirstName: "Rosalinde", LastName: "Quevillon", BirthDate: rdv.Date{Year: 1979, Month: time.October, Day: 23},
		HealthNumber: "QUER79102317", Phone: "+15145550142", Email: "rosalinde.q@example.org", Language: "fr"}
	return p
}

// privacyChild is the holder's child.
func privacyChild() rdv.Patient {
	return rdv.Patient{FirstName: "Anatole", LastName: "Quevillon", BirthDate: rdv.Date{Year: 2021, Month: time.February, Day: 14},
		HealthNumber: "QUEA21021419", Language: "fr"}
}

// bookAs books slotID for the account: p, with guardian if not nil.
func (f *patientsFixture) bookAs(accountID, slotID int64, p rdv.Patient, guardian *rdv.Patient) rdv.Appointment {
	f.t.Helper()
	r := f.confirmReq(f.mustHold(slotID, f.nextID("acct")).ID, p)
	r.AccountID, r.Notify = accountID, rdv.Notify{Email: true, SMS: true}
	if guardian != nil {
		r.Guardian, r.Relationship, r.BookedBy = guardian, rdv.Parent, rdv.ByGuardian
	}
	a, _, err := f.store.ConfirmHold(f.ctx, r)
	if err != nil {
		f.t.Fatalf("book slot %d: %v", slotID, err)
	}
	return a
}

// accountRequest files a request as the account's holder.
func (f *patientsFixture) accountRequest(accountID int64, ref string) rdv.AppointmentRequest {
	p := privacyPerson()
	return f.addMatchRequest(ref, func(r *rdv.AppointmentRequest) {
		r.FirstName, r.LastName, r.BirthDate, r.HealthNumber, r.Phone, r.Email = p.FirstName, p.LastName, p.BirthDate, p.HealthNumber, p.Phone, p.Email
		r.AccountID = accountID
	})
}

// testExportReads: an account's requests and messages are found, and no
// other account's.
func testExportReads(t *testing.T, f *patientsFixture) {
	p := privacyPerson()
	a := f.mustSignIn(rdv.ByEmail, p.Email)
	other := f.mustSignIn(rdv.ByEmail, "someone.else@example.org")
	free := f.clinicSlots()
	appt := f.bookAs(a.ID, free[0].ID, p, nil)
	f.bookAs(other.ID, free[1].ID, TestPatient(5), nil)
	req := f.accountRequest(a.ID, "D-EXPORT")
	f.addMatchRequest("D-NOT-MINE", nil)

	reqs, err := f.store.AccountRequests(f.ctx, a.ID)
	if err != nil || len(reqs) != 1 || reqs[0].ID != req.ID || reqs[0].FirstName != p.FirstName {
		t.Fatalf("account's requests: %+v, %v; want request %d alone", reqs, err, req.ID)
	}
	ms, err := f.store.AccountMessages(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("account's messages: %v", err)
	}
	kinds := map[rdv.MessageKind]int{}
	for _, m := range ms {
		if m.Secret != "" {
			t.Fatalf("message %d listed with its secret", m.ID)
		}
		if m.AppointmentID != 0 && m.AppointmentID != appt.ID {
			t.Fatalf("message %d about appointment %d of another account", m.ID, m.AppointmentID)
		}
		kinds[m.Kind]++
	}
	if kinds[rdv.MessageSignInCode] != 1 || kinds[rdv.MessageConfirmed] != 2 || len(ms) != 3 {
		t.Fatalf("account's messages by kind %v (%d), want its sign-in code and the confirmation by email and text", kinds, len(ms))
	}
}

// testConsentHistory: the channels an account starts with, then each
// change, are recorded with the time of the choice; saving the same
// choice again records nothing.
func testConsentHistory(t *testing.T, f *patientsFixture) {
	a := f.mustSignIn(rdv.ByEmail, "consent@example.org")
	start := f.now
	want := []rdv.ConsentRecord{}
	for _, ch := range []struct {
		on  rdv.MessageChannel
		set bool
	}{{rdv.ByEmail, a.Notify.Email}, {rdv.BySMS, a.Notify.SMS}} {
		if ch.set {
			want = append(want, rdv.ConsentRecord{Channel: ch.on, Given: true, At: start})
		}
	}
	wantConsents(t, f, a.ID, want)

	f.now = f.now.Add(time.Hour)
	a.Notify, a.ConsentAt = rdv.Notify{Email: !a.Notify.Email, SMS: !a.Notify.SMS}, f.now
	if err := f.store.UpdatePatientAccount(f.ctx, a); err != nil {
		t.Fatalf("change the channels: %v", err)
	}
	want = append(want, rdv.ConsentRecord{Channel: rdv.ByEmail, Given: a.Notify.Email, At: f.now},
		rdv.ConsentRecord{Channel: rdv.BySMS, Given: a.Notify.SMS, At: f.now})
	wantConsents(t, f, a.ID, want)

	f.now = f.now.Add(time.Hour)
	a.Language, a.ConsentAt = "en", f.now
	if err := f.store.UpdatePatientAccount(f.ctx, a); err != nil {
		t.Fatalf("save the same channels: %v", err)
	}
	wantConsents(t, f, a.ID, want)
	if got, err := f.store.ConsentRecords(f.ctx, a.ID+1000); err != nil || len(got) != 0 {
		t.Fatalf("consents of an unknown account: %v, %v; want none", got, err)
	}
}

func wantConsents(t *testing.T, f *patientsFixture, accountID int64, want []rdv.ConsentRecord) {
	t.Helper()
	got, err := f.store.ConsentRecords(f.ctx, accountID)
	if err != nil {
		t.Fatalf("consent records: %v", err)
	}
	// Records of one instant come in any order.
	key := func(c rdv.ConsentRecord) string { return c.At.Format(time.RFC3339Nano) + string(c.Channel) }
	slices.SortFunc(got, func(a, b rdv.ConsentRecord) int { return strings.Compare(key(a), key(b)) })
	slices.SortFunc(want, func(a, b rdv.ConsentRecord) int { return strings.Compare(key(a), key(b)) })
	if len(got) != len(want) {
		t.Fatalf("consent records %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].Channel != want[i].Channel || got[i].Given != want[i].Given || !got[i].At.Equal(want[i].At) {
			t.Fatalf("consent records %+v, want %+v", got, want)
		}
	}
}

// testCloseAccount: closing cancels the future appointments (their
// slots freed, no notice written to the person), withdraws the waiting
// requests (a live proposal's slot freed), keeps the past appointment
// for the clinic naming nobody, ends the sessions, and leaves none of
// the person's identity in any row the store keeps.
func testCloseAccount(t *testing.T, f *patientsFixture) {
	p, child := privacyPerson(), privacyChild()
	guardian := p
	guardian.HealthNumber = ""
	verify := f.verifyReq(rdv.ByEmail, p.Email, f.mustSendCode(rdv.ByEmail, p.Email))
	a := f.mustVerify(verify)
	for _, person := range []rdv.Person{
		{AccountID: a.ID, FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate, HealthNumber: p.HealthNumber, Relationship: rdv.Self},
		{AccountID: a.ID, FirstName: child.FirstName, LastName: child.LastName, BirthDate: child.BirthDate, HealthNumber: child.HealthNumber, Relationship: rdv.Parent},
	} {
		if _, err := f.store.SavePerson(f.ctx, person); err != nil {
			t.Fatalf("save person: %v", err)
		}
	}
	free := f.clinicSlots()
	past := f.bookAs(a.ID, free[0].ID, p, nil)
	future := f.bookAs(a.ID, free[1].ID, p, nil)
	forChild := f.bookAs(a.ID, free[2].ID, child, &guardian)
	if _, err := f.store.AddToRoster(f.ctx, rdv.RosterEntry{ClinicID: past.Slot.ClinicID, FirstName: p.FirstName, LastName: p.LastName,
		BirthDate: p.BirthDate, HealthNumber: p.HealthNumber, AddedAt: f.now}); err != nil {
		t.Fatalf("roster: %v", err)
	}
	req := f.accountRequest(a.ID, "D-CLOSE")
	prop := f.mustPropose(req.ID, free[3].ID)
	// A stranger's booking, kept whole.
	stranger := f.bookAs(0, free[4].ID, TestPatient(7), nil)

	raw, rawOK := f.store.(TableReader)
	var rowsBefore int
	if rawOK {
		rowsBefore = len(raw.TableRows(t, "appointments"))
	}
	f.now = past.Slot.Start.Add(time.Minute)
	holder := rdv.Actor{Kind: rdv.ActorPatient, ID: a.ID, Address: "192.0.2.7"}
	closed, ch, err := f.store.CloseAccount(rdv.WithActor(f.ctx, holder), rdv.CloseAccountRequest{AccountID: a.ID, Now: f.now})
	if err != nil {
		t.Fatalf("close account: %v", err)
	}
	if !equalIDs(closed.Cancelled, []int64{future.ID, forChild.ID}) || !equalIDs(closed.Withdrawn, []int64{req.ID}) || closed.Pseudonymised != 3 {
		t.Fatalf("closed %+v, want appointments %d and %d cancelled, request %d withdrawn, 3 kept", closed, future.ID, forChild.ID, req.ID)
	}
	freed := ids(ch.Freed)
	for _, s := range []int64{future.Slot.ID, forChild.Slot.ID, prop.Slot.ID} {
		if !slices.Contains(freed, s) {
			t.Fatalf("slots freed %v, want %d among them", freed, s)
		}
		f.wantState(s, rdv.SlotFree)
	}

	// The trail keeps who closed the account and the records it erased,
	// by their IDs.
	events, err := f.store.AuditEvents(f.ctx, rdv.AuditQuery{ActorKind: rdv.ActorPatient, ActorID: a.ID, Action: rdv.AuditAccountChange})
	if err != nil || len(events) != 1 {
		t.Fatalf("audit events of the closing: %+v, %v; want one", events, err)
	}
	if got := events[0].Records; !equalIDs(got.Appointments, []int64{past.ID, future.ID, forChild.ID}) || !equalIDs(got.Requests, []int64{req.ID}) ||
		!slices.Contains(got.Patients, past.Patient.ID) || !slices.Contains(got.Patients, forChild.Patient.ID) || events[0].Actor != holder {
		t.Fatalf("audit event of the closing %+v, want appointments %d, %d, %d, request %d, their patients, by the holder",
			events[0], past.ID, future.ID, forChild.ID, req.ID)
	}

	kept := f.appointment(past.ID)
	if kept.Status != rdv.Booked || kept.Slot.ID != past.Slot.ID || !kept.Patient.RemovedPatient() || kept.Patient.Phone != "" ||
		kept.Patient.Email != "" || kept.Patient.HealthNumber != "" || kept.Patient.BirthDate != (rdv.Date{}) || kept.AccountID != 0 {
		t.Fatalf("past appointment after closing: %+v, want it booked, naming nobody", kept)
	}
	if g := f.appointment(forChild.ID); g.Status != rdv.Cancelled || g.Guardian != nil || !g.Patient.RemovedPatient() {
		t.Fatalf("child's appointment after closing: %+v, want it cancelled, naming nobody, without guardian", g)
	}
	if got := f.appointment(stranger.ID); got.Patient.LastName != TestPatient(7).LastName || got.Status != rdv.Booked {
		t.Fatalf("a stranger's appointment changed: %+v", got)
	}
	if r := f.request(req.ID); r.Status != rdv.RequestWithdrawn || r.FirstName != "" || r.HealthNumber != "" || r.AccountID != 0 {
		t.Fatalf("request after closing: %+v, want it withdrawn, naming nobody", r)
	}
	for _, id := range []int64{future.ID, forChild.ID} {
		ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{AppointmentID: id})
		if err != nil {
			t.Fatalf("messages of appointment %d: %v", id, err)
		}
		for _, m := range ms {
			if m.Kind == rdv.MessageCancelled || m.To != "" || m.Status == rdv.MessageQueued {
				t.Fatalf("message after closing: %+v, want no cancellation notice, no destination, nothing queued", m)
			}
		}
	}
	_, err = f.store.PatientAccount(f.ctx, a.ID)
	wantCode(t, "the closed account", err, rdv.ENOTFOUND)
	_, _, err = f.store.PatientSessionByTokenHash(f.ctx, verify.Session.TokenHash, f.now)
	wantCode(t, "the closed account's session", err, rdv.ENOTFOUND)
	if people, err := f.store.People(f.ctx, a.ID); err != nil || len(people) != 0 {
		t.Fatalf("people of the closed account: %v, %v; want none", people, err)
	}
	if list, err := f.store.Roster(f.ctx, past.Slot.ClinicID); err != nil || len(list) != 0 {
		t.Fatalf("roster after closing: %+v, %v; want the holder gone", list, err)
	}

	// Signing in again with the same email makes a new, empty account.
	f.now = f.now.Add(time.Hour)
	again := f.mustSignIn(rdv.ByEmail, p.Email)
	if list, err := f.store.AccountAppointments(f.ctx, again.ID); err != nil || len(list) != 0 {
		t.Fatalf("appointments of the account made again: %v, %v; want none", appointmentIDs(list), err)
	}
	if _, _, err := f.store.CloseAccount(f.ctx, rdv.CloseAccountRequest{AccountID: again.ID, Now: f.now}); err != nil {
		t.Fatalf("close the account made again: %v", err)
	}

	if !rawOK {
		t.Log("the store shows no rows at rest: the identity's erasure is checked through its reads only")
		return
	}
	identity := []string{p.FirstName, p.HealthNumber, p.BirthDate.String(), p.Phone, p.Email, "5145550142",
		child.FirstName, child.HealthNumber, child.BirthDate.String()}
	for _, table := range []string{"patient_accounts", "patient_sessions", "account_people", "appointments", "patients",
		"requests", "roster", "messages", "signin_codes", "notification_consents", "refused_destinations"} {
		for _, row := range raw.TableRows(t, table) {
			for _, col := range row {
				for _, v := range identity {
					if bytes.Contains(bytes.ToLower(col), []byte(strings.ToLower(v))) {
						t.Fatalf("table %s keeps %q after the account closed: %q", table, v, col)
					}
				}
			}
		}
	}
	if rows := raw.TableRows(t, "appointments"); len(rows) != rowsBefore {
		t.Fatalf("%d appointment rows after closing, want the %d there before, kept for the clinics", len(rows), rowsBefore)
	}
}

// testCloseUnknownAccount: an unknown account is not found, and closing
// changes nothing of anyone else.
func testCloseUnknownAccount(t *testing.T, f *patientsFixture) {
	a := f.mustSignIn(rdv.ByEmail, "still.here@example.org")
	_, _, err := f.store.CloseAccount(f.ctx, rdv.CloseAccountRequest{AccountID: a.ID + 1000, Now: f.now})
	wantCode(t, "closing an unknown account", err, rdv.ENOTFOUND)
	if _, err := f.store.PatientAccount(f.ctx, a.ID); err != nil {
		t.Fatalf("another account after a refused closing: %v", err)
	}
	_, _, err = f.store.CloseAccount(f.ctx, rdv.CloseAccountRequest{AccountID: a.ID})
	wantCode(t, "closing without a time", err, rdv.EINVALID)
}

// privacyIncident is a valid entry of the register, found an hour ago.
func (f *patientsFixture) privacyIncident() rdv.PrivacyIncident {
	return rdv.PrivacyIncident{FoundAt: f.now.Add(-time.Hour).Truncate(time.Millisecond),
		Description:     "Un courriel de confirmation envoyé à la mauvaise adresse.",
		DataConcerned:   "Nom, heure du rendez-vous, clinique.",
		PeopleConcerned: "1 patient·e",
		RiskAssessment:  "Faible : aucun numéro d'assurance maladie.",
		Measures:        "Adresse corrigée ; destinataire prié d'effacer le courriel."}
}

// testIncidentRegister: an entry is added, read, listed and changed,
// keeping who recorded it and when.
func testIncidentRegister(t *testing.T, f *patientsFixture) {
	first := f.privacyIncident()
	saved, err := f.store.SavePrivacyIncident(f.ctx, first, f.now)
	if err != nil {
		t.Fatalf("add an entry: %v", err)
	}
	if saved.ID == 0 || saved.Description != first.Description || !saved.FoundAt.Equal(first.FoundAt) || saved.CAINotified ||
		!saved.RecordedAt.Equal(f.now.Truncate(time.Millisecond)) {
		t.Fatalf("entry added %+v, from %+v", saved, first)
	}
	later := f.privacyIncident()
	later.FoundAt = f.now.Add(-time.Minute).Truncate(time.Millisecond)
	later.SeriousRisk = true
	second, err := f.store.SavePrivacyIncident(f.ctx, later, f.now)
	if err != nil {
		t.Fatalf("add a second entry: %v", err)
	}
	list, err := f.store.PrivacyIncidents(f.ctx)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != saved.ID || !list[0].SeriousRisk {
		t.Fatalf("register %+v, %v; want the latest found first", list, err)
	}

	f.now = f.now.Add(time.Hour)
	saved.CAINotified, saved.CAINotifiedAt = true, f.now.Add(-time.Minute).Truncate(time.Millisecond)
	saved.Measures = "Procédure d'envoi revue."
	changed, err := f.store.SavePrivacyIncident(f.ctx, saved, f.now)
	if err != nil {
		t.Fatalf("change an entry: %v", err)
	}
	got, err := f.store.PrivacyIncident(f.ctx, saved.ID)
	if err != nil || got != changed || !got.CAINotified || !got.CAINotifiedAt.Equal(saved.CAINotifiedAt) || got.Measures != saved.Measures ||
		!got.RecordedAt.Equal(saved.RecordedAt) || !got.UpdatedAt.Equal(f.now.Truncate(time.Millisecond)) || got.PeopleNotified {
		t.Fatalf("entry changed %+v (%v), want %+v with the notice to the Commission", got, err, saved)
	}
}

// testIncidentRegisterRefused: an invalid entry is refused with every
// field at fault, an unknown one is not found, and nothing is written.
func testIncidentRegisterRefused(t *testing.T, f *patientsFixture) {
	bad := f.privacyIncident()
	bad.Description, bad.Measures = "  ", ""
	bad.PeopleNotified, bad.PeopleNotifiedAt = true, bad.FoundAt.Add(-time.Hour)
	bad.CAINotifiedAt = f.now
	_, err := f.store.SavePrivacyIncident(f.ctx, bad, f.now)
	var fields []string
	for _, e := range rdv.AllFieldErrors(err) {
		fields = append(fields, e.Field)
	}
	if want := []string{"description", "measures", "cai_notified_at", "people_notified_at"}; !slices.Equal(fields, want) {
		t.Fatalf("invalid entry refused on %v (%v), want %v", fields, err, want)
	}
	future := f.privacyIncident()
	future.FoundAt = f.now.Add(time.Hour)
	_, err = f.store.SavePrivacyIncident(f.ctx, future, f.now)
	wantCode(t, "an incident found in the future", err, rdv.EINVALID)
	unknown := f.privacyIncident()
	unknown.ID = 999
	_, err = f.store.SavePrivacyIncident(f.ctx, unknown, f.now)
	wantCode(t, "changing an unknown entry", err, rdv.ENOTFOUND)
	_, err = f.store.PrivacyIncident(f.ctx, 999)
	wantCode(t, "reading an unknown entry", err, rdv.ENOTFOUND)
	if list, err := f.store.PrivacyIncidents(f.ctx); err != nil || len(list) != 0 {
		t.Fatalf("register after refusals: %+v, %v; want it empty", list, err)
	}
}

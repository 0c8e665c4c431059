package web

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"rdv"
	"rdv/audit"
	"rdv/auth"
)

// deskOf adds a receptionist of clinic c, signed in in lang.
func deskOf(t *testing.T, s *site, c int64, lang string) (rdv.Account, *browser) {
	t.Helper()
	hash, err := auth.HashPassword(testPassword, fastParams)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.store.CreateAccount(context.Background(), rdv.Account{Email: "desk-" + lang + "@clinique.example", Name: "Desk",
		Role: rdv.Receptionist, ClinicID: c, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	b := inLang(newBrowser(t, s), lang)
	b.signIn(a.Email, testPassword).want(t, http.StatusSeeOther)
	return a, b
}

// TestAuditTrailPages: the desk's reads of a booking (the day, its
// export, the appointment) are recorded with the booking itself; an
// operator finds them by patient, a bad search is refused in the
// operator's language, and the patient sees who read their record, not
// from where, in both languages. The trail verifies.
func TestAuditTrailPages(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			s := mustOpenSite(t)
			T := func(key string, args ...any) string { return translate(lang, key, args...) }
			guest := adult(lang)
			guest.Set("email", "julie@exemple.ca")
			id, _ := guestBooking(t, s, guest)
			a, err := s.store.Appointment(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			day := rdv.DateOf(a.Slot.Start).String()
			desk, db := deskOf(t, s, a.Slot.ClinicID, lang)
			db.do(http.MethodGet, "/clinique?date="+day, nil).want(t, http.StatusOK)
			db.do(http.MethodGet, "/clinique/journee.csv?date="+day, nil).want(t, http.StatusOK)
			db.do(http.MethodGet, "/clinique/rendez-vous/"+strconv.FormatInt(id, 10), nil).want(t, http.StatusOK)

			es, err := s.store.AuditEvents(t.Context(), rdv.AuditQuery{Patients: []int64{a.Patient.ID}})
			if err != nil {
				t.Fatal(err)
			}
			var got []rdv.AuditAction
			for _, e := range es {
				got = append(got, e.Action)
				if e.Action != rdv.AuditAppointmentBook && (e.Actor.Kind != rdv.ActorStaff || e.Actor.ID != desk.ID || e.Actor.Address == "") {
					t.Errorf("%s by %+v, want the desk's account %d with its address", e.Action, e.Actor, desk.ID)
				}
			}
			want := []rdv.AuditAction{rdv.AuditAppointmentRead, rdv.AuditAgendaExport, rdv.AuditAgendaRead, rdv.AuditAppointmentBook}
			if len(got) != len(want) {
				t.Fatalf("events of the patient: %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("events of the patient: %v, want %v", got, want)
				}
			}

			op := inLang(staffBrowser(t, s, withStaff(t, s), rdv.Operator), lang)
			op.do(http.MethodGet, "/operateur", nil).want(t, http.StatusOK).contains(t, `href="/operateur/journal"`)
			found := op.do(http.MethodGet, "/operateur/journal?patient="+strconv.FormatInt(a.Patient.ID, 10), nil).want(t, http.StatusOK)
			found.contains(t, T("audit.title"), T("audit.action.agenda.export"), T("audit.action.appointment.book"),
				T("audit.actor.numbered", T("audit.actor.staff"), desk.ID), "entry-"+strconv.FormatInt(es[0].ID, 10), es[0].Actor.Address)
			byAction := op.do(http.MethodGet, "/operateur/journal?action=agenda.export", nil).want(t, http.StatusOK)
			byAction.contains(t, "entry-"+strconv.FormatInt(es[1].ID, 10))
			byAction.lacks(t, "entry-"+strconv.FormatInt(es[0].ID, 10))
			op.do(http.MethodGet, "/operateur/journal?du=hier", nil).want(t, http.StatusBadRequest).contains(t, T("audit.bad_query"))

			b := inLang(newBrowser(t, s), lang)
			b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
			b.do(http.MethodGet, "/compte", nil).want(t, http.StatusOK).contains(t, `href="/compte/acces"`)
			mine := b.do(http.MethodGet, "/compte/acces", nil).want(t, http.StatusOK)
			mine.contains(t, T("access.title"), T("audit.actor.numbered", T("audit.actor.staff"), desk.ID), T("audit.action.agenda.export"))
			mine.lacks(t, es[0].Actor.Address)

			if _, err := audit.Verify(t.Context(), s.store); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

// TestAccessPageEmpty: a patient with no booking is told nobody else
// read their record.
func TestAccessPageEmpty(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	b := newBrowser(t, s)
	b.signInPatient("nouveau@exemple.ca", "nouveau@exemple.ca")
	b.do(http.MethodGet, "/compte/acces", nil).want(t, http.StatusOK).contains(t, translate("fr", "access.none"))
}

// TestAuditedReads: the pages that show patient data beyond the agendas
// record the read before they show it, in the caller's name: a patient's
// family page (the account and its people), the phone console opened for
// a request (the request), the operators' messages (the appointments
// they are about).
func TestAuditedReads(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	b := newBrowser(t, s)
	b.signInPatient("julie@exemple.ca", "julie@exemple.ca")
	b.addPerson(person("Léa", "Tremblay", "2019-03-02", "", rdv.Parent)).want(t, http.StatusSeeOther)
	b.do(http.MethodGet, familyPath, nil).want(t, http.StatusOK)
	acct := b.patientID()
	ps, err := s.store.People(t.Context(), acct)
	if err != nil || len(ps) != 1 {
		t.Fatalf("people: %+v, %v", ps, err)
	}

	withRequests(t, s)
	req := addRequest(t, s, "D-AAAA-READ-0001")
	agent := staffBrowser(t, s, accts, rdv.PhoneAgent)
	agent.do(http.MethodGet, "/agent?demande="+strconv.FormatInt(req.ID, 10), nil).want(t, http.StatusOK).contains(t, req.LastName)
	o := withOutbox(t, s, 3)
	op := staffBrowser(t, s, accts, rdv.Operator)
	op.do(http.MethodGet, messagesPath, nil).want(t, http.StatusOK)

	want := []struct {
		action  rdv.AuditAction
		kind    rdv.ActorKind
		id      int64
		records string
	}{
		{rdv.AuditPersonChange, rdv.ActorPatient, acct, rdv.PeopleRecords(acct, ps[0]).String()},
		{rdv.AuditAccountRead, rdv.ActorPatient, acct, rdv.PeopleRecords(acct, ps[0]).String()},
		{rdv.AuditRequestRead, rdv.ActorStaff, accts[rdv.PhoneAgent].ID, rdv.RequestRecords(req).String()},
		{rdv.AuditMessagesRead, rdv.ActorStaff, accts[rdv.Operator].ID, rdv.AuditRecords{Appointments: []int64{o.appt.ID}}.String()},
	}
	for _, w := range want {
		es, err := s.store.AuditEvents(t.Context(), rdv.AuditQuery{ActorKind: w.kind, ActorID: w.id, Action: w.action})
		if err != nil || len(es) == 0 {
			t.Errorf("no %s by %s %d (%v)", w.action, w.kind, w.id, err)
			continue
		}
		if got := es[0].Records.String(); got != w.records || es[0].Actor.Address == "" {
			t.Errorf("%s by %s %d names %q from %q, want %q from an address", w.action, w.kind, w.id, got, es[0].Actor.Address, w.records)
		}
	}
	if _, err := audit.Verify(t.Context(), s.store); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/notify/smtptest"
	"rdv/postgres"
	"rdv/sqlite"
)

// The identities of TestNoPatientDataInClear, one or two per path that
// writes a patient's identity. Their phones are none of the small
// network's, its clinics' or the senders'.
var (
	clearAnonymous = newIdentity("Zéphyrine", "Quaglieri", "1983-07-19", true, 46, "514-555-0147", "zephyrine.quaglieri@example.net")
	clearFHIR      = newIdentity("Isidore", "Vandelac", "1958-11-23", false, 17, "450-555-0183", "isidore.vandelac@example.net")
	clearChild     = newIdentity("Anatole", "Brisebois-Quenneville", "2018-03-14", false, 28, "", "")
	clearGuardian  = newIdentity("Philomène", "Brisebois", "1986-09-02", true, 35, "819-555-0162", "philomene.brisebois@example.net")
	clearByAgent   = newIdentity("Hippolyte", "Vanasse", "1961-02-27", false, 51, "418-555-0174", "")
	clearAtDesk    = newIdentity("Léopoldine", "Charbonneau", "1979-12-08", true, 64, "514-555-0138", "leopoldine.charbonneau@example.net")
	clearAccount   = newIdentity("Euphrasie", "Lamontagne", "1990-04-30", true, 72, "514-555-0156", "euphrasie.lamontagne@example.net")
	clearPerson    = newIdentity("Clémentine", "Lamontagne-Ducharme", "2016-05-20", true, 83, "", "")
	clearBySMS     = newIdentity("Barnabé", "Letellier", "1948-08-11", false, 94, "438-555-0129", "")
	clearRequester = newIdentity("Séraphin", "Gauvreau", "1972-01-16", false, 19, "579-555-0191", "seraphin.gauvreau@example.net")
	clearSpooled   = newIdentity("Ombeline", "Kerouac", "1995-06-03", true, 27, "514-555-0117", "ombeline.kerouac@example.net")
	clearBounced   = newIdentity("Aurèle", "Fontaine", "1966-10-25", false, 38, "514-555-0109", "aurele.fontaine@example.net")
	clearRostered  = newIdentity("Gédéon", "Trottier", "1954-03-09", false, 57, "", "")

	clearIdentities = []identity{clearAnonymous, clearFHIR, clearChild, clearGuardian, clearByAgent, clearAtDesk,
		clearAccount, clearPerson, clearBySMS, clearRequester, clearSpooled, clearBounced, clearRostered}
)

// clearRun is the workload of TestNoPatientDataInClear against a running
// server.
type clearRun struct {
	t          *testing.T
	base       string
	mail       *smtptest.Server
	texts      *textProvider
	seen       *seen
	start      rdv.Date // the network's first day, tomorrow
	log, spool string
	lockOut    func(failed func() bool) (release func())

	agent, account *visitor // signed in, for later steps
}

// slotAt is the ID of a slot of the small network: practitioner p's
// j-th slot of the day-th day (0: the first); j < 8 are public general
// consultations.
func slotAt(p, day, j int) int64 { return int64((p-1)*33 + day*11 + j + 1) }

// all drives every path, in an order that keeps the slots each takes
// apart: the fixed bookings first, then what the matcher proposes.
func (r *clearRun) all() {
	r.anonymous()
	r.fhirBooking()
	r.guardianOnTheWeb()
	r.byAgent()
	r.atTheDesk()
	r.bySMS()
	r.patientAccount()
	r.requestMatched()
	r.requestSpooled()
	r.bounced()
	r.operator()
	r.closeAccount()
	r.delivered()
}

// book holds slot and books it through the API for p, and returns the
// appointment.
func (r *clearRun) book(v *visitor, slot int64, p map[string]any, notify map[string]any, header ...string) map[string]any {
	r.t.Helper()
	hold := v.call("POST", "/api/v1/holds", map[string]any{"slot_id": slot}, 201)
	return v.call("POST", "/api/v1/appointments", map[string]any{"hold_id": hold["hold_id"], "patient": p, "notify": notify}, 201, header...)
}

// anonymous books through the API, after a refusal of a birth date the
// number does not encode (an error's path), reads the appointment with
// its token and cancels it.
func (r *clearRun) anonymous() {
	v := newVisitor(r.t, r.base, r.seen)
	id := clearAnonymous
	hold := v.call("POST", "/api/v1/holds", map[string]any{"slot_id": slotAt(1, 0, 3)}, 201)
	wrong := id.patientJSON()
	wrong["birth_date"] = "1983-07-20"
	v.call("POST", "/api/v1/appointments", map[string]any{"hold_id": hold["hold_id"], "patient": wrong}, 422)
	a := v.call("POST", "/api/v1/appointments", map[string]any{"hold_id": hold["hold_id"], "patient": id.patientJSON(),
		"notify": map[string]any{"email": true, "sms": true}}, 201, "Idempotency-Key", "clair-"+id.hn)
	path := fmt.Sprintf("/api/v1/appointments/%v", a["id"])
	token := fmt.Sprint(a["cancel_token"])
	v.call("GET", path+"?token="+url.QueryEscape(token), nil, 200)
	v.call("POST", path+"/cancel", map[string]any{"token": token}, 200)
}

// fhirBooking books as a clinic's record system does, through FHIR's
// $find, $hold and $book.
func (r *clearRun) fhirBooking() {
	v := newVisitor(r.t, r.base, r.seen)
	id := clearFHIR
	found := v.call("POST", "/fhir/Appointment/$find", parameters(
		map[string]any{"name": "start", "valueDate": r.start.String()},
		map[string]any{"name": "visit-type", "valueString": "general"},
		map[string]any{"name": "_count", "valueInteger": 1}), 200)
	proposed := firstEntry(r.t, found)
	held := firstEntry(r.t, v.call("POST", "/fhir/Appointment/$hold", parameters(
		map[string]any{"name": "appointment-reference", "valueReference": map[string]any{"reference": "Appointment/" + proposed["id"].(string)}}), 200))
	v.call("POST", "/fhir/Appointment/$book", parameters(
		map[string]any{"name": "appointment-reference", "valueReference": map[string]any{"reference": "Appointment/" + held["id"].(string)}},
		map[string]any{"name": "patient-resource", "resource": map[string]any{
			"resourceType": "Patient",
			"identifier":   []any{map[string]any{"system": "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id", "value": id.hn}},
			"name":         []any{map[string]any{"family": id.last, "given": []string{id.first}}},
			"birthDate":    id.birth,
			"telecom": []any{map[string]any{"system": "email", "value": id.email},
				map[string]any{"system": "phone", "value": id.phone}},
		}}), 200)
}

// guardianOnTheWeb books for a child on the site's form, the parent its
// contact: first sent back for a relationship left out, then booked.
func (r *clearRun) guardianOnTheWeb() {
	v := newVisitor(r.t, r.base, r.seen)
	child, parent := clearChild, clearGuardian
	search := v.get("/recherche?lieu=Montr%C3%A9al&service=general&rayon=50", 200)
	form := v.submit(search, `action="/reserver"`, url.Values{"slot_id": {fmt.Sprint(slotAt(3, 0, 2))}}, 200)
	if !strings.HasPrefix(form.url.Path, "/reservation/") {
		r.t.Fatalf("holding led to %s", form.url)
	}
	fields := url.Values{"first_name": {child.first}, "last_name": {child.last}, "birth_date": {child.birth},
		"health_number": {child.hn}, "language": {"fr"}, "for_child": {"1"},
		"guardian_first_name": {parent.first}, "guardian_last_name": {parent.last}, "guardian_relationship": {""},
		"guardian_phone": {parent.phone}, "guardian_email": {parent.email}, "guardian_birth_date": {parent.birth},
		"guardian_health_number": {parent.hn}, "notify_email": {"1"}, "notify_sms": {"1"}}
	back := v.submit(form, `class="booking"`, fields, 0)
	if !strings.Contains(back.body, parent.hn) {
		r.t.Fatalf("the form sent back (status %d) does not keep what was typed:\n%s", back.status, back.body)
	}
	fields.Set("guardian_relationship", string(rdv.Parent))
	booked := v.submit(back, `class="booking"`, fields, 200)
	if !strings.HasPrefix(booked.url.Path, "/rendez-vous/") {
		r.t.Fatalf("booking for a child led to %s:\n%s", booked.url, booked.body)
	}
}

// staff signs in a visitor as a staff account of clearStaff.
func (r *clearRun) staff(email string) *visitor {
	v := newVisitor(r.t, r.base, r.seen)
	if st, page := signInHTTP(r.t, v.c, r.base, email, staffPassword); st != 200 {
		r.t.Fatalf("sign in as %s: status %d\n%s", email, st, page)
	}
	return v
}

// staffBooks holds slot from page (a staff page: its form token) at
// prefix (/agent or /clinique) and books it for id.
func (r *clearRun) staffBooks(v *visitor, page answer, prefix string, slot int64, id identity) answer {
	r.t.Helper()
	form := v.post(page, prefix+"/reserver", url.Values{"slot_id": {fmt.Sprint(slot)}}, 200)
	if !strings.HasPrefix(form.url.Path, prefix+"/reservation/") {
		r.t.Fatalf("holding at %s led to %s", prefix, form.url)
	}
	booked := v.submit(form, `action="`+prefix+`/reservation/`, url.Values{"first_name": {id.first}, "last_name": {id.last},
		"birth_date": {id.birth}, "health_number": {id.hn}, "phone": {id.phone}, "email": {id.email}, "language": {"fr"}}, 200)
	if !strings.HasPrefix(booked.url.Path, prefix+"/confirmation/") {
		r.t.Fatalf("booking at %s led to %s:\n%s", prefix, booked.url, booked.body)
	}
	return booked
}

// byAgent: a phone agent, signed in with a code of the authenticator
// app, books for a caller who gives a phone only.
func (r *clearRun) byAgent() {
	r.agent = r.staff(clearStaff[0].email)
	r.staffBooks(r.agent, r.agent.get("/agent", 200), "/agent", slotAt(3, 1, 4), clearByAgent)
}

// atTheDesk: the clinic's receptionist books a caller, then cancels the
// appointment for the clinic, which tells the patient; registers a
// patient with the clinic and finds them in its list by name.
func (r *clearRun) atTheDesk() {
	v := r.staff(clearStaff[1].email)
	day := v.get("/clinique?date="+r.start.AddDays(1).String(), 200)
	booked := r.staffBooks(v, day, "/clinique", slotAt(1, 1, 4), clearAtDesk)
	id := strings.TrimPrefix(booked.url.Path, "/clinique/confirmation/")
	item := v.get("/clinique/rendez-vous/"+id, 200)
	v.submit(item, `action="/clinique/rendez-vous/`+id+`/annuler"`, nil, 200)

	p := clearRostered
	roster := v.submit(v.get("/clinique/patients-inscrits", 200), `method="post" action="/clinique/patients-inscrits"`,
		url.Values{"first_name": {p.first}, "last_name": {p.last}, "birth_date": {p.birth}, "health_number": {p.hn}}, 200)
	if !strings.Contains(roster.body, p.last) {
		r.t.Fatalf("the clinic's list does not show the patient registered:\n%s", roster.body)
	}
	v.get("/clinique/patients-inscrits?q="+url.QueryEscape(p.first+" "+p.last), 200)
}

var codeRe = regexp.MustCompile(`\b[0-9]{6}\b`)

// signIn signs a patient in by the code sent to contact, which code
// finds once it has arrived.
func (r *clearRun) signIn(v *visitor, contact string, code func() string) {
	r.t.Helper()
	asked := v.submit(v.get("/compte/connexion", 200), `action="/compte/connexion"`, url.Values{"contact": {contact}}, 200)
	home := v.submit(asked, `action="/compte/code"`, url.Values{"code": {code()}}, 200)
	if home.url.Path != "/mes-rendez-vous" {
		r.t.Fatalf("signing in with %s led to %s", contact, home.url)
	}
}

// bySMS books with a phone alone, its messages by text, then signs in
// with a code sent by text message.
func (r *clearRun) bySMS() {
	v := newVisitor(r.t, r.base, r.seen)
	id := clearBySMS
	p := id.patientJSON()
	delete(p, "email")
	r.book(v, slotAt(3, 1, 6), p, map[string]any{"sms": true})
	r.signIn(v, id.phone, func() string {
		var code string
		waitUntil(r.t, 20*time.Second, "a sign-in code by text message", func() bool {
			for _, m := range r.texts.to(id.phone) {
				if strings.Contains(m, "votre code est") {
					code = codeRe.FindString(m)
				}
			}
			return code != ""
		})
		return code
	})
	v.get("/mes-rendez-vous", 200)
}

// patientAccount books with an email, signs in with a code sent there,
// puts the holder and a child in « Ma famille » (the child's entry saved
// twice), books for the child with the form the account fills in, asks
// for an earlier time (the waitlist) and downloads the account's data.
func (r *clearRun) patientAccount() {
	v := newVisitor(r.t, r.base, r.seen)
	id, child := clearAccount, clearPerson
	r.book(v, slotAt(1, 2, 7), id.patientJSON(), map[string]any{"email": true})
	r.signIn(v, id.email, func() string {
		return codeRe.FindString(waitMail(r.t, r.mail, id.email, "Votre code de connexion").Text)
	})
	for _, p := range []struct {
		id  identity
		rel rdv.Relationship
	}{{id, rdv.Self}, {child, rdv.Parent}} {
		v.submit(v.get("/ma-famille", 200), `class="person"`, url.Values{"first_name": {p.id.first}, "last_name": {p.id.last},
			"birth_date": {p.id.birth}, "health_number": {p.id.hn}, "relationship": {string(p.rel)}}, 200)
	}
	m := regexp.MustCompile(`href="/ma-famille/([0-9]+)">[^<]*` + regexp.QuoteMeta(child.first)).FindStringSubmatch(v.get("/ma-famille", 200).body)
	if m == nil {
		r.t.Fatal("the child is not in « Ma famille »")
	}
	v.submit(v.get("/ma-famille/"+m[1], 200), `class="person"`, nil, 200)
	search := v.get("/recherche?lieu=Montr%C3%A9al&service=general&rayon=50", 200)
	held := v.submit(search, `action="/reserver"`, url.Values{"slot_id": {fmt.Sprint(slotAt(1, 1, 6))}}, 200)
	form := v.get(held.url.Path+"?pour="+m[1], 200)
	booked := v.submit(form, `class="booking"`, nil, 200)
	if !strings.HasPrefix(booked.url.Path, "/rendez-vous/") {
		r.t.Fatalf("booking for the account's child led to %s:\n%s", booked.url, booked.body)
	}
	mine := v.get("/mes-rendez-vous", 200)
	v.submit(mine, `class="waitlist"`, nil, 200)
	export := v.call("GET", "/api/v1/me/export", nil, 200)
	if export == nil {
		r.t.Fatal("no export")
	}
	r.account = v
}

// proposalPath finds the path of a request's page in a proposal's email.
var proposalPath = regexp.MustCompile(`/demande/D-[0-9A-Z-]+\?token=[A-Za-z0-9_-]+`)

// requestMatched files « Trouvez-moi un rendez-vous » on the site's
// form, paying the finder fee; the proposal's email comes, and the
// patient accepts it from its link.
func (r *clearRun) requestMatched() {
	v := newVisitor(r.t, r.base, r.seen)
	id := clearRequester
	sent := v.submit(v.get("/demande", 200), `action="/demande"`, url.Values{"first_name": {id.first}, "last_name": {id.last},
		"birth_date": {id.birth}, "health_number": {id.hn}, "phone": {id.phone}, "email": {id.email}, "language": {"fr"},
		"place": {"Montréal"}, "payment": {"tok-visa"}}, 200)
	if sent.url.Path != "/demande/envoyee" {
		r.t.Fatalf("the request led to %s:\n%s", sent.url, sent.body)
	}
	link := proposalPath.FindString(waitMail(r.t, r.mail, id.email, "Un rendez-vous vous est proposé").Text)
	if link == "" {
		r.t.Fatal("the proposal's email has no link")
	}
	accepted := v.submit(v.get(link, 200), `/accepter"`, nil, 200)
	if !strings.HasPrefix(accepted.url.Path, "/rendez-vous/") {
		r.t.Fatalf("accepting led to %s", accepted.url)
	}
}

// requestSpooled files a request through the API while the requests'
// table is out of the server's reach: the request waits in the spool,
// its replay fails, and once the table is back it is replayed, and the
// agent reads it in the queue.
func (r *clearRun) requestSpooled() {
	v := newVisitor(r.t, r.base, r.seen)
	id := clearSpooled
	failed := func() bool {
		b, err := os.ReadFile(r.log)
		return err == nil && strings.Contains(string(b), "spool: replay into the store failed")
	}
	if failed() {
		r.t.Fatal("a replay failed before the table was locked")
	}
	release := r.lockOut(failed)
	got := v.call("POST", "/api/v1/requests", map[string]any{"patient": id.patientJSON(), "service": "general",
		"place": "Québec", "radius_km": 25, "payment_token": "tok-visa"}, 201)
	if n := spooledNotReplayed(r.t, r.spool); n != 1 {
		r.t.Fatalf("%d requests waiting in the spool while the table is locked, want 1", n)
	}
	release()
	waitUntil(r.t, 30*time.Second, "the spool replayed", func() bool { return spooledNotReplayed(r.t, r.spool) == 0 })
	ref := fmt.Sprint(got["reference"])
	m := regexp.MustCompile(`href="(/agent/demandes/[0-9]+)">` + regexp.QuoteMeta(ref) + `<`).FindStringSubmatch(r.agent.get("/agent/demandes", 200).body)
	if m == nil {
		r.t.Fatalf("request %s is not in the agents' queue", ref)
	}
	r.agent.get(m[1], 200)
}

// bounced books with an email the mail server refuses and a phone the
// text-message provider refuses; the next email is put off once by the
// mail server (greylisting), and tried again.
func (r *clearRun) bounced() {
	v := newVisitor(r.t, r.base, r.seen)
	r.book(v, slotAt(4, 1, 5), clearBounced.patientJSON(), map[string]any{"email": true, "sms": true})
	r.mail.SetFault(smtptest.TempFailRcpt, 1)
}

var bouncedRow = regexp.MustCompile(`<tr id="message-([0-9]+)">\n[^\n]*\n<td><span class="state m-bounced"`)

// operator waits for both refusals on « Courriels envoyés », opens one,
// asks to send it again, and reads the audit trail.
func (r *clearRun) operator() {
	v := r.staff(clearStaff[2].email)
	var rows [][]string
	waitUntil(r.t, 30*time.Second, "both refusals on the operators' page", func() bool {
		rows = bouncedRow.FindAllStringSubmatch(v.get("/operateur/courriels", 200).body, -1)
		return len(rows) >= 2
	})
	page := v.get("/operateur/courriels/"+rows[0][1], 200)
	if strings.Contains(page.body, "/renvoyer\"") {
		v.submit(page, `/renvoyer"`, nil, 200)
	}
	v.get("/operateur/journal", 200)

	// An outage at the Laval clinic the second morning: a notice to
	// each of its patients.
	day := r.start.AddDays(1).String()
	preview := v.submit(v.get("/operateur/incidents", 200), `action="/operateur/incidents/apercu"`, url.Values{
		"scope": {"some"}, "clinics": {"2"}, "from_date": {day}, "from_time": {"08:00"}, "to_date": {day}, "to_time": {"12:00"},
		"text_fr": {"La clinique est fermée ce matin : une panne d'électricité."},
		"text_en": {"The clinic is closed this morning: a power failure."}}, 200)
	v.submit(preview, `action="/operateur/incidents"`, nil, 200)
}

// closeAccount closes the patient's account: its appointments cancelled,
// its identity erased.
func (r *clearRun) closeAccount() {
	v := r.account
	v.submit(v.get("/compte/fermer", 200), `action="/compte/fermer"`, url.Values{"confirm": {"1"}}, 200)
}

// delivered waits for the messages of the run's first and last steps.
func (r *clearRun) delivered() {
	waitMail(r.t, r.mail, clearAnonymous.email, "")
	waitMail(r.t, r.mail, clearGuardian.email, "")
	waitMail(r.t, r.mail, clearAtDesk.email, "")
	waitUntil(r.t, 20*time.Second, "a text message to the anonymous patient", func() bool {
		return len(r.texts.to(clearAnonymous.phone)) > 0
	})
}

// readBack opens the stopped server's database with its keys and reads
// every appointment and request and the Plateau's roster back, for seen:
// the health numbers that no answer shows (an appointment's, a
// registered patient's) must be there.
func (r *clearRun) readBack(target clearTarget) {
	ctx := context.Background()
	keys := mustReadKeys(r.t, target.keys)
	var s rdv.Store
	var err error
	if target.dbDir != "" {
		s, err = sqlite.Open(ctx, target.db, sqlite.Options{Keys: keys})
	} else {
		s, err = postgres.Open(ctx, target.db, postgres.Options{MaxConns: 2, Keys: keys})
	}
	if err != nil {
		r.t.Fatal(err)
	}
	defer s.Close()
	for id := int64(1); id <= 100; id++ {
		a, err := s.Appointment(ctx, id)
		if rdv.ErrorCode(err) == rdv.ENOTFOUND {
			continue
		}
		if err != nil {
			r.t.Fatal(err)
		}
		r.seen.add(fmt.Appendf(nil, "%+v", a))
	}
	for _, st := range []rdv.RequestStatus{rdv.RequestOpen, rdv.RequestProposed, rdv.RequestBooked, rdv.RequestClosed,
		rdv.RequestExpired, rdv.RequestWithdrawn, rdv.RequestMatched, rdv.RequestCancelled} {
		reqs, err := s.Requests(ctx, st, 100)
		if err != nil {
			r.t.Fatal(err)
		}
		r.seen.add(fmt.Appendf(nil, "%+v", reqs))
	}
	roster, err := s.Roster(ctx, 1)
	if err != nil {
		r.t.Fatal(err)
	}
	r.seen.add(fmt.Appendf(nil, "%+v", roster))
}

package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"rdv"
	"rdv/route"
)

// The audit trail, as pages meet it:
//
//   - enforce puts the caller in the request's context (actorOf), so that
//     a store writing a change records its event in the change's own
//     transaction.
//   - A page that reads patient data records the read (recordRead) before
//     it shows anything: a read that cannot be recorded is not shown.
//   - Operators search the trail at /operateur/journal; a signed-in
//     patient sees at /compte/acces who read or changed their records.

const (
	auditPath         = "/operateur/journal"
	accountAccessPath = "/compte/acces"
)

// actorOf is who calls a route of policy p: the staff account or the
// patient the policy asks for, else a signed-in patient, else whoever
// holds the link, else a visitor; with the address admission control
// derives.
func (s *Server) actorOf(r *http.Request, p route.Policy) rdv.Actor {
	a := rdv.Actor{Kind: rdv.ActorVisitor, Address: s.clientAddr(r)}
	if p.Access == route.Staff {
		if acct, ok := s.account(r); ok {
			a.Kind, a.ID = rdv.ActorStaff, acct.ID
		}
		return a
	}
	if acct, ok := s.patient(r); ok {
		a.Kind, a.ID = rdv.ActorPatient, acct.ID
		return a
	}
	if p.Access == route.Link {
		a.Kind = rdv.ActorLink
	}
	return a
}

// recordRead records that the request's caller read records. On false
// the error page is written: the data must not be shown.
func (s *Server) recordRead(w http.ResponseWriter, r *http.Request, action rdv.AuditAction, records rdv.AuditRecords) bool {
	if err := s.d.Store.RecordAudit(r.Context(), rdv.NewAuditEvent(r.Context(), action, records, s.now())); err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}

// accountPeople reads the people of a signed-in patient's account for a
// page that shows them, and records the read: on an error of either, the
// page goes without them.
func (s *Server) accountPeople(r *http.Request, accountID int64) ([]rdv.Person, error) {
	ps, err := s.d.Store.People(r.Context(), accountID)
	if err != nil {
		return nil, err
	}
	if err := s.d.Store.RecordAudit(r.Context(), rdv.NewAuditEvent(r.Context(), rdv.AuditAccountRead, rdv.PeopleRecords(accountID, ps...), s.now())); err != nil {
		return nil, err
	}
	return ps, nil
}

// auditRow is one event as the pages show it.
type auditRow struct {
	ID      int64
	At      string
	Actor   string // translated
	Address string
	Action  string // translated
	Records string
}

// auditRowOf writes e in lang; own is the patient account whose page it
// is (0 on the operators' page), named "you" there.
func auditRowOf(e rdv.AuditEvent, lang string, own int64) auditRow {
	actor := translate(lang, "audit.actor."+string(e.Actor.Kind))
	switch {
	case own != 0 && e.Actor.Kind == rdv.ActorPatient && e.Actor.ID == own:
		actor = translate(lang, "audit.actor.you")
	case e.Actor.ID != 0:
		actor = translate(lang, "audit.actor.numbered", actor, e.Actor.ID)
	}
	return auditRow{ID: e.ID, At: FormatDateTime(e.At.In(rdv.Toronto), lang), Actor: actor, Address: e.Actor.Address,
		Action: translate(lang, "audit.action."+string(e.Action)), Records: e.Records.String()}
}

// auditData is what the operators' page shows.
type auditData struct {
	Rows    []auditRow
	Actions []option
	Kinds   []option
	Older   string // the next page's link, "" on the last
	Newest  bool
}

// operatorAudit searches the trail by patient, actor, action and days,
// newest first, a page at a time (?avant= an entry's ID).
func (s *Server) operatorAudit(w http.ResponseWriter, r *http.Request) {
	q, f, ok := auditQueryOf(r)
	if !ok {
		f.Fail("form", "audit.bad_query")
		s.renderAudit(w, r, http.StatusBadRequest, nil, f, rdv.AuditQuery{})
		return
	}
	if !s.recordRead(w, r, rdv.AuditTrailRead, rdv.AuditRecords{Patients: q.Patients}) {
		return
	}
	es, err := s.d.Store.AuditEvents(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAudit(w, r, http.StatusOK, es, f, q)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, status int, es []rdv.AuditEvent, f *form, q rdv.AuditQuery) {
	lang := langOf(r.Context())
	d := auditData{Newest: q.Before == 0}
	for _, e := range es {
		d.Rows = append(d.Rows, auditRowOf(e, lang, 0))
	}
	if len(es) == q.Limit && q.Limit > 0 {
		v := r.URL.Query()
		v.Set("avant", strconv.FormatInt(es[len(es)-1].ID, 10))
		d.Older = auditPath + "?" + v.Encode()
	}
	d.Actions = append(d.Actions, option{Value: "", Label: translate(lang, "audit.any"), Selected: f.Values.Get("action") == ""})
	for _, a := range rdv.AuditActions {
		d.Actions = append(d.Actions, option{Value: string(a), Label: translate(lang, "audit.action."+string(a)), Selected: f.Values.Get("action") == string(a)})
	}
	d.Kinds = append(d.Kinds, option{Value: "", Label: translate(lang, "audit.any"), Selected: f.Values.Get("qui") == ""})
	for _, k := range []rdv.ActorKind{rdv.ActorStaff, rdv.ActorPatient, rdv.ActorLink, rdv.ActorClinicToken, rdv.ActorFeed, rdv.ActorVisitor, rdv.ActorSystem} {
		d.Kinds = append(d.Kinds, option{Value: string(k), Label: translate(lang, "audit.actor."+string(k)), Selected: f.Values.Get("qui") == string(k)})
	}
	s.render(w, r, status, "operator_audit", &page{Title: "audit.title", Form: f, Data: d})
}

// auditShown is how many events a page of the trail shows.
const auditShown = 100

// auditQueryOf reads the operators' search: patient and compte are IDs,
// qui an actor kind, action an action, du and au days (au included).
func auditQueryOf(r *http.Request) (rdv.AuditQuery, *form, bool) {
	v := r.URL.Query()
	f := newForm(v)
	q := rdv.AuditQuery{Limit: auditShown}
	id := func(name string) (int64, bool) {
		s := v.Get(name)
		if s == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n > 0
	}
	day := func(name string) (time.Time, bool) {
		s := v.Get(name)
		if s == "" {
			return time.Time{}, true
		}
		d, err := rdv.ParseDate(s)
		return d.At(0, rdv.Toronto), err == nil
	}
	patient, ok1 := id("patient")
	account, ok2 := id("compte")
	before, ok3 := id("avant")
	from, ok4 := day("du")
	to, ok5 := day("au")
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	kind, action := rdv.ActorKind(v.Get("qui")), rdv.AuditAction(v.Get("action"))
	okAction := action == "" || slices.Contains(rdv.AuditActions, action)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && okAction) || len(v.Get("qui")) > 20 {
		return rdv.AuditQuery{}, f, false
	}
	if patient != 0 {
		q.Patients = []int64{patient}
	}
	q.ActorKind, q.ActorID, q.Action, q.From, q.To, q.Before = kind, account, action, from, to, before
	return q, f, true
}

// accessData is what a patient's « Qui a consulté mon dossier » shows.
type accessData struct {
	Rows []auditRow
}

// accountAccess shows a signed-in patient who read or changed the records
// of the people their account booked for, and when: the staff, links and
// feeds, never the account itself.
func (s *Server) accountAccess(w http.ResponseWriter, r *http.Request) {
	acct, _ := s.patient(r)
	lang := langOf(r.Context())
	as, err := s.d.Store.AccountAppointments(r.Context(), acct.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	patients := rdv.AppointmentRecords(as...).Patients
	if !s.recordRead(w, r, rdv.AuditTrailRead, rdv.AuditRecords{Patients: patients}) {
		return
	}
	var d accessData
	if len(patients) > 0 {
		es, err := s.d.Store.AuditEvents(r.Context(), rdv.AuditQuery{Patients: patients})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range es {
			if e.Actor.Kind == rdv.ActorPatient && e.Actor.ID == acct.ID {
				continue
			}
			row := auditRowOf(e, lang, acct.ID)
			row.Address, row.Records = "", ""
			d.Rows = append(d.Rows, row)
		}
	}
	s.render(w, r, http.StatusOK, "account_access", &page{Title: "access.title", Data: d})
}

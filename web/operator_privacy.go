package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"rdv"
)

// The operators' register of confidentiality incidents (Law 25, « registre
// des incidents de confidentialité »): when each was found, what
// happened, which data and whose, the assessment of the risk of serious
// injury, whether and when the Commission d'accès à l'information and
// the people concerned were told, and the measures taken. A list with a
// form for a new entry, and each entry's own page to change it. These
// are not the outages of /operateur/incidents, which patients are told
// about.

const privacyIncidentsPath = "/operateur/incidents-confidentialite"

// datetimeLocal is the form of an <input type="datetime-local">, read in
// the clinics' time zone.
const datetimeLocal = "2006-01-02T15:04"

func init() {
	notices["privacy_saved"] = "privacy.reg.saved"
}

// privacyFields are the register's fields in the form's order.
var privacyFields = []labelled{
	{"found_at", "privacy.reg.found_at"}, {"description", "privacy.reg.description"}, {"data_concerned", "privacy.reg.data"},
	{"people_concerned", "privacy.reg.people"}, {"risk_assessment", "privacy.reg.risk"},
	{"cai_notified_at", "privacy.reg.cai_at"}, {"people_notified_at", "privacy.reg.people_at"}, {"measures", "privacy.reg.measures"},
}

// privacyRegisterData is what the register's pages show besides the form.
type privacyRegisterData struct {
	Action  string // where the form posts
	Editing bool   // an entry's page, not the list's
	Rows    []privacyRow
	// Entry is the entry being changed, its times written out.
	Recorded, Updated string
	Unavailable       bool // the list could not be read
}

// privacyRow is an entry as the list shows it.
type privacyRow struct {
	ID                          int64
	URL, FoundAt, Description   string
	SeriousRisk                 bool
	CAINotified, PeopleNotified string // the date, or "" when not told
}

// operatorPrivacy shows the register and the form of a new entry.
func (s *Server) operatorPrivacy(w http.ResponseWriter, r *http.Request) {
	f := newForm(url.Values{"found_at": {s.d.Engine.Now().In(rdv.Toronto).Format(datetimeLocal)}})
	s.renderPrivacyRegister(w, r, http.StatusOK, f, 0, rdv.PrivacyIncident{})
}

// operatorPrivacyEntry shows one entry's form.
func (s *Server) operatorPrivacyEntry(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	p, err := s.d.Store.PrivacyIncident(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPrivacyRegister(w, r, http.StatusOK, newForm(privacyValues(p)), id, p)
}

// savePrivacyIncident adds an entry (the list's form) or changes one (its
// page's): the entry, checked, or the form again with every error.
func (s *Server) savePrivacyIncident(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	var id int64
	var old rdv.PrivacyIncident
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = pathID(r); !ok {
			s.renderError(w, r, http.StatusNotFound)
			return
		}
		var err error
		if old, err = s.d.Store.PrivacyIncident(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	f := newForm(url.Values{})
	for _, fl := range privacyFields {
		f.Values.Set(fl.name, r.PostForm.Get(fl.name))
	}
	for _, box := range []string{"serious_risk", "cai_notified", "people_notified"} {
		setBox(f.Values, box, r.PostForm.Get(box) == "1")
	}
	p := privacyIncidentOf(f)
	p.ID = id
	if acct, ok := s.account(r); ok && id == 0 {
		p.RecordedBy = acct.ID
	}
	// Every field at once: the times that did not read keep their
	// message, the others get the entry's check's.
	now := s.d.Engine.Now()
	if err := p.Validate(now); err != nil {
		placePrivacyErrors(f, err)
	}
	if len(f.Errors) == 0 {
		_, err := s.d.Store.SavePrivacyIncident(r.Context(), p, now)
		if err == nil {
			http.Redirect(w, r, privacyIncidentsPath+"?avis=privacy_saved", http.StatusSeeOther)
			return
		}
		if rdv.ErrorCode(err) != rdv.EINVALID {
			s.fail(w, r, err)
			return
		}
		placePrivacyErrors(f, err)
	}
	s.renderPrivacyRegister(w, r, http.StatusUnprocessableEntity, f, id, old)
}

// privacyIncidentOf reads the form; a time that does not read is the
// field's error, and the entry takes none.
func privacyIncidentOf(f *form) rdv.PrivacyIncident {
	when := func(name string) time.Time {
		v := f.Values.Get(name)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(datetimeLocal, v, rdv.Toronto)
		if err != nil {
			f.Fail(name, "privacy.err.datetime")
			return time.Time{}
		}
		return t.UTC()
	}
	get := f.Values.Get
	return rdv.PrivacyIncident{FoundAt: when("found_at"), Description: get("description"), DataConcerned: get("data_concerned"),
		PeopleConcerned: get("people_concerned"), SeriousRisk: f.Values.Has("serious_risk"), RiskAssessment: get("risk_assessment"),
		CAINotified: f.Values.Has("cai_notified"), CAINotifiedAt: when("cai_notified_at"),
		PeopleNotified: f.Values.Has("people_notified"), PeopleNotifiedAt: when("people_notified_at"), Measures: get("measures")}
}

// privacyValues is an entry as its form shows it.
func privacyValues(p rdv.PrivacyIncident) url.Values {
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(rdv.Toronto).Format(datetimeLocal)
	}
	v := url.Values{"found_at": {at(p.FoundAt)}, "description": {p.Description}, "data_concerned": {p.DataConcerned},
		"people_concerned": {p.PeopleConcerned}, "risk_assessment": {p.RiskAssessment}, "cai_notified_at": {at(p.CAINotifiedAt)},
		"people_notified_at": {at(p.PeopleNotifiedAt)}, "measures": {p.Measures}}
	setBox(v, "serious_risk", p.SeriousRisk)
	setBox(v, "cai_notified", p.CAINotified)
	setBox(v, "people_notified", p.PeopleNotified)
	return v
}

// placePrivacyErrors puts each field error of the entry's check on its
// field, in the operator's words.
func placePrivacyErrors(f *form, err error) {
	for _, e := range rdv.AllFieldErrors(err) {
		key := "privacy.err.text"
		switch e.Field {
		case "found_at":
			key = "privacy.err.found_at"
		case "cai_notified_at", "people_notified_at":
			key = "privacy.err.notice_at"
		default:
			switch {
			case errors.Is(e, rdv.ErrControlCharacter):
				key = "err.control"
			case f.Values.Get(e.Field) == "":
				key = "err.required"
			}
		}
		f.Fail(e.Field, key)
	}
	if len(f.Errors) == 0 {
		f.Fail("description", "err.invalid")
	}
}

func (s *Server) renderPrivacyRegister(w http.ResponseWriter, r *http.Request, status int, f *form, id int64, entry rdv.PrivacyIncident) {
	lang := langOf(r.Context())
	d := privacyRegisterData{Action: privacyIncidentsPath}
	title := "privacy.reg.title"
	if id != 0 {
		d.Action, d.Editing, title = privacyIncidentsPath+"/"+strconv.FormatInt(id, 10), true, "privacy.reg.edit_title"
		d.Recorded, d.Updated = FormatDateTime(entry.RecordedAt, lang), FormatDateTime(entry.UpdatedAt, lang)
	} else {
		list, err := s.d.Store.PrivacyIncidents(r.Context())
		if err != nil {
			s.log.WarnContext(r.Context(), "privacy register unread", "err", err)
			d.Unavailable = true
		}
		for _, p := range list {
			row := privacyRow{ID: p.ID, URL: privacyIncidentsPath + "/" + strconv.FormatInt(p.ID, 10), FoundAt: FormatDateTime(p.FoundAt, lang),
				Description: p.Description, SeriousRisk: p.SeriousRisk}
			if p.CAINotified {
				row.CAINotified = FormatDateTime(p.CAINotifiedAt, lang)
			}
			if p.PeopleNotified {
				row.PeopleNotified = FormatDateTime(p.PeopleNotifiedAt, lang)
			}
			d.Rows = append(d.Rows, row)
		}
	}
	f.summarize(privacyFields)
	s.render(w, r, status, "operator_privacy", &page{Title: title, NoticeKey: noticeKeyOf(r), Form: f, Data: d})
}

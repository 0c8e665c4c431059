package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rdv"
)

// « Ma famille »: the people a signed-in patient books for, the holder
// (Relationship rdv.Self) and dependents, whose details fill in the
// booking form (booking_account.go). They are the account's own copy: a
// clinic's records are never read or changed from here. Every form
// answers with a redirect (post/redirect/get); one sent back with
// messages carries them in a cookie sealed for the session.

const (
	familyPath        = "/ma-famille"
	personDraftCookie = "rdv_person_form"
)

func init() {
	notices["person_added"] = "family.notice.added"
	notices["person_saved"] = "family.notice.saved"
	notices["person_removed"] = "family.notice.removed"
}

// personFields are the fields of a person's form, in order.
var personFields = []labelled{
	{"first_name", "book.first_name"}, {"last_name", "book.last_name"}, {"birth_date", "book.birth_date"},
	{"health_number", "book.health_number"}, {"relationship", "family.relationship"}, {"form", "family.title"},
}

// personRow is one person of the family's list.
type personRow struct {
	ID           int64
	Name         string
	BirthDate    string
	HealthNumber string // masked but for its last digits
	Relationship string // the catalog key of its label
	Edit, Remove string
}

// familyData is what the family's page and a person's page show.
type familyData struct {
	People []personRow
	// Action is where the person's form posts; HasSelf whether the
	// holder is listed already (then "myself" is no longer offered);
	// Editing whether the form changes a person rather than adds one;
	// Back the way back to the family's list.
	Action  string
	HasSelf bool
	Editing bool
	Back    string
}

// relationshipChoice is one choice of a person's relationship.
type relationshipChoice struct {
	Value, LabelKey string
}

// PersonRelationships are the relationships a person's form offers: the
// holder's own record while there is none, then the dependents'.
func (p *page) PersonRelationships() []relationshipChoice {
	var out []relationshipChoice
	if d, ok := p.Data.(familyData); ok && (!d.HasSelf || p.Form.Checked("relationship", string(rdv.Self))) {
		out = append(out, relationshipChoice{string(rdv.Self), "family.rel.self"})
	}
	for _, r := range rdv.Relationships {
		out = append(out, relationshipChoice{string(r), "family.rel." + string(r)})
	}
	return out
}

// people returns the signed-in account's people, the read on the trail.
func (s *Server) people(r *http.Request) ([]rdv.Person, error) {
	a, _ := s.patient(r)
	return s.accountPeople(r, a.ID)
}

// family shows the account's people and the form that adds one.
func (s *Server) family(w http.ResponseWriter, r *http.Request) {
	ps, err := s.people(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, status, ok := s.accountFormBack(w, r, personDraftCookie, familyPath, patientBound(r, "new"))
	if !ok {
		f, status = newForm(nil), http.StatusOK
	}
	s.renderFamily(w, r, status, ps, f)
}

func (s *Server) renderFamily(w http.ResponseWriter, r *http.Request, status int, ps []rdv.Person, f *form) {
	d := familyData{Action: familyPath}
	for _, p := range ps {
		id := strconv.FormatInt(p.ID, 10)
		row := personRow{
			ID: p.ID, Name: p.FirstName + " " + p.LastName, BirthDate: p.BirthDate.String(),
			Relationship: "family.rel." + string(p.Relationship),
			Edit:         familyPath + "/" + id, Remove: familyPath + "/" + id + "/retirer",
		}
		if p.HealthNumber != "" {
			row.HealthNumber = maskHealthNumber(p.HealthNumber)
		}
		d.People = append(d.People, row)
		d.HasSelf = d.HasSelf || p.Relationship == rdv.Self
	}
	if !f.Values.Has("relationship") {
		if d.HasSelf {
			f.Values.Set("relationship", string(rdv.Parent))
		} else {
			f.Values.Set("relationship", string(rdv.Self))
		}
	}
	f.summarize(personFields)
	s.render(w, r, status, "family", &page{Title: "family.title", NoticeKey: noticeKeyOf(r), Form: f, Data: d})
}

// personPage shows the form that changes one of the account's people.
func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ownPerson(w, r)
	if !ok {
		return
	}
	path := familyPath + "/" + strconv.FormatInt(p.ID, 10)
	f, status, ok := s.accountFormBack(w, r, personDraftCookie, path, patientBound(r, path))
	if !ok {
		f, status = newForm(personValues(p)), http.StatusOK
	}
	f.summarize(personFields)
	s.render(w, r, status, "person", &page{Title: "family.edit.title", Form: f, Data: familyData{
		Action: path, Editing: true, HasSelf: p.Relationship != rdv.Self, Back: familyPath,
	}})
}

// ownPerson finds the person of the path among the account's people;
// another account's, or none, is not found.
func (s *Server) ownPerson(w http.ResponseWriter, r *http.Request) (rdv.Person, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound)
		return rdv.Person{}, false
	}
	ps, err := s.people(r)
	if err != nil {
		s.fail(w, r, err)
		return rdv.Person{}, false
	}
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	s.renderError(w, r, http.StatusNotFound)
	return rdv.Person{}, false
}

// personValues is a person as its form shows it.
func personValues(p rdv.Person) url.Values {
	return url.Values{
		"first_name": {p.FirstName}, "last_name": {p.LastName}, "birth_date": {p.BirthDate.String()},
		"health_number": {p.HealthNumber}, "relationship": {string(p.Relationship)},
	}
}

// addPerson adds a person to the account.
func (s *Server) addPerson(w http.ResponseWriter, r *http.Request) {
	s.savePerson(w, r, 0, familyPath, "new")
}

// changePerson saves the changes of one of the account's people.
func (s *Server) changePerson(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ownPerson(w, r)
	if !ok {
		return
	}
	path := familyPath + "/" + strconv.FormatInt(p.ID, 10)
	s.savePerson(w, r, p.ID, path, path)
}

// savePerson reads a person's form and saves it, or sends the form back
// to its page (path) with a message by each field.
func (s *Server) savePerson(w http.ResponseWriter, r *http.Request, id int64, path, form string) {
	if !s.parseForm(w, r) {
		return
	}
	acct, _ := s.patient(r)
	f := newForm(url.Values{})
	for _, x := range personFields[:5] {
		f.Values.Set(x.name, strings.TrimSpace(r.PostForm.Get(x.name)))
	}
	p := rdv.Person{ID: id, AccountID: acct.ID, FirstName: f.Values.Get("first_name"), LastName: f.Values.Get("last_name"),
		HealthNumber: f.Values.Get("health_number"), Relationship: rdv.Relationship(f.Values.Get("relationship"))}
	for _, name := range []string{"first_name", "last_name", "birth_date"} {
		if f.Values.Get(name) == "" {
			f.Fail(name, "err.required")
		}
	}
	if v := f.Values.Get("birth_date"); v != "" {
		d, err := rdv.ParseDate(v)
		if err != nil {
			f.Fail("birth_date", "err.date")
		}
		p.BirthDate = d
	}
	now := s.d.Engine.Now()
	check := p
	placePersonErrors(f, check.Validate(rdv.DateOf(now)))
	if len(f.Errors) == 0 {
		p.CreatedAt = now
		_, err := s.d.Store.SavePerson(r.Context(), p)
		switch rdv.ErrorCode(err) {
		case "":
			dropPageCookie(w, r, personDraftCookie, path)
			notice := "person_added"
			if id != 0 {
				notice = "person_saved"
			}
			http.Redirect(w, r, familyPath+"?avis="+notice, http.StatusSeeOther)
			return
		case rdv.EINVALID:
			placePersonErrors(f, err)
		case rdv.ECONFLICT:
			f.Fail("relationship", "family.err.self_twice")
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.sendAccountFormBack(w, r, personDraftCookie, path, patientBound(r, form), f, http.StatusUnprocessableEntity, func(status int) {
		f.summarize(personFields)
		s.render(w, r, status, "person", &page{Title: "family.edit.title", Form: f, Data: familyData{Action: path, Editing: id != 0, Back: familyPath, HasSelf: true}})
	})
}

// removePerson takes one of the account's people off its list; the
// appointments booked for them stay.
func (s *Server) removePerson(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ownPerson(w, r)
	if !ok {
		return
	}
	err := s.d.Store.RemovePerson(r.Context(), p.AccountID, p.ID)
	if err != nil && rdv.ErrorCode(err) != rdv.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, familyPath+"?avis=person_removed", http.StatusSeeOther)
}

// placePersonErrors places every field error of a person's check on its
// field, in the booking form's words; a field that has a message already
// (a name left empty, a date that does not read) keeps it.
func placePersonErrors(f *form, err error) {
	errs := rdv.AllFieldErrors(err)
	if err != nil && len(errs) == 0 {
		f.Fail("form", "err.invalid")
	}
	for _, e := range errs {
		name := strings.TrimPrefix(rdv.ErrorField(e), "person.")
		value := f.Values.Get(name)
		key := "err.invalid"
		switch name {
		case "first_name", "last_name":
			key = "err.too_long"
		case "birth_date":
			key = "err.birth_date"
		case "health_number":
			key = "err.hn_birth"
			if errors.Is(e, rdv.ErrHealthNumberName) {
				key = "err.hn_name"
			}
			if _, err := rdv.NormalizeHealthNumber(value); err != nil {
				key = "err.health_number"
			}
		case "relationship":
			key = "family.err.relationship"
		default:
			name = "form"
		}
		if value == "" && name != "health_number" && name != "form" {
			key = "err.required"
		}
		if errors.Is(e, rdv.ErrControlCharacter) {
			key = "err.control"
		}
		f.Fail(name, key)
	}
}

// noticeKeyOf returns the catalog key of the notice a link asked for with
// ?avis=, or "".
func noticeKeyOf(r *http.Request) string { return notices[r.URL.Query().Get("avis")] }

package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/fees"
	"rdv/i18n"
)

// The request form's criteria: when the person is free (a date range,
// days of the week, times of the day), the practitioner's language, where
// the platform looks (their own clinic, free, or the whole network, for
// the finder fee) and, for a signed-in patient, who of « Ma famille » the
// request is for. They are read by rdv.RequestCriteria, as the API reads
// its fields, so that the form and the API mean and refuse the same.

// requestDays are the days the form offers, Monday first, by the names
// rdv.ParseWeekdays reads.
var requestDays = []struct {
	value string
	day   time.Weekday
}{
	{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday},
	{"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday},
}

// requestTimes are the parts of the day the form offers, by the names
// rdv.ParseTimes reads, labelled as the search's.
var requestTimes = []struct{ value, labelKey string }{
	{"morning", "search.moment.matin"}, {"afternoon", "search.moment.pm"}, {"evening", "search.moment.soir"},
}

// requestCriteriaFields are the criteria's fields with their labels, in
// the form's order.
var requestCriteriaFields = []labelled{
	{"person", "book.for_whom"},
	{"from", "search.from"}, {"to", "search.to"}, {"weekdays", "req.weekdays"}, {"times", "search.moment"},
	{"practitioner_language", "req.practitioner_language"}, {"scope", "req.scope"},
}

// requestChoices are the criteria's choices as the form shows them.
type requestChoices struct {
	Days, Times, Languages []option
	// People are the signed-in patient's people (« Ma famille »), nil
	// for anyone else; SignIn leads to the patients' sign-in and back.
	People []personChoice
	Person string // the person chosen (their ID), "" for someone else
	SignIn string
	// OwnClinic reports whether the free scope can be chosen: one of the
	// account's people is on a clinic's roster.
	OwnClinic bool
	Fee       feeLines
	// LocalDecline is, in development (Deps.LocalPayments), the payment
	// token that the built-in provider refuses; "" otherwise.
	LocalDecline string
}

// feeLines is the finder fee with its taxes, written for the page.
type feeLines struct {
	Fee, GST, QST, Total string
	GSTRate, QSTRate     string
}

// feeQuote is the finder fee of a request to the whole network.
func (s *Server) feeQuote() rdv.FeeQuote {
	if s.d.Fee.AmountCents > 0 {
		return s.d.Fee.Quote()
	}
	return rdv.DefaultFeeConfig().Quote()
}

func feeLinesOf(q rdv.FeeQuote, lang string) feeLines {
	return feeLines{
		Fee: i18n.FormatMoney(q.FeeCents, lang), GST: i18n.FormatMoney(q.GSTCents, lang),
		QST: i18n.FormatMoney(q.QSTCents, lang), Total: i18n.FormatMoney(q.TotalCents, lang),
		GSTRate: i18n.FormatRate(rdv.GSTRate, lang), QSTRate: i18n.FormatRate(rdv.QSTRate, lang),
	}
}

// requestChoicesFor lists the form's choices, marked as the form has them.
func (s *Server) requestChoicesFor(r *http.Request, f *form) requestChoices {
	lang := langOf(r.Context())
	c := requestChoices{Fee: feeLinesOf(s.feeQuote(), lang), Person: f.Values.Get("person")}
	if s.d.LocalPayments {
		c.LocalDecline = fees.DeclineToken
	}
	for _, d := range requestDays {
		c.Days = append(c.Days, option{Value: d.value, Label: i18n.Weekday(d.day, lang), Selected: f.Checked("weekdays", d.value)})
	}
	for _, t := range requestTimes {
		c.Times = append(c.Times, option{Value: t.value, Label: translate(lang, t.labelKey), Selected: f.Checked("times", t.value)})
	}
	for _, l := range []string{"", "fr", "en"} {
		label := translate(lang, "req.practitioner_language.any")
		if l != "" {
			label = translate(lang, "lang."+l)
		}
		c.Languages = append(c.Languages, option{Value: l, Label: label, Selected: f.Values.Get("practitioner_language") == l})
	}
	acct, ok := s.patient(r)
	if !ok {
		c.SignIn = patientSigninPath + "?" + url.Values{"retour": {requestPath}}.Encode()
		return c
	}
	people, err := s.accountPeople(r, acct.ID)
	if err != nil {
		s.log.WarnContext(r.Context(), "people of the account unread", "err", err)
		return c
	}
	for _, p := range people {
		id := strconv.FormatInt(p.ID, 10)
		c.People = append(c.People, personChoice{Name: p.FirstName + " " + p.LastName, URL: requestPath + "?pour=" + id,
			Self: p.Relationship == rdv.Self, Chosen: c.Person == id})
	}
	c.OwnClinic = len(s.rosteredClinics(r)) > 0
	return c
}

// requestFormFor fills a new form in for one of the signed-in patient's
// people (?pour=): their identity, the account's contact and language,
// and the free scope when one of the account's people is on a roster.
func (s *Server) requestFormFor(r *http.Request, v url.Values) {
	acct, ok := s.patient(r)
	if !ok {
		return
	}
	if acct.Language != "" {
		v.Set("language", acct.Language)
	}
	if len(s.rosteredClinics(r)) > 0 {
		v.Set("scope", string(rdv.ScopeOwnClinic))
	}
	p, ok := s.accountPerson(r, acct, r.URL.Query().Get("pour"))
	if !ok {
		return
	}
	v.Set("person", strconv.FormatInt(p.ID, 10))
	v.Set("first_name", p.FirstName)
	v.Set("last_name", p.LastName)
	v.Set("birth_date", p.BirthDate.String())
	v.Set("health_number", p.HealthNumber)
	if acct.Email != "" {
		v.Set("email", acct.Email)
	}
	if acct.Phone != "" {
		v.Set("phone", rdv.FormatPhone(acct.Phone))
	}
	if rdv.AgeOn(p.BirthDate, rdv.DateOf(time.Now())) < rdv.PediatricAge {
		v.Set("child", "1")
	}
}

// accountPerson returns the person of the account whose ID is value.
func (s *Server) accountPerson(r *http.Request, acct rdv.PatientAccount, value string) (rdv.Person, bool) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		return rdv.Person{}, false
	}
	people, err := s.d.Store.People(r.Context(), acct.ID)
	if err != nil {
		return rdv.Person{}, false
	}
	i := slices.IndexFunc(people, func(p rdv.Person) bool { return p.ID == id })
	if i < 0 {
		return rdv.Person{}, false
	}
	return people[i], true
}

// readWho sets whom the request is for: a signed-in patient's request is
// the account's, and for the person of « Ma famille » chosen (their
// identity as the account keeps it: what was typed over it is not
// taken); anyone else's is for the person typed in.
func (s *Server) readWho(r *http.Request, f *form, out *rdv.AppointmentRequest) {
	acct, ok := s.patient(r)
	if !ok {
		return
	}
	out.AccountID = acct.ID
	value := f.Values.Get("person")
	if value == "" {
		return
	}
	p, ok := s.accountPerson(r, acct, value)
	if !ok {
		f.Fail("person", "req.err.person")
		return
	}
	for _, name := range []string{"first_name", "last_name", "birth_date", "health_number"} {
		delete(f.Errors, name)
	}
	out.FirstName, out.LastName, out.BirthDate, out.HealthNumber = p.FirstName, p.LastName, p.BirthDate, p.HealthNumber
	if p.Relationship != rdv.Self {
		out.PersonID = p.ID
	}
}

// readCriteria reads the criteria into out, and records a problem by its
// field. The free scope needs the request's person on a clinic's roster:
// without one, no slot could ever be proposed.
func (s *Server) readCriteria(r *http.Request, f *form, out *rdv.AppointmentRequest, now time.Time) {
	get := func(name string) string { return strings.TrimSpace(f.Values.Get(name)) }
	c := rdv.RequestCriteria{
		From: get("from"), To: get("to"),
		Weekdays: strings.Join(f.Values["weekdays"], ","), Times: strings.Join(f.Values["times"], ","),
		Language: get("practitioner_language"), Scope: get("scope"),
	}
	got, err := c.Apply(*out, now)
	switch field := rdv.ErrorField(err); field {
	case "":
		*out = got
	case "from":
		f.Fail("from", "err.date")
	case "to":
		switch to, perr := rdv.ParseDate(c.To); {
		case perr != nil:
			f.Fail("to", "err.date")
		case to.Before(rdv.DateOf(now)):
			f.Fail("to", "err.date_past")
		default:
			f.Fail("to", "err.date_order")
		}
	case "weekdays":
		f.Fail("weekdays", "req.err.weekdays")
	case "times":
		f.Fail("times", "err.moment")
	case "language":
		f.Fail("practitioner_language", "req.err.practitioner_language")
	default:
		f.Fail("scope", "req.err.scope")
	}
	if err != nil || out.Scope != rdv.ScopeOwnClinic {
		return
	}
	if out.AccountID == 0 {
		f.Fail("scope", "req.err.scope_signin")
		return
	}
	ids, err := s.d.Store.RosteredClinics(r.Context(), []rdv.Person{{FirstName: out.FirstName, LastName: out.LastName,
		BirthDate: out.BirthDate, HealthNumber: out.HealthNumber}})
	if err != nil || len(ids) == 0 {
		f.Fail("scope", "req.err.scope_roster")
	}
}

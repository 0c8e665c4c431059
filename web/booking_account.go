package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rdv"
)

// What the booking form adds for the channels a person hears on, and for
// a signed-in patient:
//
//   - « Recevoir la confirmation et un rappel » by email (ticked unless
//     the person's account chose otherwise) and by text message (only
//     when ticked), each needing its contact on the form: choosing one is
//     the person's consent to it, recorded with the appointment.
//   - « Pour qui ? »: the account's people (« Ma famille »), each a link
//     to the form filled in with their details (?pour=<id>, a GET, so
//     that it works without a script and leaves no post in the history);
//     for a dependent child, the holder's own details as the parent's.
//   - The booking belongs to the account (its AccountID).

// Form fields of the channels.
const (
	notifyEmailField = "notify_email"
	notifySMSField   = "notify_sms"
)

// personChoice is one person « Pour qui ? » offers.
type personChoice struct {
	Name, URL string
	Self      bool
	Chosen    bool
}

// bookingAccountData is what the booking form shows of the account.
type bookingAccountData struct {
	SignedIn bool
	People   []personChoice
	// Other clears the form for someone not on the list; SignIn leads to
	// the patients' sign-in and back to the form.
	Other, SignIn string
}

// bookingDefaults are a new booking form's values: the page's language
// and, by email, the channels; a signed-in patient's own choices
// (recorded with their consent) and language instead.
func (s *Server) bookingDefaults(r *http.Request) url.Values {
	v := url.Values{"language": {langOf(r.Context())}, notifyEmailField: {"1"}}
	acct, ok := s.patient(r)
	if !ok {
		return v
	}
	if acct.Language != "" {
		v.Set("language", acct.Language)
	}
	if !acct.ConsentAt.IsZero() {
		v.Del(notifyEmailField)
		setBox(v, notifyEmailField, acct.Notify.Email)
		setBox(v, notifySMSField, acct.Notify.SMS)
	}
	return v
}

// setBox ticks a box of the form's values, or leaves it unticked.
func setBox(v url.Values, name string, on bool) {
	if on {
		v.Set(name, "1")
	}
}

// bookingFor returns what the booking form of hold shows of the signed-in
// account and, when ?pour= names one of its people, the form filled in
// for them; nil when the form keeps what it has.
func (s *Server) bookingFor(r *http.Request, holdID string) (bookingAccountData, url.Values) {
	acct, ok := s.patient(r)
	if !ok {
		return bookingAccountData{SignIn: patientSigninPath + "?" + url.Values{"retour": {holdPath(holdID)}}.Encode()}, nil
	}
	d := bookingAccountData{SignedIn: true, Other: holdPath(holdID) + "?pour=autre"}
	people, err := s.accountPeople(r, acct.ID)
	if err != nil {
		s.log.WarnContext(r.Context(), "people of the account unread", "err", err)
		return d, nil
	}
	pour := r.URL.Query().Get("pour")
	var chosen *rdv.Person
	for i, p := range people {
		id := strconv.FormatInt(p.ID, 10)
		c := personChoice{Name: p.FirstName + " " + p.LastName, URL: holdPath(holdID) + "?pour=" + id, Self: p.Relationship == rdv.Self, Chosen: pour == id}
		if c.Chosen {
			chosen = &people[i]
		}
		d.People = append(d.People, c)
	}
	switch {
	case pour == "autre":
		return d, s.bookingDefaults(r)
	case chosen != nil:
		return d, s.filledFor(r, acct, people, *chosen)
	}
	return d, nil
}

// filledFor is the booking form filled in for one of the account's
// people: their identity, and the account's own contact (the one it
// proved it holds) for the holder, or for a dependent child as the
// parent's, with the holder's identity.
func (s *Server) filledFor(r *http.Request, acct rdv.PatientAccount, people []rdv.Person, p rdv.Person) url.Values {
	v := s.bookingDefaults(r)
	v.Set("first_name", p.FirstName)
	v.Set("last_name", p.LastName)
	v.Set("birth_date", p.BirthDate.String())
	v.Set("health_number", p.HealthNumber)
	contact := func(prefix string) {
		if acct.Email != "" {
			v.Set(prefix+"email", acct.Email)
		}
		if acct.Phone != "" {
			v.Set(prefix+"phone", rdv.FormatPhone(acct.Phone))
		}
	}
	child := rdv.AgeOn(p.BirthDate, rdv.DateOf(s.d.Engine.Now())) < rdv.PediatricAge
	if p.Relationship == rdv.Self || !child {
		contact("")
		return v
	}
	v.Set("for_child", "1")
	v.Set(relationshipField, string(p.Relationship))
	contact(guardianPrefix)
	for _, holder := range people {
		if holder.Relationship == rdv.Self {
			v.Set(guardianPrefix+"first_name", holder.FirstName)
			v.Set(guardianPrefix+"last_name", holder.LastName)
			v.Set(guardianPrefix+"birth_date", holder.BirthDate.String())
			v.Set(guardianPrefix+"health_number", holder.HealthNumber)
		}
	}
	return v
}

// readNotify reads the channels chosen on a booking form, and places a
// message on the phone field when text messages are chosen without a
// number: the patient's own, or for a child the parent's, whom the
// messages reach when the child has none (rdv.Appointment.Contact). The
// email box comes ticked, so ticked without an email it is no choice
// anyone made: the booking is told nothing by email, and a guest who
// gives only a phone books as before, without a message to untick it.
func readNotify(f *form) rdv.Notify {
	n := rdv.Notify{Email: f.Values.Get(notifyEmailField) == "1", SMS: f.Values.Get(notifySMSField) == "1"}
	has := func(name string) bool {
		return strings.TrimSpace(f.Values.Get(name)) != "" || forChild(f) && strings.TrimSpace(f.Values.Get(guardianPrefix+name)) != ""
	}
	field := func(name string) string {
		if forChild(f) && strings.TrimSpace(f.Values.Get(name)) == "" {
			return guardianPrefix + name
		}
		return name
	}
	if n.Email && !has("email") {
		n.Email = false
	}
	if n.SMS && !has("phone") {
		f.Fail(field("phone"), "book.err.notify_sms")
	}
	return n
}

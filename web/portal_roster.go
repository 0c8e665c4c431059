package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// The clinic's roster (« patients inscrits »): the patients the desk has
// registered with the clinic, who see and book, free, the slots it keeps
// for them. Receptionists and the clinic's admins keep it; the clinic is
// always the account's. A patient is registered by health number (the
// store finds them by it, or adds them), so the form asks for the number
// with the names and the birth date it must agree with, and the list
// shows only its last four digits: the desk recognises a patient by name
// and birth date, and a page left open shows no whole number.

const (
	rosterPath        = "/clinique/patients-inscrits"
	rosterDraftCookie = "rdv_inscription"
	// rosterShown is how many registered patients the page lists at once;
	// a search narrows a bigger roster.
	rosterShown = 200
)

// rosterRow is one registered patient as the page shows them.
type rosterRow struct {
	PatientID    int64
	Name         string
	BirthDate    string
	HealthNumber string // masked but for its last four digits
	AddedAt      string
}

// portalRosterData is what the roster page shows besides its form.
type portalRosterData struct {
	Clinic rdv.Clinic
	Rows   []rosterRow
	Total  int    // registered patients in all
	Found  int    // those the search matches
	Query  string // the search typed, "" for none
	More   bool   // more match than are shown
}

// rosterFields are the form's fields with their labels, in order.
var rosterFields = []labelled{
	{"first_name", "book.first_name"}, {"last_name", "book.last_name"},
	{"birth_date", "book.birth_date"}, {"health_number", "book.health_number"},
}

// portalRoster lists the clinic's registered patients with the form to
// register one; a form sent back with messages shows them once.
func (s *Server) portalRoster(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	f := newForm(nil)
	if d, ok := s.sentBackDraft(w, r, rosterDraftCookie, rosterPath, s.staffBound(r, rosterPath)); ok {
		f = newForm(d.Values)
		for k, v := range d.Errors {
			f.Fail(k, v)
		}
		f.summarize(rosterFields)
	}
	notice := ""
	switch avis := r.URL.Query().Get("avis"); avis {
	case "added", "removed", "notfound":
		notice = "roster.notice." + avis
	}
	s.renderRoster(w, r, c, f, notice)
}

func (s *Server) renderRoster(w http.ResponseWriter, r *http.Request, c rdv.Clinic, f *form, notice string) {
	entries, err := s.d.Store.Roster(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var registered rdv.AuditRecords
	for _, e := range entries {
		registered.Patients = append(registered.Patients, e.PatientID)
	}
	if !s.recordRead(w, r, rdv.AuditRosterRead, registered) {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := portalRosterData{Clinic: c, Total: len(entries), Query: q}
	slices.SortFunc(entries, func(a, b rdv.RosterEntry) int {
		return strings.Compare(foldName(a.LastName+" "+a.FirstName), foldName(b.LastName+" "+b.FirstName))
	})
	for _, e := range entries {
		if !rosterMatches(e, q) {
			continue
		}
		data.Found++
		if len(data.Rows) == rosterShown {
			data.More = true
			continue
		}
		data.Rows = append(data.Rows, rosterRow{PatientID: e.PatientID, Name: e.FirstName + " " + e.LastName,
			BirthDate: e.BirthDate.String(), HealthNumber: maskHealthNumber(e.HealthNumber), AddedAt: formatDate(e.AddedAt)})
	}
	s.render(w, r, http.StatusOK, "portal_roster", &page{Title: "roster.title", Form: f, Data: data, NoticeKey: notice})
}

// rosterMatches reports whether an entry answers a search: words of its
// names (accents and case aside), or the digits its health number ends
// with.
func rosterMatches(e rdv.RosterEntry, q string) bool {
	if q == "" {
		return true
	}
	if digits := strings.Map(keepDigit, q); digits != "" && digits == strings.ReplaceAll(q, " ", "") {
		return strings.HasSuffix(e.HealthNumber, digits)
	}
	name := foldName(e.FirstName + " " + e.LastName)
	for _, word := range strings.Fields(foldName(q)) {
		if !strings.Contains(name, word) {
			return false
		}
	}
	return true
}

// maskHealthNumber hides a health number but for its last four digits,
// grouped as on the card: •••• •••• 5678.
func maskHealthNumber(hn string) string {
	if len(hn) < 4 {
		return "••••"
	}
	return "•••• •••• " + hn[len(hn)-4:]
}

// foldName writes a name in lower case without accents, so that a search
// for « lea cote » finds Léa Côté: the rule that compares two records of
// one person (rdv.FoldName).
func foldName(s string) string { return rdv.FoldName(s) }

// formatDate writes the day of an instant in the clinics' time zone, with
// its year, as the forms write dates (2026-12-03).
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return rdv.DateOf(t).String()
}

// portalAddToRoster registers a patient with the account's clinic. A
// form with messages is sent back by a redirect (staff_sent_back.go);
// registering a patient already registered changes nothing.
func (s *Server) portalAddToRoster(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	f := newForm(typedValues(r.PostForm))
	get := func(k string) string { return strings.TrimSpace(f.Values.Get(k)) }
	e := rdv.RosterEntry{ClinicID: c.ID, FirstName: get("first_name"), LastName: get("last_name"), HealthNumber: get("health_number"),
		AddedBy: a.ID, AddedAt: s.d.Engine.Now()}
	for _, x := range rosterFields {
		if get(x.name) == "" {
			f.Fail(x.name, "err.required")
		}
	}
	if get("birth_date") != "" {
		d, err := rdv.ParseDate(get("birth_date"))
		if err != nil {
			f.Fail("birth_date", "err.date")
		}
		e.BirthDate = d
	}
	placeErrors(f, e.Validate(rdv.DateOf(e.AddedAt)))
	if len(f.Errors) == 0 {
		added, err := s.d.Store.AddToRoster(r.Context(), e)
		switch {
		case err == nil:
			s.log.InfoContext(r.Context(), "patient registered with a clinic", "clinic", c.ID, "patient", added.PatientID, "account", a.ID)
			dropPageCookie(w, r, rosterDraftCookie, rosterPath)
			http.Redirect(w, r, rosterPath+"?avis=added", http.StatusSeeOther)
			return
		case rdv.ErrorCode(err) == rdv.EINVALID:
			placeErrors(f, err)
		default:
			s.fail(w, r, err)
			return
		}
	}
	f.summarize(rosterFields)
	if s.setPageCookie(w, r, rosterDraftCookie, rosterPath, s.staffBound(r, rosterPath), draft{Values: f.Values, Errors: f.Errors}, heldCookieTTL) {
		http.Redirect(w, r, rosterPath, http.StatusSeeOther)
		return
	}
	s.renderRoster(w, r, c, f, "")
}

// portalRemoveFromRoster takes a patient off the account's clinic's
// roster; one the clinic does not have is not found.
func (s *Server) portalRemoveFromRoster(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("patient"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	switch err := s.d.Store.RemoveFromRoster(r.Context(), c.ID, id); {
	case err == nil:
		s.log.InfoContext(r.Context(), "patient removed from a clinic's roster", "clinic", c.ID, "patient", id, "account", a.ID)
		http.Redirect(w, r, rosterPath+"?avis=removed", http.StatusSeeOther)
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		http.Redirect(w, r, rosterPath+"?"+url.Values{"avis": {"notfound"}}.Encode(), http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

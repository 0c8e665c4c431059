package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rdv"
)

// Outage notices: an operator declares an incident (the clinics and the
// time window it touches, what patients must be told in both languages)
// and every patient with an appointment in it is told once, on the
// channels they chose. Declaring goes through a confirmation page that
// names the clinics chosen and says how many appointments will be told,
// since a notice cannot be taken back. The network has hundreds of
// clinics: the form takes their numbers, separated by commas, and a
// search on the same page finds the numbers by name or town.

const (
	incidentsPath        = "/operateur/incidents"
	incidentDraftCookie  = "rdv_incident"
	clinicSearchShown    = 30 // clinics a search lists
	incidentClinicsShown = 8  // clinics a listed incident names before "and N more"
)

// incidentFields are the form's fields with their labels, in order.
var incidentFields = []labelled{
	{"clinics", "inc.clinics"}, {"from_date", "inc.from"}, {"from_time", "inc.from_time"},
	{"to_date", "inc.to"}, {"to_time", "inc.to_time"}, {"text_fr", "inc.text_fr"}, {"text_en", "inc.text_en"},
}

// incidentRow is a declared incident in the page's language.
type incidentRow struct {
	ID       int64
	Declared string
	Window   string
	Clinics  string // their names; "" for every clinic
	More     int    // clinics beyond those named
	Notified int
	TextFR   string
	TextEN   string
}

// incidentsData is what the incidents page and its confirmation show.
type incidentsData struct {
	Incidents []incidentRow
	// The clinic search: what was typed and the clinics found.
	Search string
	Found  []rdv.Clinic
	// Unknown are the numbers of the form's clinics field that name no
	// clinic, to say which.
	Unknown string
	// The confirmation: the incident in words, its clinics and whom it
	// reaches.
	Preview    *incidentRow
	Clinics    []string
	Reach      rdv.IncidentReach
	Unreached  int // appointments touched that no notice reaches
	AllClinics int // the network's clinics, when it touches every one
	// Nonce is the confirmation's idempotency key: the same confirmation
	// posted twice declares once.
	Nonce string
}

// operatorIncidents lists the incidents declared, with the form to
// declare one and the clinic search.
func (s *Server) operatorIncidents(w http.ResponseWriter, r *http.Request) {
	f := newForm(url.Values{"scope": {"all"}})
	if d, ok := s.sentBackDraft(w, r, incidentDraftCookie, incidentsPath, s.staffBound(r, incidentsPath)); ok {
		f = newForm(d.Values)
		for k, v := range d.Errors {
			f.Fail(k, v)
		}
		f.summarize(incidentFields)
	}
	notice := ""
	if r.URL.Query().Get("avis") == "declared" {
		notice = "inc.notice.declared"
	}
	s.renderIncidents(w, r, http.StatusOK, f, nil, notice)
}

func (s *Server) renderIncidents(w http.ResponseWriter, r *http.Request, status int, f *form, preview *incidentsData, notice string) {
	lang := langOf(r.Context())
	data := incidentsData{}
	template := "operator_incidents"
	if preview != nil {
		data, template = *preview, "operator_incident_confirm"
	} else {
		list, err := s.d.Store.Incidents(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, in := range list {
			data.Incidents = append(data.Incidents, s.incidentRowOf(in, lang))
		}
		data.Search = strings.TrimSpace(r.URL.Query().Get("chercher"))
		data.Found = s.searchClinics(data.Search)
		if f.Errors["clinics"] != "" {
			_, unknown := s.incidentClinics(f.Values.Get("clinics"))
			data.Unknown = strings.Join(unknown, ", ")
		}
	}
	s.render(w, r, status, template, &page{Title: "inc.title", Form: f, Data: data, NoticeKey: notice})
}

func (s *Server) incidentRowOf(in rdv.Incident, lang string) incidentRow {
	row := incidentRow{ID: in.ID, Declared: FormatDateTime(in.DeclaredAt, lang), Notified: in.Notified, TextFR: in.TextFR, TextEN: in.TextEN,
		Window: translate(lang, "inc.window", FormatDateTime(in.From, lang), FormatDateTime(in.To, lang))}
	var names []string
	for i, id := range in.ClinicIDs {
		if i == incidentClinicsShown {
			row.More = len(in.ClinicIDs) - i
			break
		}
		name := translate(lang, "inc.clinic.gone", id)
		if c, ok := s.d.Index.Clinic(id); ok {
			name = c.Name + " (" + c.City + ")"
		}
		names = append(names, name)
	}
	row.Clinics = strings.Join(names, ", ")
	return row
}

// searchClinics returns the clinics whose name or town holds every word
// of q, accents and case aside.
func (s *Server) searchClinics(q string) []rdv.Clinic {
	words := strings.Fields(foldName(q))
	if len(words) == 0 {
		return nil
	}
	var found []rdv.Clinic
	for _, c := range s.d.Index.Clinics() {
		hay := foldName(c.Name + " " + c.City)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			found = append(found, c)
		}
	}
	slices.SortFunc(found, func(a, b rdv.Clinic) int { return int(a.ID - b.ID) })
	if len(found) > clinicSearchShown {
		found = found[:clinicSearchShown]
	}
	return found
}

// incidentClinics reads the clinics field: numbers separated by commas
// (or spaces). It returns the clinics found, each once, and what names
// none.
func (s *Server) incidentClinics(raw string) (clinics []rdv.Clinic, unknown []string) {
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		id, err := strconv.ParseInt(part, 10, 64)
		c, ok := s.d.Index.Clinic(id)
		switch {
		case err != nil || !ok:
			unknown = append(unknown, part)
		case !slices.ContainsFunc(clinics, func(x rdv.Clinic) bool { return x.ID == id }):
			clinics = append(clinics, c)
		}
	}
	return clinics, unknown
}

// incidentForm reads the form into an incident declared now by the
// signed-in operator, and the clinics it names.
func (s *Server) incidentForm(r *http.Request, f *form) (rdv.Incident, []rdv.Clinic) {
	get := func(k string) string { return strings.TrimSpace(f.Values.Get(k)) }
	a, _ := s.account(r)
	now := s.d.Engine.Now()
	in := rdv.Incident{TextFR: get("text_fr"), TextEN: get("text_en"), DeclaredBy: a.ID, DeclaredAt: now}
	var clinics []rdv.Clinic
	if get("scope") != "all" {
		var unknown []string
		clinics, unknown = s.incidentClinics(get("clinics"))
		switch {
		case len(unknown) > 0:
			f.Fail("clinics", "inc.err.clinics_unknown")
		case len(clinics) == 0:
			f.Fail("clinics", "inc.err.clinics_none")
		case len(clinics) > rdv.MaxIncidentClinics:
			f.Fail("clinics", "inc.err.clinics_many")
		}
		for _, c := range clinics {
			in.ClinicIDs = append(in.ClinicIDs, c.ID)
		}
	}
	at := func(dateField, timeField string) time.Time {
		d, err := rdv.ParseDate(get(dateField))
		if err != nil {
			f.Fail(dateField, "err.date")
		}
		m, ok := rdv.ParseClock(get(timeField))
		if !ok {
			f.Fail(timeField, "inc.err.time")
		}
		if err != nil || !ok {
			return time.Time{}
		}
		return d.At(m, rdv.Toronto)
	}
	in.From, in.To = at("from_date", "from_time"), at("to_date", "to_time")
	switch {
	case in.From.IsZero() || in.To.IsZero():
	case !in.From.Before(in.To):
		f.Fail("to_date", "inc.err.window")
	case !in.To.After(now):
		f.Fail("to_date", "inc.err.past")
	}
	for _, x := range []struct{ name, v string }{{"text_fr", in.TextFR}, {"text_en", in.TextEN}} {
		switch {
		case x.v == "":
			f.Fail(x.name, "err.required")
		case utf8.RuneCountInString(x.v) > rdv.MaxIncidentText:
			f.Fail(x.name, "inc.err.too_long")
		}
	}
	if len(f.Errors) == 0 {
		incidentRefused(f, in.Validate())
	}
	return in, clinics
}

// incidentRefused places the store's or the domain's verdict on the
// field it concerns.
func incidentRefused(f *form, err error) {
	for _, e := range rdv.AllFieldErrors(err) {
		switch e.Field {
		case "text_fr", "text_en":
			f.Fail(e.Field, "inc.err.text")
		case "clinic_ids":
			f.Fail("clinics", "inc.err.clinics_many")
		default:
			f.Fail("to_date", "inc.err.window")
		}
	}
	if err != nil && len(f.Errors) == 0 {
		f.Fail("to_date", "err.invalid")
	}
}

// keepIncidentDraft keeps what was typed, and its messages if any, for
// the incidents page's form: a form sent back shows them, and the form
// is filled in again when the operator goes back from the confirmation.
func (s *Server) keepIncidentDraft(w http.ResponseWriter, r *http.Request, f *form) bool {
	return s.setPageCookie(w, r, incidentDraftCookie, incidentsPath, s.staffBound(r, incidentsPath),
		draft{Values: typedValues(f.Values), Errors: f.Errors}, heldCookieTTL)
}

// sendIncidentBack answers the form with messages by a redirect to the
// incidents page (staff_sent_back.go).
func (s *Server) sendIncidentBack(w http.ResponseWriter, r *http.Request, f *form) {
	f.summarize(incidentFields)
	if s.keepIncidentDraft(w, r, f) {
		http.Redirect(w, r, incidentsPath, http.StatusSeeOther)
		return
	}
	s.renderIncidents(w, r, http.StatusUnprocessableEntity, f, nil, "")
}

// previewIncident shows what declaring would do: the incident in words,
// the clinics named, how many appointments and messages, with the button
// that declares it.
func (s *Server) previewIncident(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(typedValues(r.PostForm))
	in, clinics := s.incidentForm(r, f)
	if len(f.Errors) > 0 {
		s.sendIncidentBack(w, r, f)
		return
	}
	reach, err := s.d.Store.IncidentReach(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r.Context())
	row := s.incidentRowOf(in, lang)
	data := &incidentsData{Preview: &row, Reach: reach, Unreached: reach.Appointments - reach.Told, Nonce: newNonce()}
	for _, c := range clinics {
		data.Clinics = append(data.Clinics, translate(lang, "inc.clinic", c.ID, c.Name, c.City))
	}
	if len(clinics) == 0 {
		data.AllClinics = len(s.d.Index.Clinics())
	}
	// Going back from here finds the form as it was typed.
	s.keepIncidentDraft(w, r, newForm(f.Values))
	s.renderIncidents(w, r, http.StatusOK, f, data, "")
}

// declareIncident records the incident confirmed on the preview and
// writes its notices (rdv.MessageStore.DeclareIncident), then leads to
// the list. A notice cannot be taken back, so the confirmation carries
// the key made with its preview: posted again (a double click, Back and
// post), it leads to the incident declared the first time and tells no
// one twice.
func (s *Server) declareIncident(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(typedValues(r.PostForm))
	in, _ := s.incidentForm(r, f)
	if len(f.Errors) > 0 {
		s.sendIncidentBack(w, r, f)
		return
	}
	in.Idem = idemKey("web POST "+incidentsPath, r.PostForm.Get("cle"), f.Values)
	out, err := s.d.Store.DeclareIncident(r.Context(), in)
	switch {
	case rdv.ErrorCode(err) == rdv.EINVALID:
		incidentRefused(f, err)
		s.sendIncidentBack(w, r, f)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "incident declared", "incident", out.ID, "account", in.DeclaredBy, "clinics", len(in.ClinicIDs), "notices", out.Notified)
	dropPageCookie(w, r, incidentDraftCookie, incidentsPath)
	http.Redirect(w, r, incidentsPath+"?avis=declared#incident-"+strconv.FormatInt(out.ID, 10), http.StatusSeeOther)
}

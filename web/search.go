package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"rdv"
	"rdv/availability"
	"rdv/places"
)

// Search defaults and bounds.
const (
	defaultRadiusKm  = 25
	defaultDays      = 14 // how far the default search looks ahead
	maxDays          = 62 // the slot horizon is 8 weeks
	resultLimit      = 20
	resultsPerClinic = 3
)

var radii = []int{5, 10, 25, 50, 100}

// moments are the times of day a search can ask for, by the value the form
// sends (stable: links carry them).
var moments = []struct {
	value, labelKey string
	window          availability.Window
}{
	{"matin", "search.moment.matin", availability.Morning},
	{"apres-midi", "search.moment.pm", availability.Afternoon},
	{"soir", "search.moment.soir", availability.Evening},
}

// searchKeys are the parameters of a search, in the form and in links.
var searchKeys = []string{"service", "lieu", "rayon", "du", "au", "moment", "near"}

// searchFields are the search form's fields with their labels, in order.
var searchFields = []labelled{
	{"service", "search.service"}, {"lieu", "search.place"}, {"rayon", "search.radius"},
	{"du", "search.from"}, {"au", "search.to"}, {"moment", "search.moment"},
}

// notices are the messages a link back to a page may ask for.
var notices = map[string]string{
	"slot_taken":    "notice.slot_taken",
	"too_many":      "notice.too_many",
	"cancelled":     "notice.cancelled",
	"not_cancelled": "notice.not_cancelled",
}

// option is one choice of a select or a group of boxes.
type option struct {
	Value, Label string
	Selected     bool
}

// searchData is what the search page shows.
type searchData struct {
	Services []option
	Radii    []option
	Moments  []option
	Places   template.HTML
	Today    string

	Searched  bool
	PlaceName string
	RadiusKm  string
	Results   []resultRow
	// Rostered are the times a signed-in patient's own clinics keep for
	// their registered patients (rostered_search.go).
	Rostered []resultRow
	Next     *nextRow // when Results is empty: the next free time, if any
	Query    string   // the search, carried by each slot's form to come back
	Nonce    string
	Choose   string // the label of every slot's button
	// ReadOnly shows times without a button to choose them (bookings are
	// paused) and says what works instead; RequestURL is the request
	// form's link, "" when the form takes no requests.
	ReadOnly   bool
	RequestURL string
}

// resultRow is one slot of the results, its words already in the page's
// language: formatting here rather than through template calls keeps the
// busiest page cheap to render.
type resultRow struct {
	SlotID     int64
	When       string // « mardi 8 décembre, 9 h 30 »
	ClinicName string
	City       string
	Distance   string
	With       string // « avec Dre Tremblay », or ""
	ClinicID   int64
	// More links the clinic's "more times" page, on its first row only.
	More, MoreText string
}

// home serves the search form.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	s.fillSearchDefaults(f)
	// The form holds nothing personal: caches may keep it a few seconds,
	// enough to absorb a flood, short enough that the operators' status
	// banner shows at once; not when this answer sets a cookie, nor for
	// someone signed in, whose header names them and carries their
	// session's form token.
	if w.Header().Get("Set-Cookie") == "" && signedInOf(r) == nil && patientOf(r) == nil {
		w.Header().Set("Cache-Control", "public, max-age=5")
	}
	s.render(w, r, http.StatusOK, "search", &page{
		Title:  "home.title",
		Notice: noticeOf(r),
		Form:   f,
		Data:   s.searchData(r, f),
	})
}

// search serves the results of a search, or the form with its messages.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	f := newForm(keepSearch(r.URL.Query()))
	s.fillSearchDefaults(f)
	q, place, ok := s.parseSearch(f)
	data := s.searchData(r, f)
	if !ok {
		f.summarize(searchFields)
		s.render(w, r, http.StatusUnprocessableEntity, "search", &page{Title: "home.title", Form: f, Data: data})
		return
	}
	data.Searched = true
	data.PlaceName = place.Name
	if place.Name == "" {
		data.PlaceName = translate(langOf(r.Context()), "search.near.here")
	}
	data.RadiusKm = f.Values.Get("rayon")
	data.Query = f.Values.Encode()
	data.Nonce = newNonce()
	data.Choose = translate(langOf(r.Context()), "results.choose")
	lang := langOf(r.Context())
	linked := map[int64]bool{}
	for _, res := range s.d.Index.Search(q, make([]availability.Result, 0, resultLimit)) {
		row := resultRow{SlotID: res.SlotID, When: FormatDateTime(res.Start, lang), Distance: FormatKm(res.DistanceKm, lang)}
		if c, ok := s.d.Index.Clinic(res.ClinicID); ok {
			row.ClinicName, row.City = c.Name, c.City
		}
		if p, ok := s.d.Index.Practitioner(res.PractitionerID); ok {
			row.With = translate(lang, "results.with", practitionerName(p.Name, lang))
		}
		row.ClinicID = res.ClinicID
		if !linked[res.ClinicID] {
			linked[res.ClinicID] = true
			row.More, row.MoreText = moreTimesURL(res.ClinicID, data.Query), translate(lang, "more.link", row.ClinicName)
		}
		data.Results = append(data.Results, row)
	}
	data.Rostered = s.rosteredResults(r, q, lang)
	if len(data.Results) == 0 && len(data.Rostered) == 0 {
		data.Next = s.nextFree(q, f.Values, lang)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	s.render(w, r, http.StatusOK, "search", &page{
		Title:  "results.title",
		Notice: noticeOf(r),
		Form:   f,
		Data:   data,
	})
}

// keepSearch keeps only the search's own parameters: a link built from
// them can carry nothing else.
func keepSearch(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range searchKeys {
		for _, x := range v[k] {
			if len(x) <= 100 {
				out.Add(k, x)
			}
		}
	}
	return out
}

// noticeOf returns the translated message a link asked for with ?avis=.
func noticeOf(r *http.Request) string {
	if key, ok := notices[r.URL.Query().Get("avis")]; ok {
		return translate(langOf(r.Context()), key)
	}
	return ""
}

func (s *Server) fillSearchDefaults(f *form) {
	today := rdv.DateOf(s.d.Engine.Now())
	defaults := map[string]string{
		"service": string(rdv.General),
		"rayon":   strconv.Itoa(defaultRadiusKm),
		"du":      today.String(),
	}
	for k, v := range defaults {
		if f.Values.Get(k) == "" {
			f.Values.Set(k, v)
		}
	}
	if f.Values.Get("au") == "" {
		if from, err := rdv.ParseDate(f.Values.Get("du")); err == nil {
			f.Values.Set("au", from.AddDays(defaultDays-1).String())
		}
	}
}

// parseSearch turns the form into an index query, recording a message by
// each field that is wrong.
func (s *Server) parseSearch(f *form) (availability.Query, places.Place, bool) {
	now := s.d.Engine.Now()
	today := rdv.DateOf(now)
	v := f.Values
	q := availability.Query{Limit: resultLimit, PerClinic: resultsPerClinic}

	svc, err := rdv.ParseService(v.Get("service"))
	if err != nil {
		f.Fail("service", "err.service")
	}
	q.Service = svc

	place, err := places.Resolve(v.Get("lieu"))
	here, nearOK := parseNear(v.Get("near"))
	switch {
	case nearOK: // the browser's position (see near.go); place has no name
		place = here
	case v.Get("lieu") == "":
		f.Fail("lieu", "err.required")
	case errors.Is(err, places.ErrPostalCodeOutside):
		f.Fail("lieu", "err.postal_outside")
	case errors.Is(err, places.ErrPostalCodeUnknown):
		f.Fail("lieu", "err.postal_unknown")
	case err != nil:
		f.Fail("lieu", "err.place")
	}
	q.Lat, q.Lon = place.Lat, place.Lon

	radius, err := strconv.Atoi(v.Get("rayon"))
	if err != nil || radius < radii[0] || radius > radii[len(radii)-1] {
		f.Fail("rayon", "err.radius")
	}
	q.RadiusKm = float64(radius)

	from, errFrom := rdv.ParseDate(v.Get("du"))
	to, errTo := rdv.ParseDate(v.Get("au"))
	switch {
	case errFrom != nil:
		f.Fail("du", "err.date")
	case from.Before(today):
		f.Fail("du", "err.date_past")
	}
	switch {
	case errTo != nil:
		f.Fail("au", "err.date")
	case errFrom == nil && to.Before(from):
		f.Fail("au", "err.date_order")
	}
	if errFrom == nil && errTo == nil && from.AddDays(maxDays).Before(to) {
		to = from.AddDays(maxDays)
	}
	q.From = from.Start(rdv.Toronto)
	if q.From.Before(now) {
		q.From = now
	}
	q.To = to.AddDays(1).Start(rdv.Toronto)

	for _, m := range v["moment"] {
		known := false
		for _, x := range moments {
			if x.value == m {
				q.Windows = append(q.Windows, x.window)
				known = true
			}
		}
		if !known {
			f.Fail("moment", "err.moment")
		}
	}
	return q, place, len(f.Errors) == 0
}

// searchData fills the choices of the form in the request's language.
func (s *Server) searchData(r *http.Request, f *form) searchData {
	lang := langOf(r.Context())
	d := searchData{Places: s.places, Today: rdv.DateOf(s.d.Engine.Now()).String()}
	if d.ReadOnly = s.modes(r.Context()).ReadOnly; d.ReadOnly {
		d.RequestURL = s.requestFormURL(f.Values)
	}
	for _, svc := range rdv.Services {
		d.Services = append(d.Services, option{string(svc), svc.Name(lang), f.Values.Get("service") == string(svc)})
	}
	for _, km := range radii {
		v := strconv.Itoa(km)
		d.Radii = append(d.Radii, option{v, v + "\u00a0km", f.Values.Get("rayon") == v})
	}
	for _, m := range moments {
		d.Moments = append(d.Moments, option{m.value, translate(lang, m.labelKey), f.Checked("moment", m.value)})
	}
	return d
}

// searchURL returns a link to the results, with a notice key if not "".
func searchURL(v url.Values, notice string) string {
	v = keepSearch(v)
	target := "/recherche"
	if len(v) == 0 {
		target = "/" // nothing to search again: back to the form
	}
	if notice != "" {
		v.Set("avis", notice)
	}
	if len(v) == 0 {
		return target
	}
	return target + "?" + v.Encode()
}

package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rdv/availability"
)

// moreTimesLimit is how many times of one clinic the "more times" page
// lists: a few days' worth, still a light page.
const moreTimesLimit = 30

// moreTimesData is what the "more times" page shows besides the results.
type moreTimesData struct {
	searchData
	ClinicName, Address, City string
	BackURL                   string
}

// moreTimes lists more times of one clinic for the same search: the
// results page shows only the earliest few of each clinic.
func (s *Server) moreTimes(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("clinic"), 10, 64)
	c, ok := s.d.Index.Clinic(id)
	if err != nil || !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	f := newForm(keepSearch(r.URL.Query()))
	if f.Values.Get("lieu") == "" {
		f.Values.Set("lieu", c.City)
	}
	s.fillSearchDefaults(f)
	q, _, ok := s.parseSearch(f)
	if !ok {
		http.Redirect(w, r, searchURL(f.Values, ""), http.StatusSeeOther)
		return
	}
	// Search at the clinic itself, with no cap per clinic, and keep only
	// its own slots (another clinic may share the building).
	q.Lat, q.Lon, q.RadiusKm = c.Lat, c.Lon, 1
	q.PerClinic, q.Limit = 0, 4*moreTimesLimit
	lang := langOf(r.Context())
	data := moreTimesData{
		searchData: s.searchData(r, f),
		ClinicName: c.Name, Address: c.Address, City: c.City,
		BackURL: searchURL(f.Values, ""),
	}
	data.Searched = true
	data.Query = f.Values.Encode()
	data.Nonce = newNonce()
	data.Choose = translate(lang, "results.choose")
	for _, res := range s.d.Index.Search(q, make([]availability.Result, 0, q.Limit)) {
		if res.ClinicID != c.ID || len(data.Results) == moreTimesLimit {
			continue
		}
		row := resultRow{SlotID: res.SlotID, When: FormatDateTime(res.Start, lang), ClinicName: c.Name, City: c.City, ClinicID: c.ID}
		if p, ok := s.d.Index.Practitioner(res.PractitionerID); ok {
			row.With = translate(lang, "results.with", practitionerName(p.Name, lang))
		}
		data.Results = append(data.Results, row)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	s.render(w, r, http.StatusOK, "more_times", &page{Title: "more.title", Form: f, Data: data})
}

// moreTimesURL links a clinic's "more times" page for a search.
func moreTimesURL(clinicID int64, query string) string {
	v, _ := url.ParseQuery(query)
	u := "/recherche/clinique/" + strconv.FormatInt(clinicID, 10)
	if len(v) > 0 {
		u += "?" + keepSearch(v).Encode()
	}
	return u
}

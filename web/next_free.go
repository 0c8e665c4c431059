package web

import (
	"net/url"

	"rdv"
	"rdv/availability"
)

// nextRow is the next free time that a search finding nothing shows,
// its words in the page's language.
type nextRow struct {
	When, ClinicName, City, Distance string
	// Link opens the clinic's times from that day on, where the slot can
	// be chosen; LinkText names the clinic.
	Link, LinkText string
}

// nextFree looks beyond the search's dates and radius for the next free
// time for the same service and times of day (see Index.NextFree); nil
// when the network has none.
func (s *Server) nextFree(q availability.Query, search url.Values, lang string) *nextRow {
	res, ok := s.d.Index.NextFree(q)
	if !ok {
		return nil
	}
	row := &nextRow{When: FormatDateTime(res.Start, lang), Distance: FormatKm(res.DistanceKm, lang)}
	if c, ok := s.d.Index.Clinic(res.ClinicID); ok {
		row.ClinicName, row.City = c.Name, c.City
	}
	// The clinic's page searches the same way over the person's usual
	// span of days, starting on the slot's day.
	v := keepSearch(search)
	day := rdv.DateOf(res.Start)
	v.Set("du", day.String())
	v.Set("au", day.AddDays(defaultDays-1).String())
	row.Link = moreTimesURL(res.ClinicID, v.Encode())
	row.LinkText = translate(lang, "results.next.link", row.ClinicName)
	return row
}

package api

import (
	"net/http"
	"strconv"
	"strings"

	"rdv"
	"rdv/places"
)

const (
	defaultSuggestions = 8
	maxSuggestions     = 20
	maxPrefixLen       = 100
)

// suggestPlaces answers GET /api/v1/places?q=mont: the type-ahead of the
// search form, most populous places first.
func (s *server) suggestPlaces(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	prefix := strings.TrimSpace(query.Get("q"))
	if len(prefix) > maxPrefixLen {
		s.fail(w, r, rdv.FieldError("q", "q longer than %d bytes", maxPrefixLen))
		return
	}
	n := defaultSuggestions
	if v := query.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 || l > maxSuggestions {
			s.fail(w, r, rdv.FieldError("limit", "limit must be in 1..%d", maxSuggestions))
			return
		}
		n = l
	}
	var found []places.Place
	if prefix != "" {
		found = places.Suggest(prefix, n)
	}
	b := make([]byte, 0, 64+len(found)*96)
	b = append(b, `{"places":[`...)
	for i, p := range found {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, p.Name)
		b = append(b, `,"lat":`...)
		b = appendCoord(b, p.Lat)
		b = append(b, `,"lon":`...)
		b = appendCoord(b, p.Lon)
		b = append(b, `,"population":`...)
		b = strconv.AppendInt(b, int64(p.Population), 10)
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	writeCached(w, b)
}

package web

import (
	"strconv"
	"strings"

	"rdv/places"
)

// parseNear reads the "near" field of the search form, "LAT,LON", that the
// page's script fills from the browser's position. It reports false when
// the field is empty or unreadable: the search then goes by place name.
func parseNear(s string) (places.Place, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return places.Place{}, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		return places.Place{}, false
	}
	return places.Place{Lat: lat, Lon: lon}, true
}

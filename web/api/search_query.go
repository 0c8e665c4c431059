package api

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/availability"
	"rdv/places"
)

// Search limits.
const (
	defaultRadiusKm = 25
	maxRadiusKm     = 250
	defaultLimit    = 20
	maxLimit        = 100
)

// searchParams is a parsed slot search. It lives in a pooled buffer so that
// parsing allocates nothing in the common case.
type searchParams struct {
	q       availability.Query
	windows [rdv.MaxWindows]availability.Window
	empty   bool // the date range holds no future instant
}

// parseSearch reads the slot search query string into p, validating each
// parameter and naming the first bad one. It walks the raw query instead of
// url.Values to avoid a map and its strings per request; values are
// unescaped only when they hold an escape.
func parseSearch(p *searchParams, rawQuery string, now time.Time) error {
	*p = searchParams{}
	q := &p.q
	q.RadiusKm = defaultRadiusKm
	q.Limit = defaultLimit
	var (
		haveNear, havePlace bool
		fromS, toS          string
		placeS              string
	)
	for rawQuery != "" {
		var kv string
		kv, rawQuery, _ = strings.Cut(rawQuery, "&")
		if kv == "" {
			continue
		}
		key, raw, _ := strings.Cut(kv, "=")
		if key == "" {
			continue // a value without a name is no parameter, and no error could name it
		}
		val, err := queryValue(raw)
		if err != nil {
			return rdv.FieldError(key, "bad escape in %s", key)
		}
		switch key {
		case "near":
			lat, lon, ok := parseLatLon(val)
			if !ok {
				return rdv.FieldError("near", "near must be LAT,LON")
			}
			q.Lat, q.Lon, haveNear = lat, lon, true
		case "place":
			placeS, havePlace = val, val != ""
		case "radius_km":
			r, err := strconv.ParseFloat(val, 64)
			if err != nil || !(r > 0 && r <= maxRadiusKm) {
				return rdv.FieldError("radius_km", "radius_km must be in (0, %d]", maxRadiusKm)
			}
			q.RadiusKm = r
		case "service":
			sv, err := rdv.ParseService(val)
			if err != nil {
				return err
			}
			q.Service = sv
		case "from":
			fromS = val
		case "to":
			toS = val
		case "limit":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > maxLimit {
				return rdv.FieldError("limit", "limit must be in 1..%d", maxLimit)
			}
			q.Limit = n
		case "per_clinic":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > maxLimit {
				return rdv.FieldError("per_clinic", "per_clinic must be in 0..%d", maxLimit)
			}
			q.PerClinic = n
		case "weekdays":
			days, ok := rdv.ParseWeekdays(val)
			if !ok {
				return rdv.FieldError("weekdays", "weekdays must list mon..sun")
			}
			q.Weekdays = days
		case "times":
			n, ok := rdv.ParseTimes(val, p.windows[:0])
			if !ok {
				return rdv.FieldError("times", "times must list morning, afternoon, evening or HH:MM-HH:MM")
			}
			q.Windows = p.windows[:n]
		case "language":
			if val != "fr" && val != "en" {
				return rdv.FieldError("language", "language must be fr or en")
			}
			q.Language = val
		}
	}
	if q.Service == "" {
		return rdv.FieldError("service", "service is required")
	}
	if !haveNear {
		if !havePlace {
			return rdv.FieldError("near", "near or place is required")
		}
		pl, err := places.Resolve(placeS)
		if err != nil {
			// The code and field stay those of an unknown place; the
			// message tells a postal code it cannot use (see
			// placeMessage).
			return &rdv.Error{Code: rdv.EINVALID, Field: "place", Detail: "unknown place", Err: err}
		}
		q.Lat, q.Lon = pl.Lat, pl.Lon
	}
	return p.dates(fromS, toS, now)
}

// dates sets the searched instants: from's local midnight to the end of
// to's local day, starting no earlier than now (rdv.ParseDateRange, which
// appointment requests read their range with too).
func (p *searchParams) dates(fromS, toS string, now time.Time) error {
	from, to, err := rdv.ParseDateRange(fromS, toS, now)
	if err != nil {
		return err
	}
	p.q.From, p.q.To = from, to
	p.empty = !p.q.From.Before(p.q.To)
	return nil
}

// queryValue unescapes a query value, allocating only when it is escaped.
func queryValue(raw string) (string, error) {
	if strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '+') < 0 {
		return raw, nil
	}
	return url.QueryUnescape(raw)
}

func parseLatLon(s string) (lat, lon float64, ok bool) {
	a, b, found := strings.Cut(s, ",")
	if !found {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	// Written so that NaN, which every comparison refuses, is refused too.
	if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		return 0, 0, false
	}
	return lat, lon, true
}

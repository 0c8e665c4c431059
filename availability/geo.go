package availability

import "math"

// earthRadiusKm is the mean radius of the Earth used for great-circle
// distances.
const earthRadiusKm = 6371.0

// site is a clinic's position, with its unit vector precomputed: the chord
// between two unit vectors is a monotonic function of the great-circle
// distance, so comparing squared chords orders and filters clinics by
// distance with a few multiplications instead of trigonometry.
type site struct {
	lat, lon float64 // degrees
	x, y, z  float64
	clinic   int32
}

func newSite(lat, lon float64, clinic int32) site {
	x, y, z := unitVector(lat, lon)
	return site{lat: lat, lon: lon, x: x, y: y, z: z, clinic: clinic}
}

func unitVector(lat, lon float64) (x, y, z float64) {
	φ, λ := lat*math.Pi/180, lon*math.Pi/180
	return math.Cos(φ) * math.Cos(λ), math.Cos(φ) * math.Sin(λ), math.Sin(φ)
}

// chordKm turns a squared chord between unit vectors into the great-circle
// distance in km. It equals the haversine formula: the haversine of the
// central angle is a quarter of the squared chord.
func chordKm(chord2 float64) float64 {
	h := math.Sqrt(chord2) / 2
	if h < 0.05 {
		// Within 600 km the series of asin to h⁹ is exact to 1e-12
		// relative and costs a fifth of math.Asin.
		h2 := h * h
		return 2 * earthRadiusKm * h * (1 + h2*(1.0/6+h2*(3.0/40+h2*(5.0/112+h2*(35.0/1152)))))
	}
	if h > 1 {
		h = 1
	}
	return 2 * earthRadiusKm * math.Asin(h)
}

// bandMargin widens the bounding box by a hair so that rounding in its
// trigonometry never rejects a clinic the exact chord test would accept.
const bandMargin = 1e-6 // degrees

// area is the disc a query searches, with the bounding box that rejects far
// clinics before the chord test.
type area struct {
	x, y, z        float64
	lon            float64
	minLat, maxLat float64
	maxDLon        float64 // largest |Δlon| in degrees; > 180: any
	maxChord2      float64
}

func newArea(lat, lon, radiusKm float64) area {
	a := area{lon: lon}
	a.x, a.y, a.z = unitVector(lat, lon)
	θ := radiusKm / earthRadiusKm // central angle in radians
	if θ >= math.Pi {
		a.minLat, a.maxLat, a.maxDLon, a.maxChord2 = -90, 90, 360, 4
		return a
	}
	c := 2 * math.Sin(θ/2)
	a.maxChord2 = c * c
	θdeg := θ * 180 / math.Pi
	a.minLat, a.maxLat = lat-θdeg-bandMargin, lat+θdeg+bandMargin
	a.maxDLon = 360
	// The widest longitude a disc of angular radius θ reaches from a
	// centre at latitude φ is asin(sin θ / cos φ), unless it covers a pole.
	if s, cφ := math.Sin(θ), math.Cos(lat*math.Pi/180); s < cφ {
		a.maxDLon = math.Asin(s/cφ)*180/math.Pi + bandMargin
	}
	return a
}

// lonOK reports whether a clinic's longitude lies within the bounding box.
func (a *area) lonOK(lon float64) bool {
	d := math.Abs(lon - a.lon)
	if d > 180 {
		d = 360 - d
	}
	return d <= a.maxDLon
}

func (a *area) chord2(s *site) float64 {
	dx, dy, dz := s.x-a.x, s.y-a.y, s.z-a.z
	return dx*dx + dy*dy + dz*dz
}

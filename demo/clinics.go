package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"rdv"
	"rdv/places"
)

// The network's shape: how many clinics, in how many places.
const (
	ClinicCount = 378 // clinics in the demo network
	CityCount   = 157 // most populous places that get clinics
)

// region decides a place's telephone area codes and default share of
// English.
type region int

const (
	regionMontreal region = iota // the island: 514, 438
	regionSuburbs                // around Montréal: 450, 579
	regionEast                   // Québec City and the east: 418, 581
	regionWest                   // west, centre and north: 819, 873
)

var areaCodes = [...][2]string{
	regionMontreal: {"514", "438"},
	regionSuburbs:  {"450", "579"},
	regionEast:     {"418", "581"},
	regionWest:     {"819", "873"},
}

// regionOf places a point in an area-code region. The boundaries are rough
// outlines of the real ones: good enough for fictional numbers.
func regionOf(lat, lon float64) region {
	switch {
	case inPolygon(lon, lat, montrealIsland):
		return regionMontreal
	case lon > -74.55 && lon < -72.50 && lat < 46.20 && !(lon < -74.0 && lat > 45.98):
		return regionSuburbs
	case (lat > 47.0 && lon > -72.5) || (lat > 46.4 && lon > -72.1) || (lat > 46.08 && lon > -71.7):
		return regionEast
	default:
		return regionWest
	}
}

// montrealIsland outlines the island of Montréal as (lon, lat) points.
var montrealIsland = [][2]float64{
	{-73.98, 45.41}, {-73.90, 45.50}, {-73.70, 45.53}, {-73.62, 45.60}, {-73.48, 45.71},
	{-73.46, 45.68}, {-73.54, 45.55}, {-73.55, 45.50}, {-73.57, 45.45}, {-73.70, 45.42},
	{-73.85, 45.40}, {-73.95, 45.39},
}

// inPolygon reports whether (x, y) is inside the polygon, by counting the
// edges a ray towards +x crosses.
func inPolygon(x, y float64, poly [][2]float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		xi, yi, xj, yj := poly[i][0], poly[i][1], poly[j][0], poly[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// city is a place that gets clinics, with what its clinics share.
type city struct {
	place   places.Place
	region  region
	english float64 // share of clinics (and patients) that speak English
	clinics int
}

// chooseCities returns the CityCount most populous places, each with its
// number of clinics: one each, and the rest spread by population with the
// largest-remainder method, so that the total is exactly ClinicCount.
func chooseCities(all []places.Place) ([]city, error) {
	if len(all) < CityCount {
		return nil, rdv.Errorf(rdv.EINTERNAL, "places: %d places, need at least %d", len(all), CityCount)
	}
	top := slices.Clone(all)
	// All is already most populous first; sorting again makes the choice
	// independent of the file's order among equal populations.
	slices.SortStableFunc(top, func(a, b places.Place) int {
		return cmp.Or(cmp.Compare(b.Population, a.Population), cmp.Compare(a.GeonamesID, b.GeonamesID))
	})
	top = top[:CityCount]
	pops := make([]int, len(top))
	for i, p := range top {
		pops[i] = p.Population
	}
	counts := apportion(pops, ClinicCount-CityCount)
	cities := make([]city, len(top))
	for i, p := range top {
		r := regionOf(p.Lat, p.Lon)
		cities[i] = city{place: p, region: r, english: englishOf(p.Name, r), clinics: 1 + counts[i]}
	}
	return cities, nil
}

// apportion shares seats among weights by the largest-remainder method;
// ties go to the earlier weight.
func apportion(weights []int, seats int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	out := make([]int, len(weights))
	if total == 0 || seats == 0 {
		return out
	}
	rem := make([]int, len(weights)) // remainders, in units of 1/total
	given := 0
	for i, w := range weights {
		q := w * seats
		out[i], rem[i] = q/total, q%total
		given += out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for _, i := range order[:seats-given] {
		out[i]++
	}
	return out
}

func englishOf(name string, r region) float64 {
	if s, ok := englishShare[name]; ok {
		return s
	}
	switch r {
	case regionMontreal:
		return 0.5
	case regionSuburbs, regionWest:
		return 0.15
	default:
		return 0.05
	}
}

// clinicNamer hands out clinic names that are unique in the network.
type clinicNamer struct{ used map[string]bool }

func (n *clinicNamer) name(rng *rand.Rand, c *city, street string) string {
	for try := 0; ; try++ {
		kind := clinicKinds[weighted(rng, clinicKindWeights)]
		var what string
		switch k := rng.IntN(10); {
		case k < 4:
			what = pick(rng, clinicLandmarks)
		case k < 6:
			what = pick(rng, clinicPatrons)
		case k < 8:
			what = ofPlace(c.place.Name)
		default:
			what = streetName(street)
		}
		name := kind + " " + what
		if try >= 20 {
			name = fmt.Sprintf("%s (%s)", name, c.place.Name)
		}
		if !n.used[name] {
			n.used[name] = true
			return name
		}
	}
}

// ofPlace says "of <place>" in French: de Laval, d'Alma, du Plateau, de La Prairie.
func ofPlace(name string) string {
	switch {
	case hasPrefixFold(name, "le "):
		return "du " + name[3:]
	case hasPrefixFold(name, "les "):
		return "des " + name[4:]
	case startsWithVowel(name):
		return "d'" + name
	default:
		return "de " + name
	}
}

// streetName keeps the name of a street without its kind ("rue",
// "boulevard") nor its direction: "boulevard Saint-Laurent" -> "Saint-Laurent".
func streetName(street string) string {
	words := strings.Fields(street)
	if len(words) > 1 && slices.Contains(streetKinds, words[0]) {
		words = words[1:]
	}
	if n := len(words); n > 1 && (words[n-1] == "Est" || words[n-1] == "Ouest") {
		words = words[:n-1]
	}
	return strings.Join(words, " ")
}

var streetKinds = []string{"rue", "boulevard", "avenue", "chemin", "montée", "route"}

func newClinic(rng *rand.Rand, id int64, c *city, namer *clinicNamer) rdv.Clinic {
	street := pickStreet(rng, c.place.Name)
	maxNumber := 2000
	if c.place.Population > 100_000 {
		maxNumber = 9000
	}
	lat, lon := jitter(rng, c.place)
	langs := []string{"fr"}
	if rng.Float64() < c.english {
		langs = append(langs, "en")
	}
	return rdv.Clinic{
		ID:        id,
		Name:      namer.name(rng, c, street),
		Address:   fmt.Sprintf("%d, %s", 10+rng.IntN(maxNumber), street),
		City:      c.place.Name,
		Lat:       lat,
		Lon:       lon,
		Phone:     phoneNumber(rng, c.region),
		Services:  clinicServices(rng, c.place.Population),
		Languages: langs,
		TimeZone:  rdv.Toronto.String(),
	}
}

func pickStreet(rng *rand.Rand, place string) string {
	switch place {
	case "Montréal":
		return pick(rng, streetsMontreal)
	case "Québec":
		return pick(rng, streetsQuebec)
	default:
		return pick(rng, streetsCommon)
	}
}

// jitter moves a clinic away from the place's centre, uniformly in a disc
// whose radius grows with the place: about 2 km in a town, 9 km in Montréal.
func jitter(rng *rand.Rand, p places.Place) (lat, lon float64) {
	radiusKm := 1.5 + 8*math.Sqrt(float64(p.Population)/1_600_000)
	r := radiusKm * math.Sqrt(rng.Float64())
	theta := 2 * math.Pi * rng.Float64()
	const kmPerDegree = 111.2
	lat = p.Lat + r*math.Cos(theta)/kmPerDegree
	lon = p.Lon + r*math.Sin(theta)/(kmPerDegree*math.Cos(p.Lat*math.Pi/180))
	return math.Round(lat*1e5) / 1e5, math.Round(lon*1e5) / 1e5
}

// phoneNumber returns a fictional number: 555-0100 to 555-0199 is reserved
// for fiction in the North American plan, so nobody real is ever called.
func phoneNumber(rng *rand.Rand, r region) string {
	code := areaCodes[r][0]
	if rng.IntN(4) == 0 {
		code = areaCodes[r][1]
	}
	return fmt.Sprintf("%s-555-01%02d", code, rng.IntN(100))
}

// clinicServices decides what a clinic offers: general and follow-up
// everywhere, the others in the shares seen in Québec, pediatrics more
// often in the big cities.
func clinicServices(rng *rand.Rand, population int) []rdv.Service {
	pediatrics := 0.35
	if population >= 100_000 {
		pediatrics = 0.5
	}
	share := map[rdv.Service]float64{
		rdv.General: 1, rdv.FollowUp: 1, rdv.Pediatrics: pediatrics, rdv.Urgent: 0.4,
		rdv.Prenatal: 0.2, rdv.Vaccination: 0.5, rdv.BloodTest: 0.4,
	}
	var out []rdv.Service
	for _, s := range rdv.Services { // a fixed order: the map only answers lookups
		if rng.Float64() < share[s] {
			out = append(out, s)
		}
	}
	return out
}

package availability

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"rdv"
	"rdv/places"
)

// network is a synthetic clinic network with its bookable slots, for tests
// and benchmarks.
type network struct {
	clinics       []rdv.Clinic
	practitioners []rdv.Practitioner
	slots         []rdv.Slot
	start         time.Time // first day, local midnight
}

// scan yields the network's slots the way a store's ScanBookable does.
func (n *network) scan(fn func(rdv.Slot) error) error {
	for _, s := range n.slots {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// mustBuild builds an index of n and fails the test on error.
func mustBuild(tb testing.TB, n *network) *Index {
	tb.Helper()
	ix, err := Build(n.clinics, n.practitioners, n.scan)
	if err != nil {
		tb.Fatalf("build: %v", err)
	}
	return ix
}

// serviceShare is the share of clinics that offer each service.
var serviceShare = map[rdv.Service]float64{
	rdv.General: 1, rdv.FollowUp: 1, rdv.Pediatrics: 0.35, rdv.Urgent: 0.6,
	rdv.Prenatal: 0.25, rdv.Vaccination: 0.5, rdv.BloodTest: 0.45,
}

// fullNetwork builds a network the size of the demo network: 378 clinics
// in the 157 most populous places, spread by population, 2–12
// practitioners each, working plans over weeks weeks, about 55% of the
// slots still bookable (about 2,000 per clinic over 8 weeks).
func fullNetwork(seed uint64, weeks int) *network {
	rng := rand.New(rand.NewPCG(seed, 1))
	all := places.All()[:157]
	counts := spreadByPopulation(all, 378)
	n := &network{start: time.Date(2026, time.March, 2, 0, 0, 0, 0, rdv.Toronto)}
	var slotID int64
	for pi, p := range all {
		// Bigger cities spread their clinics farther from the centre.
		spreadKm := 2 + math.Sqrt(float64(p.Population))/60
		for range counts[pi] {
			c := rdv.Clinic{
				ID:       int64(len(n.clinics) + 1),
				Name:     p.Name,
				City:     p.Name,
				Lat:      p.Lat + rng.NormFloat64()*spreadKm/111,
				Lon:      p.Lon + rng.NormFloat64()*spreadKm/(111*math.Cos(p.Lat*math.Pi/180)),
				TimeZone: "America/Toronto",
			}
			for _, s := range rdv.Services {
				if rng.Float64() < serviceShare[s] {
					c.Services = append(c.Services, s)
				}
			}
			n.clinics = append(n.clinics, c)
			for range 2 + rng.IntN(11) {
				pr := rdv.Practitioner{
					ID:         int64(len(n.practitioners) + 1),
					ClinicID:   c.ID,
					Languages:  []string{"fr"},
					AcceptsNew: rng.IntN(3) > 0,
				}
				if rng.Float64() < 0.3 {
					pr.Languages = append(pr.Languages, "en")
				}
				if rng.Float64() < 0.03 {
					pr.Languages = append(pr.Languages, "es")
				}
				for _, s := range c.Services {
					if s == rdv.General || rng.Float64() < 0.5 {
						pr.Services = append(pr.Services, s)
					}
				}
				n.practitioners = append(n.practitioners, pr)
				n.slots = appendPlanSlots(n.slots, rng, &slotID, c, pr, n.start, weeks)
			}
		}
	}
	return n
}

// appendPlanSlots appends the bookable slots of a practitioner working two
// to five half-days a week, each half-day on one of its services.
func appendPlanSlots(dst []rdv.Slot, rng *rand.Rand, id *int64, c rdv.Clinic, pr rdv.Practitioner, start time.Time, weeks int) []rdv.Slot {
	type halfDay struct {
		weekday time.Weekday
		hour    int
		service rdv.Service
	}
	var plan []halfDay
	for range 2 + rng.IntN(4) {
		plan = append(plan, halfDay{
			weekday: time.Weekday(1 + rng.IntN(6)),
			hour:    []int{8, 13}[rng.IntN(2)],
			service: pr.Services[rng.IntN(len(pr.Services))],
		})
	}
	rostered := rng.Float64() < 0.2
	for day := range weeks * 7 {
		date := start.AddDate(0, 0, day)
		for _, h := range plan {
			if date.Weekday() != h.weekday {
				continue
			}
			length := h.service.Info().DefaultDuration
			t := time.Date(date.Year(), date.Month(), date.Day(), h.hour, 0, 0, 0, rdv.Toronto)
			end := t.Add(4 * time.Hour)
			for ; t.Before(end); t = t.Add(length) {
				*id++
				if rng.Float64() > 0.55 {
					continue // booked or held
				}
				aud := rdv.Public
				if rostered && rng.IntN(4) == 0 {
					aud = rdv.Rostered
				}
				dst = append(dst, rdv.Slot{
					ID: *id, ClinicID: c.ID, PractitionerID: pr.ID, Service: h.service,
					Start: t.UTC(), End: t.Add(length).UTC(), Audience: aud, State: rdv.SlotFree,
				})
			}
		}
	}
	return dst
}

// spreadByPopulation splits total clinics among places in proportion to
// population, at least one each (largest remainder).
func spreadByPopulation(ps []places.Place, total int) []int {
	counts := make([]int, len(ps))
	var pop float64
	for _, p := range ps {
		pop += float64(p.Population)
	}
	left := total - len(ps)
	rest := make([]float64, len(ps))
	given := 0
	for i, p := range ps {
		share := float64(left) * float64(p.Population) / pop
		counts[i] = 1 + int(share)
		rest[i] = share - math.Floor(share)
		given += counts[i]
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(rest[b], rest[a]) })
	for k := 0; given < total; k++ {
		counts[order[k]]++
		given++
	}
	return counts
}

func TestFullNetworkShape(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the full network")
	}
	n := fullNetwork(1, 2) // two weeks: the shape, not the size
	ix := mustBuild(t, n)
	peds := 0
	for _, c := range n.clinics {
		if c.Offers(rdv.Pediatrics) {
			peds++
		}
	}
	t.Logf("%d clinics (%d with pediatrics), %d practitioners, %d bookable slots, index holds %d",
		len(n.clinics), peds, len(n.practitioners), len(n.slots), ix.Len())
	if len(n.clinics) != 378 {
		t.Fatalf("%d clinics, want 378", len(n.clinics))
	}
	if ix.Len() != len(n.slots) {
		t.Fatalf("index holds %d slots, want %d", ix.Len(), len(n.slots))
	}
}

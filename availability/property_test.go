package availability

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"rdv"
)

// haversineKm is the textbook great-circle distance that the reference
// search uses.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(math.Min(1, h)))
}

// reference is the obvious search over a set of slots: filter everything,
// sort everything.
type reference struct {
	clinics map[int64]rdv.Clinic
	practs  map[int64]rdv.Practitioner
	slots   map[int64]rdv.Slot
}

func newReference(n *network) *reference {
	r := &reference{clinics: map[int64]rdv.Clinic{}, practs: map[int64]rdv.Practitioner{}, slots: map[int64]rdv.Slot{}}
	for _, c := range n.clinics {
		r.clinics[c.ID] = c
	}
	for _, p := range n.practitioners {
		r.practs[p.ID] = p
	}
	for _, s := range n.slots {
		r.add(s)
	}
	return r
}

func (r *reference) add(s rdv.Slot) {
	_, okc := r.clinics[s.ClinicID]
	_, okp := r.practs[s.PractitionerID]
	if okc && okp && s.Service.Valid() {
		r.slots[s.ID] = s
	}
}

func (r *reference) search(q Query) []Result {
	var all []Result
	for _, s := range r.slots {
		c, p := r.clinics[s.ClinicID], r.practs[s.PractitionerID]
		local := s.Start.In(rdv.Toronto)
		minute := local.Hour()*60 + local.Minute()
		d := haversineKm(q.Lat, q.Lon, c.Lat, c.Lon)
		switch {
		case s.Service != q.Service, d > q.RadiusKm,
			s.Start.Before(q.From), !s.Start.Before(q.To),
			q.Weekdays != 0 && q.Weekdays&(1<<local.Weekday()) == 0,
			q.Language != "" && !p.Speaks(q.Language),
			s.Audience == rdv.Rostered && !q.IncludeRostered:
			continue
		}
		if len(q.Windows) > 0 && !slices.ContainsFunc(q.Windows, func(w Window) bool {
			return minute >= w.StartMinute && minute < w.EndMinute
		}) {
			continue
		}
		all = append(all, Result{SlotID: s.ID, Start: s.Start, End: s.End, Service: s.Service,
			ClinicID: c.ID, PractitionerID: p.ID, DistanceKm: d})
	}
	slices.SortFunc(all, func(a, b Result) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.DistanceKm, b.DistanceKm), cmp.Compare(a.SlotID, b.SlotID))
	})
	var out []Result
	perClinic := map[int64]int{}
	for _, r := range all {
		if len(out) == q.Limit {
			break
		}
		if q.PerClinic > 0 && perClinic[r.ClinicID] == q.PerClinic {
			continue
		}
		perClinic[r.ClinicID]++
		out = append(out, r)
	}
	return out
}

// randomNetwork makes a small network around Montréal over ten days that
// cross the spring daylight-saving change. Clinics sometimes share a spot
// and slots a start, so that ties happen; some networks speak more
// languages than the index has bits for.
func randomNetwork(rng *rand.Rand) *network {
	n := &network{start: time.Date(2026, time.March, 4, 0, 0, 0, 0, rdv.Toronto)}
	langs := []string{"fr", "en", "es", "ar"}
	if rng.IntN(4) == 0 {
		langs = nil
		for i := range 40 {
			langs = append(langs, fmt.Sprintf("l%d", i))
		}
	}
	for i := range 3 + rng.IntN(30) {
		c := rdv.Clinic{ID: int64(100 + i), Lat: 45.5 + (rng.Float64()-0.5)*0.8, Lon: -73.6 + (rng.Float64()-0.5)*1.2}
		if i > 0 && rng.IntN(5) == 0 {
			prev := n.clinics[rng.IntN(i)]
			c.Lat, c.Lon = prev.Lat, prev.Lon
		}
		n.clinics = append(n.clinics, c)
		for range 1 + rng.IntN(3) {
			p := rdv.Practitioner{ID: int64(1000 + len(n.practitioners)), ClinicID: c.ID}
			for range 1 + rng.IntN(3) {
				p.Languages = append(p.Languages, langs[rng.IntN(len(langs))])
			}
			n.practitioners = append(n.practitioners, p)
		}
	}
	for range rng.IntN(1000) {
		n.slots = append(n.slots, randomSlot(rng, n))
	}
	return n
}

// nextRandomSlotID numbers the random slots of every test, which run in
// parallel: IDs stay unique across networks.
var nextRandomSlotID atomic.Int64

func randomSlot(rng *rand.Rand, n *network) rdv.Slot {
	p := n.practitioners[rng.IntN(len(n.practitioners))]
	// Quarter hours between 06:00 and 20:00 local, on coarse steps so that
	// starts collide across clinics.
	day := n.start.AddDate(0, 0, rng.IntN(10))
	start := time.Date(day.Year(), day.Month(), day.Day(), 6, 0, 0, 0, rdv.Toronto).Add(time.Duration(rng.IntN(56)) * 15 * time.Minute)
	aud := rdv.Public
	if rng.IntN(5) == 0 {
		aud = rdv.Rostered
	}
	s := rdv.Slot{ID: 1 + nextRandomSlotID.Add(1), ClinicID: p.ClinicID, PractitionerID: p.ID,
		Service: rdv.Services[rng.IntN(3)], Start: start.UTC(), End: start.Add(time.Duration(5+rng.IntN(40)) * time.Minute).UTC(),
		Audience: aud, State: rdv.SlotFree}
	if rng.IntN(50) == 0 {
		s.ClinicID = 1 // unknown: both sides ignore it
	}
	return s
}

func randomQuery(rng *rand.Rand, n *network, langs []string) Query {
	q := Query{
		Lat: 45.5 + (rng.Float64()-0.5)*0.8, Lon: -73.6 + (rng.Float64()-0.5)*1.2,
		RadiusKm: []float64{1, 5, 15, 30, 30, 80, 500}[rng.IntN(7)],
		Service:  rdv.Services[rng.IntN(3)+rng.IntN(2)], // sometimes one nobody offers
		From:     n.start.Add(time.Duration(rng.IntN(10*24*4)) * 15 * time.Minute),
		Limit:    1 + rng.IntN(30),
	}
	if rng.IntN(4) == 0 {
		c := n.clinics[rng.IntN(len(n.clinics))]
		q.Lat, q.Lon = c.Lat, c.Lon // exact distance ties between shared spots
	}
	q.To = q.From.Add(time.Duration(1+rng.IntN(10*24)) * time.Hour)
	if rng.IntN(3) == 0 {
		q.Weekdays = uint8(rng.IntN(256))
	}
	if rng.IntN(3) == 0 {
		for range 1 + rng.IntN(2) {
			s := rng.IntN(20 * 60)
			q.Windows = append(q.Windows, Window{StartMinute: s, EndMinute: s + rng.IntN(600)})
		}
	}
	if rng.IntN(3) == 0 {
		q.Language = langs[rng.IntN(len(langs))]
	}
	if rng.IntN(2) == 0 {
		q.PerClinic = 1 + rng.IntN(3)
	}
	q.IncludeRostered = rng.IntN(2) == 0
	return q
}

func TestSearchMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(42, 2))
	var queries, found, full int
	defer func() { t.Logf("%d queries: %d found something, %d hit their limit", queries, found, full) }()
	for trial := range 80 {
		n := randomNetwork(rng)
		ix := mustBuild(t, n)
		ref := newReference(n)
		langs := []string{"fr", "en", "l3", "l39", "de"}
		for step := range 60 {
			switch rng.IntN(6) {
			case 0:
				s := randomSlot(rng, n)
				ix.Add(s)
				ref.add(s)
			case 1:
				for _, s := range ref.slots {
					ix.Remove(s)
					delete(ref.slots, s.ID)
					break
				}
			case 2:
				var ch rdv.SlotChanges
				for _, s := range ref.slots {
					if len(ch.Taken) == 3 {
						break
					}
					ch.Taken = append(ch.Taken, s)
				}
				ch.Freed = append(ch.Freed, randomSlot(rng, n))
				if len(ch.Taken) > 0 && rng.IntN(2) == 0 {
					ch.Freed = append(ch.Freed, ch.Taken[0])
				}
				ix.Apply(ch)
				for _, s := range ch.Taken {
					delete(ref.slots, s.ID)
				}
				for _, s := range ch.Freed {
					ref.add(s)
				}
			case 3:
				if rng.IntN(5) == 0 {
					cut := n.start.Add(time.Duration(rng.IntN(48)) * time.Hour)
					ix.PruneBefore(cut)
					for id, s := range ref.slots {
						if s.Start.Before(cut) {
							delete(ref.slots, id)
						}
					}
				}
			}
			if ix.Len() != len(ref.slots) {
				t.Fatalf("trial %d step %d: Len %d, reference %d", trial, step, ix.Len(), len(ref.slots))
			}
			q := randomQuery(rng, n, langs)
			got, want := ix.Search(q, nil), ref.search(q)
			queries++
			if len(want) > 0 {
				found++
			}
			if len(want) == q.Limit {
				full++
			}
			if err := sameResults(got, want); err != nil {
				t.Fatalf("trial %d step %d: query %+v: %v\n got %v\nwant %v", trial, step, q, err, ids(got), ids(want))
			}
		}
	}
}

func sameResults(got, want []Result) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d results, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.SlotID != w.SlotID || !g.Start.Equal(w.Start) || !g.End.Equal(w.End) || g.Service != w.Service ||
			g.ClinicID != w.ClinicID || g.PractitionerID != w.PractitionerID || math.Abs(g.DistanceKm-w.DistanceKm) > 1e-6 {
			return fmt.Errorf("result %d is %+v, want %+v", i, g, w)
		}
	}
	return nil
}

package availability

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"rdv"
)

// TestAddClinic onboards clinics and practitioners into a built index and
// checks that their slots are then found, and only then.
func TestAddClinic(t *testing.T) {
	t.Parallel()
	n := smallNetwork()
	near := Query{
		Lat: 45.50884, Lon: -73.58781, RadiusKm: 25, Service: rdv.General,
		From: n.start, To: n.start.AddDate(0, 0, 7), Limit: 20,
	}
	// Clinic 40 is in Montréal, beside clinic 10; clinic 50 is far away.
	c40 := rdv.Clinic{ID: 40, Name: "Verdun", Lat: 45.4585, Lon: -73.5698, Services: []rdv.Service{rdv.General}}
	c50 := rdv.Clinic{ID: 50, Name: "Gaspé", Lat: 48.8316, Lon: -64.4869, Services: []rdv.Service{rdv.General}}
	p41 := rdv.Practitioner{ID: 41, ClinicID: 40, Languages: []string{"fr", "es"}}
	p42 := rdv.Practitioner{ID: 42, ClinicID: 40, Languages: []string{"fr"}}
	at := func(hour int) time.Time { return n.start.Add(time.Duration(hour) * time.Hour).UTC() }
	slot := func(id, clinic, pract int64, start time.Time) rdv.Slot {
		return rdv.Slot{ID: id, ClinicID: clinic, PractitionerID: pract, Service: rdv.General,
			Start: start, End: start.Add(15 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
	}
	s401 := slot(401, 40, 41, at(7)) // earlier than every slot of smallNetwork
	s402 := slot(402, 40, 42, at(8))
	s501 := slot(501, 50, 41, at(7))

	tests := []struct {
		name  string
		steps func(t *testing.T, ix *Index)
		query func(q *Query)
		want  []int64
	}{
		{"unknown clinic's slot is ignored", func(t *testing.T, ix *Index) {
			ix.Add(s401)
		}, nil, []int64{101, 109, 102, 103, 105, 108}},
		{"onboarded clinic is found at once", func(t *testing.T, ix *Index) {
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s401)
		}, nil, []int64{401, 101, 109, 102, 103, 105, 108}},
		{"practitioner not yet known is ignored", func(t *testing.T, ix *Index) {
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s402)
		}, nil, []int64{101, 109, 102, 103, 105, 108}},
		{"practitioner added to a known clinic", func(t *testing.T, ix *Index) {
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			if err := ix.AddPractitioner(p42); err != nil {
				t.Fatal(err)
			}
			ix.Add(s402)
		}, nil, []int64{402, 101, 109, 102, 103, 105, 108}},
		{"adding twice changes nothing", func(t *testing.T, ix *Index) {
			ix.AddClinic(c40, []rdv.Practitioner{p41, p41})
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s401)
		}, nil, []int64{401, 101, 109, 102, 103, 105, 108}},
		{"a new language is searchable", func(t *testing.T, ix *Index) {
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s401)
		}, func(q *Query) { q.Language = "es" }, []int64{401}},
		{"far clinic stays out of a near search", func(t *testing.T, ix *Index) {
			ix.AddClinic(c50, nil)
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s501)
		}, nil, []int64{101, 109, 102, 103, 105, 108}},
		{"far clinic found from its town", func(t *testing.T, ix *Index) {
			ix.AddClinic(c50, nil)
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s501)
		}, func(q *Query) { q.Lat, q.Lon = c50.Lat, c50.Lon }, []int64{501}},
		{"service the clinic does not offer", func(t *testing.T, ix *Index) {
			ix.AddClinic(c40, []rdv.Practitioner{p41})
			ix.Add(s401)
		}, func(q *Query) { q.Service = rdv.Pediatrics }, []int64{107}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := mustBuild(t, n)
			tt.steps(t, ix)
			q := near
			if tt.query != nil {
				tt.query(&q)
			}
			if got := ids(ix.Search(q, nil)); !slices.Equal(got, tt.want) {
				t.Errorf("search found %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAddClinicLookups checks what Clinic, Clinics, Practitioner, Knows
// and AddPractitioner answer once a clinic is onboarded.
func TestAddClinicLookups(t *testing.T) {
	t.Parallel()
	ix := mustBuild(t, smallNetwork())
	// An ID below the known ones: Clinics stays ordered by ID.
	c := rdv.Clinic{ID: 5, Name: "Verdun", Lat: 45.4585, Lon: -73.5698, Services: []rdv.Service{rdv.General}}
	p := rdv.Practitioner{ID: 7, ClinicID: 5, Name: "Dre Roy", Languages: []string{"fr"}}
	if ix.Knows(rdv.Slot{ClinicID: 5, PractitionerID: 7}) {
		t.Fatal("the index knows a clinic before it is added")
	}
	if err := ix.AddPractitioner(p); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("adding a practitioner of an unknown clinic: %v, want ENOTFOUND", err)
	}
	ix.AddClinic(c, []rdv.Practitioner{p})
	if got, ok := ix.Clinic(5); !ok || got.Name != "Verdun" {
		t.Errorf("Clinic(5) = %+v, %v", got, ok)
	}
	if got, ok := ix.Practitioner(7); !ok || got.Name != "Dre Roy" {
		t.Errorf("Practitioner(7) = %+v, %v", got, ok)
	}
	if !ix.Knows(rdv.Slot{ClinicID: 5, PractitionerID: 7}) {
		t.Error("the index does not know the added clinic")
	}
	var clinicIDs []int64
	for _, c := range ix.Clinics() {
		clinicIDs = append(clinicIDs, c.ID)
	}
	if want := []int64{5, 10, 20, 30}; !slices.Equal(clinicIDs, want) {
		t.Errorf("Clinics() = %v, want %v", clinicIDs, want)
	}
	if ps := ix.Practitioners(); ps[0].ID != 1 || ps[len(ps)-1].ID != 7 {
		t.Errorf("Practitioners() not ordered by ID: first %d, last %d", ps[0].ID, ps[len(ps)-1].ID)
	}
}

// TestAddClinicWhileSearching onboards clinics, adds their slots and books
// them while searches run; under -race it checks the copy-on-write
// directory, and every answer must stay well formed.
func TestAddClinicWhileSearching(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 11))
	n := randomNetwork(rng)
	for len(n.slots) < 300 {
		n.slots = append(n.slots, randomSlot(rng, n))
	}
	ix := mustBuild(t, n)
	before := ix.Len()

	const searchers, clinics, slotsEach = 4, 40, 5
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, searchers)
	for g := range searchers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			var dst []Result
			for {
				select {
				case <-stop:
					return
				default:
				}
				q := randomQuery(rng, n, []string{"fr", "en", "es"})
				dst = ix.Search(q, dst[:0])
				if msg := checkWellFormed(q, dst); msg != "" {
					errs <- msg
					return
				}
				for _, r := range dst {
					if _, ok := ix.Clinic(r.ClinicID); !ok {
						errs <- fmt.Sprintf("result of clinic %d that Clinic does not know", r.ClinicID)
						return
					}
				}
			}
		})
	}
	base := n.start.Add(time.Hour)
	var added []rdv.Slot
	for i := range clinics {
		id := int64(100000 + i)
		c := rdv.Clinic{ID: id, Lat: 45 + rng.Float64(), Lon: -74 + rng.Float64(), Services: rdv.Services}
		p := rdv.Practitioner{ID: id, ClinicID: id, Languages: []string{"fr", "es"}}
		ix.AddClinic(c, []rdv.Practitioner{p})
		for k := range slotsEach {
			start := base.Add(time.Duration(i*slotsEach+k) * time.Minute)
			s := rdv.Slot{ID: id*10 + int64(k), ClinicID: id, PractitionerID: id, Service: rdv.Services[k%len(rdv.Services)],
				Start: start, End: start.Add(10 * time.Minute), Audience: rdv.Public, State: rdv.SlotFree}
			ix.Apply(rdv.SlotChanges{Freed: []rdv.Slot{s}})
			added = append(added, s)
		}
		if i%2 == 0 { // book one again, as a patient would
			ix.Apply(rdv.SlotChanges{Taken: []rdv.Slot{added[len(added)-1]}})
			added = added[:len(added)-1]
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if got, want := ix.Len(), before+len(added); got != want {
		t.Errorf("index holds %d slots, want %d", got, want)
	}
	// Every added slot is found at its clinic.
	for _, s := range added {
		c, _ := ix.Clinic(s.ClinicID)
		q := Query{Lat: c.Lat, Lon: c.Lon, RadiusKm: 0, Service: s.Service, From: s.Start, To: s.End, Limit: 100}
		if !slices.Contains(ids(ix.Search(q, nil)), s.ID) {
			t.Errorf("slot %d of onboarded clinic %d not found", s.ID, s.ClinicID)
		}
	}
}

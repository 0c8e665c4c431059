package demo

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/places"
)

// The full network is built and read once for all the tests that check it:
// it is a million slots. Its start spans Christmas and New Year, the
// holidays that cost the most slots.
var (
	fullOnce sync.Once
	full     *network
	fullErr  error
	fullRead scan
)

const fullSeed = 42

func fullNetwork(t *testing.T) (*network, *scan) {
	t.Helper()
	fullOnce.Do(func() {
		full, fullErr = build(Options{Seed: fullSeed, Start: mustDate(t, "2026-12-07")}, places.All())
		if fullErr == nil {
			fullRead = read(full)
		}
	})
	if fullErr != nil {
		t.Fatalf("build: %v", fullErr)
	}
	return full, &fullRead
}

func mustDate(t *testing.T, s string) rdv.Date {
	t.Helper()
	d, err := rdv.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// scan is what one pass over a network's slots found.
type scan struct {
	count       int
	hash        []byte // of the whole network, slots included
	idGaps      int    // slots whose ID is not the previous one plus one
	problems    []string
	byDay       [][2]int // day index -> booked, all
	blocked     int
	rostered    int
	perService  []int // by rdv.ServiceIndex
	perClinic   []int // by clinic ID
	holidaySlot int   // slots on a closed day
}

func (s *scan) problem(format string, args ...any) {
	if len(s.problems) < 10 {
		s.problems = append(s.problems, fmt.Sprintf(format, args...))
	}
}

// read walks a network's slots once, checking each slot against the
// practitioner who gives it and the plan it comes from.
func read(n *network) scan {
	days := daysBetween(n.from, n.to)
	s := scan{byDay: make([][2]int, days), perService: make([]int, len(rdv.Services)), perClinic: make([]int, len(n.load.Clinics)+1)}
	h := sha256.New()
	hashNetwork(h, n.load)
	pracs := n.load.Practitioners
	patients := n.load.Patients
	begin := n.from.Start(rdv.Toronto)
	closed := make([]bool, days)
	for _, hd := range holidaysBetween(n.from, n.to) {
		closed[daysBetween(n.from, hd.Date)] = true
	}
	done := make([]bool, len(pracs)+1) // practitioners whose run of slots ended
	var prev rdv.Slot
	var buf [8 * 9]byte
	for sl, patient := range n.load.Slots {
		s.count++
		if sl.ID != int64(s.count) {
			s.idGaps++
		}
		binary.LittleEndian.PutUint64(buf[0:], uint64(sl.ID))
		binary.LittleEndian.PutUint64(buf[8:], uint64(sl.ClinicID))
		binary.LittleEndian.PutUint64(buf[16:], uint64(sl.PractitionerID))
		binary.LittleEndian.PutUint64(buf[24:], uint64(rdv.ServiceIndex(sl.Service)))
		binary.LittleEndian.PutUint64(buf[32:], uint64(sl.Start.UnixNano()))
		binary.LittleEndian.PutUint64(buf[40:], uint64(sl.End.UnixNano()))
		binary.LittleEndian.PutUint64(buf[48:], uint64(len(sl.Audience)))
		binary.LittleEndian.PutUint64(buf[56:], uint64(len(sl.State)))
		binary.LittleEndian.PutUint64(buf[64:], uint64(patient))
		h.Write(buf[:])

		if sl.PractitionerID < 1 || int(sl.PractitionerID) > len(pracs) {
			s.problem("slot %d: practitioner %d unknown", sl.ID, sl.PractitionerID)
			continue
		}
		p := pracs[sl.PractitionerID-1]
		if sl.PractitionerID != prev.PractitionerID {
			if done[sl.PractitionerID] {
				s.problem("slot %d: practitioner %d has two runs of slots", sl.ID, sl.PractitionerID)
			}
			done[prev.PractitionerID] = true
		} else if sl.Start.Before(prev.End) {
			s.problem("slot %d overlaps slot %d of practitioner %d", sl.ID, prev.ID, sl.PractitionerID)
		}
		prev = sl
		if sl.ClinicID != p.ClinicID {
			s.problem("slot %d: clinic %d, practitioner works at %d", sl.ID, sl.ClinicID, p.ClinicID)
		}
		if !slices.Contains(p.Services, sl.Service) {
			s.problem("slot %d: service %s not done by practitioner %d", sl.ID, sl.Service, p.ID)
		}
		if got, want := sl.End.Sub(sl.Start), sl.Service.Info().DefaultDuration; got != want {
			s.problem("slot %d lasts %v, want %v", sl.ID, got, want)
		}
		// Clinics open after 07:00, so whole days from the first midnight
		// tell the day even on the nights the clocks change.
		day := int(sl.Start.Sub(begin) / (24 * time.Hour))
		if day < 0 || day >= days {
			s.problem("slot %d starts outside the range, on day %d", sl.ID, day)
			continue
		}
		if closed[day] {
			s.holidaySlot++
		}
		booked := sl.State == rdv.SlotBooked
		if booked != (patient != 0) {
			s.problem("slot %d: state %s with patient %d", sl.ID, sl.State, patient)
		}
		if patient < 0 || int(patient) > len(patients) {
			s.problem("slot %d: patient %d unknown", sl.ID, patient)
		} else if sl.Service == rdv.Pediatrics && patient != 0 && patients[patient-1].GuardianID == 0 {
			s.problem("pediatric slot %d booked for adult %d", sl.ID, patient)
		}
		if booked {
			s.byDay[day][0]++
		}
		s.byDay[day][1]++
		if sl.State == rdv.SlotBlocked {
			s.blocked++
		}
		if sl.Audience == rdv.Rostered {
			s.rostered++
		}
		s.perService[rdv.ServiceIndex(sl.Service)]++
		s.perClinic[sl.ClinicID]++
	}
	s.hash = h.Sum(nil)
	return s
}

// hashNetwork writes everything but the slots into h.
func hashNetwork(h hash.Hash, n rdv.NetworkLoad) {
	fmt.Fprintf(h, "%d\n", n.SlotCount)
	for _, c := range n.Clinics {
		fmt.Fprintf(h, "%+v\n", c)
	}
	for _, p := range n.Practitioners {
		fmt.Fprintf(h, "%+v\n", p)
	}
	for _, p := range n.Plans {
		fmt.Fprintf(h, "%+v\n", p)
	}
	for _, p := range n.Patients {
		fmt.Fprintf(h, "%+v\n", p)
	}
}

func TestNetworkShape(t *testing.T) {
	n, _ := fullNetwork(t)
	l := n.load
	if len(l.Clinics) != ClinicCount {
		t.Fatalf("%d clinics, want %d", len(l.Clinics), ClinicCount)
	}
	top := slices.Clone(places.All())
	slices.SortStableFunc(top, func(a, b places.Place) int { return cmp.Compare(b.Population, a.Population) })
	inTop := map[int64]bool{}
	for _, p := range top[:CityCount] {
		inTop[p.GeonamesID] = true
	}
	cities := map[int64]bool{}
	names := map[string]bool{}
	staff := map[int64]int{}
	for _, p := range l.Practitioners {
		staff[p.ClinicID]++
	}
	for i, c := range l.Clinics {
		pl := n.places[i]
		cities[pl.GeonamesID] = true
		switch {
		case c.ID != int64(i+1):
			t.Errorf("clinic %d has ID %d", i+1, c.ID)
		case !inTop[pl.GeonamesID] || c.City != pl.Name:
			t.Errorf("clinic %d in %s, not one of the %d most populous places", c.ID, c.City, CityCount)
		case distanceKm(c.Lat, c.Lon, pl.Lat, pl.Lon) > 10:
			t.Errorf("clinic %d is %.1f km from %s", c.ID, distanceKm(c.Lat, c.Lon, pl.Lat, pl.Lon), pl.Name)
		case names[c.Name]:
			t.Errorf("clinic name %q used twice", c.Name)
		case c.Address == "" || c.Phone == "" || c.TimeZone != "America/Toronto":
			t.Errorf("clinic %d: address %q phone %q zone %q", c.ID, c.Address, c.Phone, c.TimeZone)
		case !c.Offers(rdv.General) || !c.Offers(rdv.FollowUp):
			t.Errorf("clinic %d offers %v, without general or follow-up", c.ID, c.Services)
		case len(c.Languages) == 0 || c.Languages[0] != "fr":
			t.Errorf("clinic %d speaks %v", c.ID, c.Languages)
		case staff[c.ID] < 2 || staff[c.ID] > 12:
			t.Errorf("clinic %d has %d practitioners, want 2..12", c.ID, staff[c.ID])
		}
		names[c.Name] = true
	}
	if len(cities) != CityCount {
		t.Errorf("clinics in %d places, want %d", len(cities), CityCount)
	}
	for i, p := range l.Practitioners {
		c := l.Clinics[p.ClinicID-1]
		if p.ID != int64(i+1) || l.Plans[i].ID != p.ID || l.Plans[i].PractitionerID != p.ID || l.Plans[i].ClinicID != p.ClinicID {
			t.Fatalf("practitioner %d: ID %d, plan %+v", i+1, p.ID, l.Plans[i])
		}
		if err := l.Plans[i].Validate(); err != nil {
			t.Errorf("plan %d: %v", p.ID, err)
		}
		if len(p.Services) == 0 || p.Name == "" || !p.Speaks("fr") {
			t.Errorf("practitioner %d: %+v", p.ID, p)
		}
		for _, s := range p.Services {
			if !c.Offers(s) {
				t.Errorf("practitioner %d does %s, clinic %d does not offer it", p.ID, s, c.ID)
			}
		}
		for _, lang := range p.Languages {
			if !slices.Contains(c.Languages, lang) {
				t.Errorf("practitioner %d speaks %s, clinic %d lists %v", p.ID, lang, c.ID, c.Languages)
			}
		}
	}
}

// TestServiceShares checks that the clinics offer the services in the
// shares the network should show.
func TestServiceShares(t *testing.T) {
	n, _ := fullNetwork(t)
	tests := []struct {
		service rdv.Service
		lo, hi  float64
	}{
		{rdv.General, 1, 1},
		{rdv.FollowUp, 1, 1},
		{rdv.Pediatrics, 0.28, 0.45},
		{rdv.Urgent, 0.30, 0.50},
		{rdv.Prenatal, 0.12, 0.30},
		{rdv.Vaccination, 0.40, 0.60},
		{rdv.BloodTest, 0.30, 0.50},
	}
	for _, tt := range tests {
		offer := 0
		for _, c := range n.load.Clinics {
			if c.Offers(tt.service) {
				offer++
			}
		}
		if share := float64(offer) / ClinicCount; share < tt.lo || share > tt.hi {
			t.Errorf("%s in %.0f%% of clinics, want %.0f%%..%.0f%%", tt.service, 100*share, 100*tt.lo, 100*tt.hi)
		}
	}
	english := 0
	for _, c := range n.load.Clinics {
		if slices.Contains(c.Languages, "en") {
			english++
		}
	}
	if english < ClinicCount/10 || english > ClinicCount/2 {
		t.Errorf("%d clinics speak English", english)
	}
}

func TestSlots(t *testing.T) {
	n, s := fullNetwork(t)
	if s.count < 1_000_000 {
		t.Errorf("%d slots, want at least 1,000,000", s.count)
	}
	if s.count != n.load.SlotCount {
		t.Errorf("Slots yields %d slots, SlotCount says %d", s.count, n.load.SlotCount)
	}
	if s.idGaps != 0 {
		t.Errorf("%d slots not numbered in sequence from 1", s.idGaps)
	}
	for _, p := range s.problems {
		t.Error(p)
	}
	if s.holidaySlot != 0 {
		t.Errorf("%d slots on holidays", s.holidaySlot)
	}
	for _, c := range n.load.Clinics {
		if s.perClinic[c.ID] == 0 {
			t.Errorf("clinic %d has no slots", c.ID)
		}
	}
	for i, svc := range rdv.Services {
		if s.perService[i] == 0 {
			t.Errorf("no %s slots", svc)
		}
	}
	if share := float64(s.rostered) / float64(s.count); share < 0.15 || share > 0.25 {
		t.Errorf("%.1f%% rostered-only slots, want 15..25%%", 100*share)
	}
	if share := float64(s.blocked) / float64(s.count); share < 0.005 || share > 0.03 {
		t.Errorf("%.1f%% blocked slots", 100*share)
	}
}

func TestOccupancy(t *testing.T) {
	n, s := fullNetwork(t)
	days := n.opts.Weeks * 7
	share := func(from, to int) float64 {
		var booked, all int
		for d := from; d < to; d++ {
			booked += s.byDay[d][0]
			all += s.byDay[d][1]
		}
		return float64(booked) / float64(all)
	}
	tests := []struct {
		name     string
		from, to int
		lo, hi   float64
	}{
		{"first days", 0, 3, 0.82, 0.95},
		{"last week", days - 7, days, 0.12, 0.30},
	}
	for _, tt := range tests {
		if got := share(tt.from, tt.to); got < tt.lo || got > tt.hi {
			t.Errorf("%s: %.0f%% booked, want %.0f%%..%.0f%%", tt.name, 100*got, 100*tt.lo, 100*tt.hi)
		}
	}
	for w := 1; w < n.opts.Weeks; w++ {
		if share(7*w, 7*w+7) >= share(7*w-7, 7*w) {
			t.Errorf("week %d is not emptier than week %d", w+1, w)
		}
	}
}

func TestDeterministic(t *testing.T) {
	_, first := fullNetwork(t)
	again, err := build(Options{Seed: fullSeed, Start: mustDate(t, "2026-12-07")}, places.All())
	if err != nil {
		t.Fatal(err)
	}
	if got := read(again); string(got.hash) != string(first.hash) {
		t.Errorf("same seed, different networks: %x and %x", got.hash, first.hash)
	}
	// Another seed must give another network; a week of slots shows it.
	short := func(seed int64) []byte {
		n, err := build(Options{Seed: seed, Start: mustDate(t, "2026-12-07"), Weeks: 1, Patients: 500}, places.All())
		if err != nil {
			t.Fatal(err)
		}
		return read(n).hash
	}
	if string(short(1)) == string(short(2)) {
		t.Error("seeds 1 and 2 give the same network")
	}
}

func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

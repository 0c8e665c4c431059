package match_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"rdv"
	"rdv/storetest"
)

// A city for the benchmark and the simulation: a dozen clinics a few km
// apart (every request of the city reaches most of them), five
// practitioners each, working days of public general consultations and an
// hour of pediatrics kept for registered patients.

const (
	cityClinics       = 12
	cityPerClinic     = 5
	cityGeneralPerDay = 36 // 08:00–17:00, 15 minutes
	cityKeptPerDay    = 3  // 17:00–18:00, 20 minutes, rostered only
	citySlotsPerDay   = cityClinics * cityPerClinic * (cityGeneralPerDay + cityKeptPerDay)
)

// cityCentre is where the city's requests come from.
var cityCentre = [2]float64{45.52, -73.60}

// cityNetwork returns the city with days of slots from start, every slot
// free; slot IDs count from 1, day by day, practitioner by practitioner.
func cityNetwork(start rdv.Date, days int) rdv.NetworkLoad {
	n := storetest.SmallNetwork(start)
	n.Clinics, n.Practitioners, n.Plans, n.Patients = nil, nil, nil, nil
	both := []rdv.Service{rdv.General, rdv.Pediatrics}
	for c := range cityClinics {
		// A ring of clinics 2 to 9 km from the centre.
		lat := cityCentre[0] + 0.02*float64(c%4+1)*[]float64{1, -1, 0.5}[c%3]
		lon := cityCentre[1] + 0.03*float64(c%3+1)*[]float64{-1, 1, 0.3, -0.6}[c%4]
		n.Clinics = append(n.Clinics, rdv.Clinic{ID: int64(c + 1), Name: fmt.Sprintf("Clinique %d", c+1), City: "Montréal",
			Lat: lat, Lon: lon, Services: both, Languages: []string{"fr", "en"}, TimeZone: "America/Toronto"})
		for p := range cityPerClinic {
			langs := []string{"fr"}
			if p%3 == 0 {
				langs = []string{"fr", "en"}
			}
			id := int64(c*cityPerClinic + p + 1)
			n.Practitioners = append(n.Practitioners, rdv.Practitioner{ID: id, ClinicID: int64(c + 1),
				Name: fmt.Sprintf("Dr %d", id), Services: both, Languages: langs, AcceptsNew: true})
		}
	}
	n.SlotCount = days * citySlotsPerDay
	n.Slots = func(yield func(rdv.Slot, int64) bool) {
		id := int64(0)
		for d := range days {
			day := start.AddDays(d)
			for _, p := range n.Practitioners {
				for i := range cityGeneralPerDay + cityKeptPerDay {
					id++
					s := rdv.Slot{ID: id, ClinicID: p.ClinicID, PractitionerID: p.ID, Service: rdv.General,
						Audience: rdv.Public, State: rdv.SlotFree}
					if i < cityGeneralPerDay {
						s.Start = day.At(8*60+15*i, rdv.Toronto)
						s.End = s.Start.Add(15 * time.Minute)
					} else {
						s.Service, s.Audience = rdv.Pediatrics, rdv.Rostered
						s.Start = day.At(17*60+20*(i-cityGeneralPerDay), rdv.Toronto)
						s.End = s.Start.Add(20 * time.Minute)
					}
					if !yield(s, 0) {
						return
					}
				}
			}
		}
	}
	return n
}

// cityRequest returns request i of the city, received at, with criteria
// drawn from rng: a point near the centre and a radius that reaches some
// or all clinics, some weekdays or windows of the day, a language, a
// priority, a date range; one in ten is for a child in pediatrics, of
// their own clinic.
func cityRequest(rng *rand.Rand, i int, at time.Time, until time.Time) rdv.AppointmentRequest {
	r := storetest.MatchRequest(fmt.Sprintf("D-%06d", i), at)
	r.FirstName, r.LastName = "Patient", cityLastName(i)
	r.BirthDate = rdv.Date{Year: 1950, Month: time.January, Day: 1}.AddDays(i % 10_000)
	r.Urgent = rng.IntN(20) == 0
	r.Child = rng.IntN(10) == 0
	r.Lat = cityCentre[0] + (rng.Float64()-0.5)*0.1
	r.Lon = cityCentre[1] + (rng.Float64()-0.5)*0.1
	r.RadiusKm = []float64{5, 10, 25, 25}[rng.IntN(4)]
	r.From, r.To = at, until
	if rng.IntN(3) == 0 {
		r.Weekdays = uint8(rng.IntN(127) + 1)
	}
	switch rng.IntN(4) {
	case 0:
		r.Times = "morning"
	case 1:
		m := 8*60 + 15*rng.IntN(30)
		r.Times = rdv.FormatTimes([]rdv.Window{{StartMinute: m, EndMinute: m + 15*(2+rng.IntN(8))}})
	}
	if r.Times != "" {
		ws := make([]rdv.Window, 0, rdv.MaxWindows)
		n, _ := rdv.ParseTimes(r.Times, ws)
		r.Times = rdv.FormatTimes(ws[:n])
	}
	if rng.IntN(8) == 0 {
		r.PractitionerLanguage = "en"
	}
	if r.Child {
		r.Service, r.Scope = rdv.Pediatrics, rdv.ScopeOwnClinic
		r.BirthDate = rdv.DateOf(at).AddDays(-365 * (1 + rng.IntN(10)))
		r.Times, r.Weekdays = "", 0
	}
	r.HealthNumber = cityHealthNumber(r.BirthDate, i)
	r.ReceivedAt = at.UTC().Truncate(time.Millisecond)
	return r
}

// cityLastName is the last name of request i's patient: three letters
// that tell i apart (up to 17,576).
func cityLastName(i int) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	return string([]byte{letters[i/676%26], letters[i/26%26] + 'a' - 'A', letters[i%26] + 'a' - 'A'})
}

// cityHealthNumber is the RAMQ number of request i's patient, "Patient"
// of cityLastName(i), born on birth: unique per i below 17,576.
func cityHealthNumber(birth rdv.Date, i int) string {
	return fmt.Sprintf("%s%02d%02d%02d%02d", rdv.HealthNumberLetters("Patient", cityLastName(i)),
		birth.Year%100, int(birth.Month), birth.Day, i%100)
}

package storetest

import (
	"context"
	"testing"
	"time"

	"rdv"
	"rdv/availability"
)

// SmallNetwork returns a tiny deterministic network for tests of any
// package: three clinics (Montréal, Laval, Québec), four practitioners, and
// three days of slots from start. Every day, each practitioner works
// 09:00–11:00 in public general consultations of 15 minutes and 11:00–12:00
// in rostered-only pediatrics of 20 minutes (11 slots a day each, 132 in
// all). Slot IDs count from 1 in time order per practitioner and day. Two
// slots are booked: the second slot of the first day of practitioner 1
// (patient 1) and the first slot of the first day of practitioner 4
// (patient 2).
func SmallNetwork(start rdv.Date) rdv.NetworkLoad {
	clinics := []rdv.Clinic{
		{ID: 1, Name: "Clinique du Plateau", Address: "1000 avenue du Mont-Royal Est", City: "Montréal", Lat: 45.5236, Lon: -73.5800, Phone: "514-555-0100",
			Services: []rdv.Service{rdv.General, rdv.Pediatrics}, Languages: []string{"fr", "en"}, TimeZone: "America/Toronto"},
		{ID: 2, Name: "Clinique Chomedey", Address: "3500 boulevard Chomedey", City: "Laval", Lat: 45.5570, Lon: -73.7460, Phone: "450-555-0200",
			Services: []rdv.Service{rdv.General, rdv.Pediatrics}, Languages: []string{"fr"}, TimeZone: "America/Toronto"},
		{ID: 3, Name: "Clinique Saint-Roch", Address: "400 rue Saint-Joseph Est", City: "Québec", Lat: 46.8123, Lon: -71.2255, Phone: "418-555-0300",
			Services: []rdv.Service{rdv.General, rdv.Pediatrics}, Languages: []string{"fr"}, TimeZone: "America/Toronto"},
	}
	both := []rdv.Service{rdv.General, rdv.Pediatrics}
	practitioners := []rdv.Practitioner{
		{ID: 1, ClinicID: 1, Name: "Dre Amélie Tremblay", Services: both, Languages: []string{"fr", "en"}, AcceptsNew: true},
		{ID: 2, ClinicID: 1, Name: "Dr Samuel Gagnon", Services: both, Languages: []string{"fr"}, AcceptsNew: false},
		{ID: 3, ClinicID: 2, Name: "Dre Léa Roy", Services: both, Languages: []string{"fr"}, AcceptsNew: true},
		{ID: 4, ClinicID: 3, Name: "Dr Olivier Côté", Services: both, Languages: []string{"fr", "en"}, AcceptsNew: true},
	}
	var blocks []rdv.PlanBlock
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		blocks = append(blocks,
			rdv.PlanBlock{Weekday: wd, StartMinute: 9 * 60, EndMinute: 11 * 60, Service: rdv.General, SlotMinutes: 15, Audience: rdv.Public},
			rdv.PlanBlock{Weekday: wd, StartMinute: 11 * 60, EndMinute: 12 * 60, Service: rdv.Pediatrics, SlotMinutes: 20, Audience: rdv.Rostered},
		)
	}
	var plans []rdv.WorkingPlan
	var slots []rdv.Slot
	booked := map[int64]int64{} // slot ID → patient ID
	for i, p := range practitioners {
		plan := rdv.WorkingPlan{ID: int64(i + 1), PractitionerID: p.ID, ClinicID: p.ClinicID, Blocks: blocks,
			Exceptions: []rdv.PlanException{{Date: start.AddDays(30), AllDay: true, Reason: "congé"}}}
		plans = append(plans, plan)
		for d := 0; d < 3; d++ {
			day := plan.Expand(start.AddDays(d), start.AddDays(d+1), rdv.Toronto)
			for j := range day {
				day[j].ID = int64(len(slots) + 1)
				if d == 0 && j == 1 && p.ID == 1 {
					booked[day[j].ID] = 1
				}
				if d == 0 && j == 0 && p.ID == 4 {
					booked[day[j].ID] = 2
				}
				if booked[day[j].ID] != 0 {
					day[j].State = rdv.SlotBooked
				}
				slots = append(slots, day[j])
			}
		}
	}
	patients := []rdv.Patient{
		{ID: 1, FirstName: "Marie", LastName: "Lavoie", BirthDate: rdv.Date{Year: 1985, Month: 4, Day: 12}, HealthNumber: "LAVM85541215",
			Phone: "514-555-0111", Email: "marie.lavoie@example.org", Language: "fr"},
		{ID: 2, FirstName: "John", LastName: "Smith", BirthDate: rdv.Date{Year: 1972, Month: 11, Day: 3}, HealthNumber: "SMIJ72110312",
			Phone: "418-555-0122", Language: "en"},
	}
	return rdv.NetworkLoad{
		Clinics:       clinics,
		Practitioners: practitioners,
		Plans:         plans,
		Patients:      patients,
		SlotCount:     len(slots),
		Slots: func(yield func(rdv.Slot, int64) bool) {
			for _, s := range slots {
				if !yield(s, booked[s.ID]) {
					return
				}
			}
		},
	}
}

// MustLoad writes n into an empty store and fails the test on error.
func MustLoad(t testing.TB, s rdv.BookingStore, n rdv.NetworkLoad) {
	t.Helper()
	if err := s.LoadNetwork(context.Background(), n, nil); err != nil {
		t.Fatalf("load network: %v", err)
	}
}

// MustBuildIndex builds the availability index over s as a server does at
// start: its clinics, its practitioners and the slots bookable at now. It
// fails the test on error.
func MustBuildIndex(t testing.TB, s rdv.BookingStore, now time.Time) *availability.Index {
	t.Helper()
	ctx := context.Background()
	clinics, err := s.Clinics(ctx)
	if err != nil {
		t.Fatalf("clinics: %v", err)
	}
	practitioners, err := s.Practitioners(ctx)
	if err != nil {
		t.Fatalf("practitioners: %v", err)
	}
	index, err := availability.Build(clinics, practitioners, func(fn func(rdv.Slot) error) error {
		return s.ScanBookable(ctx, now, now, fn)
	})
	if err != nil {
		t.Fatalf("build index: %v", err)
	}
	return index
}

// Slots returns the slots of n with the patient booked in each (0 for
// none), in the order n yields them.
func Slots(n rdv.NetworkLoad) (slots []rdv.Slot, patients []int64) {
	for s, p := range n.Slots {
		slots = append(slots, s)
		patients = append(patients, p)
	}
	return slots, patients
}

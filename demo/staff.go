package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"rdv"
)

// staffRange is how many practitioners a clinic of a place of this size
// has: bigger cities have bigger clinics.
func staffRange(population int) (lo, hi int) {
	switch {
	case population >= 500_000:
		return 4, 11
	case population >= 100_000:
		return 3, 8
	case population >= 40_000:
		return 2, 7
	case population >= 15_000:
		return 2, 5
	default:
		return 2, 4
	}
}

// staffClinic makes the practitioners of clinic c, numbered from firstID.
// Every service the clinic offers is done by at least one of them. In
// clinics that vaccinate or draw blood, a nurse often does that work.
func staffClinic(rng *rand.Rand, c rdv.Clinic, population int, firstID int64) []rdv.Practitioner {
	lo, hi := staffRange(population)
	n := lo + rng.IntN(hi-lo+1)
	english := slices.Contains(c.Languages, "en")
	staff := make([]rdv.Practitioner, n)
	for i := range staff {
		p := &staff[i]
		p.ID = firstID + int64(i)
		p.ClinicID = c.ID
		p.Languages = []string{"fr"}
		if english && (i == 0 || rng.Float64() < 0.6) {
			p.Languages = append(p.Languages, "en")
		}
		p.AcceptsNew = rng.Float64() < 0.35
	}
	nursing := []rdv.Service{}
	for _, s := range []rdv.Service{rdv.Vaccination, rdv.BloodTest} {
		if c.Offers(s) {
			nursing = append(nursing, s)
		}
	}
	doctors := staff
	if len(nursing) > 0 && n >= 4 && rng.Float64() < 0.6 {
		nurse := &staff[n-1]
		nurse.Services = nursing
		nurse.Name = personName(rng, nurse.Speaks("en")) + ", inf."
		doctors = staff[:n-1]
	}
	for i := range doctors {
		d := &doctors[i]
		d.Services = []rdv.Service{rdv.General, rdv.FollowUp}
		title := "Dr "
		first, last := practitionerName(rng, d.Speaks("en"))
		if first.female {
			title = "Dre "
		}
		d.Name = title + first.name + " " + last
	}
	for _, s := range c.Services {
		if s == rdv.General || s == rdv.FollowUp || (len(doctors) < n && slices.Contains(nursing, s)) {
			continue
		}
		// 1 to half of the doctors take on the service.
		k := 1 + rng.IntN(max(1, len(doctors)/2))
		for _, i := range rng.Perm(len(doctors))[:k] {
			doctors[i].Services = append(doctors[i].Services, s)
		}
	}
	for i := range doctors {
		slices.SortFunc(doctors[i].Services, func(a, b rdv.Service) int { return rdv.ServiceIndex(a) - rdv.ServiceIndex(b) })
	}
	return staff
}

type firstName struct {
	name   string
	female bool
}

func practitionerName(rng *rand.Rand, english bool) (firstName, string) {
	female := rng.IntN(100) < 55 // most new family doctors are women
	if english && rng.IntN(3) == 0 {
		return firstName{pickFirst(rng, female, true), female}, pick(rng, lastNamesOther)
	}
	return firstName{pickFirst(rng, female, false), female}, pick(rng, lastNamesFR)
}

func personName(rng *rand.Rand, english bool) string {
	f, l := practitionerName(rng, english)
	return f.name + " " + l
}

func pickFirst(rng *rand.Rand, female, english bool) string {
	switch {
	case female && english:
		return pick(rng, firstNamesFemaleEN)
	case female:
		return pick(rng, firstNamesFemaleFR)
	case english:
		return pick(rng, firstNamesMaleEN)
	default:
		return pick(rng, firstNamesMaleFR)
	}
}

// serviceWeights says how much of a practitioner's time each service
// takes, among the services the practitioner does.
var serviceWeights = map[rdv.Service]int{
	rdv.General: 5, rdv.FollowUp: 3, rdv.Pediatrics: 3, rdv.Urgent: 3,
	rdv.Prenatal: 2, rdv.Vaccination: 2, rdv.BloodTest: 2,
}

// planFor makes a practitioner's weekly plan: four or five weekdays of
// morning and afternoon blocks (some days only one of them), sometimes an
// evening and a Saturday morning; every service the practitioner does gets
// blocks; about a fifth of the blocks are for rostered patients only.
// Exceptions close the statutory holidays and add some leave.
func planFor(rng *rand.Rand, id int64, p rdv.Practitioner, from, to rdv.Date, holidays []holiday) rdv.WorkingPlan {
	days := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	if rng.IntN(2) == 0 {
		off := rng.IntN(5)
		days = slices.Delete(days, off, off+1)
	}
	type span struct{ start, end int }
	var blocks []rdv.PlanBlock
	add := func(wd time.Weekday, s span) {
		blocks = append(blocks, rdv.PlanBlock{Weekday: wd, StartMinute: s.start, EndMinute: s.end, Audience: rdv.Public})
	}
	for _, wd := range days {
		morning := rng.IntN(100) < 80
		afternoon := !morning || rng.IntN(100) < 55
		if morning {
			add(wd, span{pick(rng, []int{8 * 60, 8*60 + 30, 9 * 60}), 12 * 60})
		}
		if afternoon {
			add(wd, span{13 * 60, pick(rng, []int{16 * 60, 16*60 + 30, 17 * 60})})
		}
	}
	if rng.IntN(4) == 0 {
		add(pick(rng, days), span{18 * 60, 21 * 60})
	}
	if rng.IntN(5) == 0 {
		add(time.Saturday, span{9 * 60, 12 * 60})
	}
	assignServices(rng, blocks, p.Services)
	slices.SortFunc(blocks, func(a, b rdv.PlanBlock) int {
		if a.Weekday != b.Weekday {
			return int(a.Weekday) - int(b.Weekday)
		}
		return a.StartMinute - b.StartMinute
	})
	return rdv.WorkingPlan{
		ID:             id,
		PractitionerID: p.ID,
		ClinicID:       p.ClinicID,
		Blocks:         blocks,
		Exceptions:     exceptionsFor(rng, from, to, holidays),
	}
}

// assignServices gives each block a service (each of the practitioner's
// services at least once when there are enough blocks, the rest by
// weight), the service's default slot length and an audience.
func assignServices(rng *rand.Rand, blocks []rdv.PlanBlock, services []rdv.Service) {
	weights := make([]int, len(services))
	for i, s := range services {
		weights[i] = serviceWeights[s]
	}
	order := rng.Perm(len(blocks))
	for k, bi := range order {
		s := services[weighted(rng, weights)]
		if k < len(services) {
			s = services[k]
		}
		b := &blocks[bi]
		b.Service = s
		b.SlotMinutes = int(s.Info().DefaultDuration / time.Minute)
		if rng.IntN(100) < 20 {
			b.Audience = rdv.Rostered
		}
	}
}

// exceptionsFor closes the holidays and adds some leave: a few days off
// for about a third of the practitioners, a training morning for some.
func exceptionsFor(rng *rand.Rand, from, to rdv.Date, holidays []holiday) []rdv.PlanException {
	out := make([]rdv.PlanException, 0, len(holidays)+6)
	for _, h := range holidays {
		out = append(out, rdv.PlanException{Date: h.Date, AllDay: true, Reason: h.Name})
	}
	span := daysBetween(from, to)
	if span <= 0 {
		return out
	}
	if rng.IntN(100) < 30 {
		first := from.AddDays(rng.IntN(span))
		for i := range 1 + rng.IntN(5) {
			if d := first.AddDays(i); d.Before(to) {
				out = append(out, rdv.PlanException{Date: d, AllDay: true, Reason: "Congé"})
			}
		}
	}
	if rng.IntN(100) < 25 {
		out = append(out, rdv.PlanException{
			Date: from.AddDays(rng.IntN(span)), StartMinute: 8 * 60, EndMinute: 12 * 60, Reason: "Formation",
		})
	}
	return out
}

// daysBetween counts the days of [from, to).
func daysBetween(from, to rdv.Date) int {
	a := time.Date(from.Year, from.Month, from.Day, 12, 0, 0, 0, time.UTC)
	b := time.Date(to.Year, to.Month, to.Day, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours()) / 24
}

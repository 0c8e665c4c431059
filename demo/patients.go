package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"rdv"
)

// pool is the demo's patients and the groups that booked slots draw from.
type pool struct {
	patients []rdv.Patient
	children []int64 // under 18, with a guardian
	prenatal []int64 // women of 18 to 45
}

// makePatients makes n synthetic patients, numbered from 1, living in the
// cities in proportion to their population. About one adult in eight is
// followed by one to three children whose guardian they are.
func makePatients(rng *rand.Rand, n int, today rdv.Date, cities []city) pool {
	cum := make([]int, len(cities))
	total := 0
	for i, c := range cities {
		total += c.place.Population
		cum[i] = total
	}
	pl := pool{patients: make([]rdv.Patient, 0, n)}
	used := make(map[string]bool, n) // health numbers handed out
	for len(pl.patients) < n {
		home, _ := slices.BinarySearch(cum, rng.IntN(total)+1)
		c := &cities[home]
		english := rng.Float64() < c.english*0.8
		age := 18 + rng.IntN(75)
		adult := newPatient(rng, int64(len(pl.patients)+1), age, today, english, c.region, "", used)
		pl.add(adult, today)
		if age < 22 || age > 55 || rng.IntN(4) != 0 {
			continue
		}
		for range 1 + rng.IntN(3) {
			if len(pl.patients) == n {
				break
			}
			kid := newPatient(rng, int64(len(pl.patients)+1), rng.IntN(min(18, age-21)), today, english, c.region, adult.LastName, used)
			kid.GuardianID = adult.ID
			kid.Phone, kid.Email = adult.Phone, ""
			pl.add(kid, today)
		}
	}
	return pl
}

// add puts p in the pool and in the groups it belongs to on today.
func (pl *pool) add(p rdv.Patient, today rdv.Date) {
	pl.patients = append(pl.patients, p)
	if p.GuardianID != 0 {
		pl.children = append(pl.children, p.ID)
		return
	}
	female := p.HealthNumber[6] >= '5' // the month of women's numbers is +50
	if age := today.Year - p.BirthDate.Year; female && age >= 18 && age <= 45 {
		pl.prenatal = append(pl.prenatal, p.ID)
	}
}

// newPatient makes one patient of the given age (in years) on today. A
// child takes the last name of the family.
func newPatient(rng *rand.Rand, id int64, age int, today rdv.Date, english bool, r region, family string, used map[string]bool) rdv.Patient {
	female := rng.IntN(100) < 51
	last := family
	if last == "" {
		last = pick(rng, lastNamesFR)
		if english && rng.IntN(5) < 2 {
			last = pick(rng, lastNamesOther)
		}
	}
	first := pickFirst(rng, female, english && rng.IntN(3) < 2)
	birth := today.AddDays(-(age*365 + age/4 + rng.IntN(365)))
	seq := rng.IntN(90)
	hn, ok := healthNumber(first, last, birth, female, seq, used)
	for !ok {
		// A hundred namesakes born that day: this one is born a day
		// earlier, as the card's letters cannot change.
		birth = birth.AddDays(-1)
		hn, ok = healthNumber(first, last, birth, female, seq, used)
	}
	lang := "fr"
	if english {
		lang = "en"
	}
	// Stored phones are in E.164, as every entry normalises them.
	phone, _ := rdv.NormalizePhone(phoneNumber(rng, r))
	return rdv.Patient{
		ID:           id,
		FirstName:    first,
		LastName:     last,
		BirthDate:    birth,
		HealthNumber: hn,
		Phone:        phone,
		Email:        fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(asciiFold(first)), strings.ToLower(asciiFold(last)), id),
		Language:     lang,
	}
}

// healthNumber makes a RAMQ number as the card prints it: the letters of
// the name (rdv.HealthNumberLetters), the birth date as YYMMDD with 50
// added to the month for women, and two digits (from seq on) that tell
// apart people who share all that. It is unique among used; ok is false
// when all hundred numbers of that name, sex and day are taken.
func healthNumber(first, last string, birth rdv.Date, female bool, seq int, used map[string]bool) (hn string, ok bool) {
	letters := rdv.HealthNumberLetters(first, last)
	month := int(birth.Month)
	if female {
		month += 50
	}
	for i := range 100 {
		hn := fmt.Sprintf("%s%02d%02d%02d%02d", letters, birth.Year%100, month, birth.Day, (seq+i)%100)
		if !used[hn] {
			used[hn] = true
			return hn, true
		}
	}
	return "", false
}
